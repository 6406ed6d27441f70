/**
 * End to end, as it runs in production: local feed server → the app (`node bin/caisi-watch.js start`
 * in HTTP mode, a child process) → the local Slack API server (SLACK_API_URL).
 *  1. the first poll posts one alert for the story (after joining the public channel);
 *  2. a second outlet's item for the same story, served on a later poll, updates that alert
 *     (chat.update "also covered by …"), no new top-level message;
 *  3. a new story's chat.postMessage is held by Slack and the app is killed with SIGKILL;
 *  4. restarted on the same database, the app finds the held message by its delivery key: every
 *     story is in the channel exactly once;
 *  5. SIGTERM stops it cleanly (exit 0); no token or signing secret appears in any log.
 * Needs `npm run build` first (npm test runs it).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedServer } from '../feed-server.js';
import { BOT_TOKEN, type ChildHarness, SIGNING_SECRET, startChildHarness } from '../helpers/app-process.js';
import { rss, SEED_ITEMS, type TestItem } from '../helpers/rss.js';
import { sendSlashCommand } from '../signed-request.js';
import type { SlackApiServer } from '../slack-api-server.js';

const CHANNEL = 'C0ALERTS';
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** A seed item, dated recently so the first poll's 24 h backfill window lets it through. */
const recent = (i: number, h: number): TestItem => ({
  ...(SEED_ITEMS[i]?.item as TestItem),
  pubDate: hoursAgo(h),
});

const NEW_STORY: TestItem = {
  title: 'Anthropic challenges June 12 directive under Executive Order 14409 in court',
  description:
    'Anthropic asked a federal court to block the June 12 export-control directive issued under Executive Order 14409, arguing the order exceeds the authority the executive order grants.',
  link: 'https://example.org/wire/anthropic-directive-court',
  guid: 'wire-anthropic-court',
  pubDate: hoursAgo(0.5),
};

describe('end to end: feeds → app (child process) → Slack', () => {
  let h: ChildHarness;
  let slack: SlackApiServer;
  let feeds: FeedServer;
  let dir: string;

  beforeAll(async () => {
    h = await startChildHarness({ channel: CHANNEL, prefix: 'e2e' });
    ({ slack, feeds, dir } = h);
  });
  afterAll(() => h?.close());

  const serve = (p: string, title: string, items: TestItem[]) =>
    feeds.route(p, { headers: { 'content-type': 'application/rss+xml' }, body: rss(title, items) });
  const topLevel = () => h.topLevel();
  const start = (over: Record<string, string> = {}) =>
    h.start({
      CAISI_FEEDS: `${feeds.urlFor('/times.xml')},${feeds.urlFor('/explainer.xml')}`,
      CAISI_ADMINS: 'U0ADMIN',
      LOG_LEVEL: 'debug',
      ...over,
    });

  it('posts once, updates for a second outlet, survives kill -9 mid-post, stops cleanly', async () => {
    serve('/times.xml', 'The New York Times', [recent(0, 2)]);
    serve('/explainer.xml', 'Policy explainer', []);

    // 1. First poll right after start-up → one alert.
    const first = start();
    const port = await first.port();
    expect(port).toBeGreaterThan(0);
    await slack.waitFor(() => topLevel().length === 1, 15_000);
    const alert = topLevel()[0];
    expect(JSON.stringify(alert?.blocks)).toContain('US presses Meta to agree with AI reviews');
    expect(JSON.stringify(alert?.blocks)).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    expect(alert?.metadata?.event_type).toBe('caisi_alert');
    const methods = slack.calls.map((c) => c.method);
    expect(methods.indexOf('conversations.join')).toBeLessThan(methods.indexOf('chat.postMessage'));
    expect(slack.channel(CHANNEL)?.is_member).toBe(true);

    // The real HTTP receiver answers a signed slash command.
    const recentAnswer = await sendSlashCommand(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, {
      text: 'recent meta',
      response_url: slack.responseUrl('e2e'),
    });
    expect(recentAnswer.status).toBe(200);
    expect(JSON.stringify(recentAnswer.body)).toContain('US presses Meta');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, feedsFailing: 0 });

    // 2. A second outlet's item for the same story, on a later poll → chat.update, not a new post.
    serve('/explainer.xml', 'Policy explainer', [recent(2, 1)]);
    await slack.waitForCall('chat.update', 1, 15_000);
    await slack.waitFor(() => JSON.stringify(topLevel()[0]?.blocks).includes('Policy explainer'), 5000);
    expect(topLevel()).toHaveLength(1);
    expect(slack.callsTo('chat.update')[0]?.args.ts).toBe(alert?.ts);
    expect(JSON.stringify(topLevel()[0]?.blocks)).toContain('Also covered by');

    // 3. A new story; Slack stores the post but holds the answer; the app dies with SIGKILL.
    const hold = slack.holdNext('chat.postMessage', { channel: CHANNEL });
    serve('/times.xml', 'The New York Times', [recent(0, 2), NEW_STORY]);
    await hold.held;
    expect(topLevel()).toHaveLength(2);
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    hold.release();

    // 4. Restart on the same database: the held post is found by its key, not posted again.
    const second = start();
    const port2 = await second.port();
    await second.waitForLog((l) => l.msg === 'delivery found in Slack after restart', 15_000);
    const polled = second.logs.filter((l) => l.msg === 'poll finished').length;
    await second.waitForLog(
      (l) =>
        l.msg === 'poll finished' && second.logs.filter((x) => x.msg === 'poll finished').length > polled + 1,
      15_000,
    );
    const h2 = await (await fetch(`http://127.0.0.1:${port2}/healthz`)).json();
    expect(h2).toMatchObject({ ok: true, outboxDepth: 0, parked: 0 });
    const titles = topLevel().map((m) => JSON.stringify(m.blocks));
    expect(titles).toHaveLength(2);
    expect(titles.filter((t) => t.includes('US presses Meta'))).toHaveLength(1);
    expect(titles.filter((t) => t.includes('Anthropic challenges June 12 directive'))).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === CHANNEL)).toHaveLength(2);

    // 5. SIGTERM: finish what is in flight, stop, exit 0.
    expect(await second.kill('SIGTERM')).toBe(0);
    expect(second.logs.some((l) => l.msg === 'stopped')).toBe(true);

    // One JSON line per poll with counts; no token or signing secret anywhere in the output.
    const pollLine = first.logs.find((l) => l.msg === 'poll finished');
    expect(pollLine).toMatchObject({
      feeds: expect.any(Number),
      newItems: expect.any(Number),
      alerts: expect.any(Number),
    });
    for (const a of [first, second]) {
      const out = a.stdout() + a.stderr();
      expect(out.length).toBeGreaterThan(0);
      expect(out).not.toContain(BOT_TOKEN);
      expect(out).not.toContain(BOT_TOKEN.slice(5));
      expect(out).not.toContain(SIGNING_SECRET);
    }
  });
  it('SIGTERM finishes the delivery in flight, then exits 0; a restart has nothing left to do', async () => {
    const over = {
      CAISI_DB: path.join(dir, 'term.db'),
      CAISI_FEEDS: feeds.urlFor('/term.xml'),
      CAISI_CHANNEL: 'C0TERM',
    };
    slack.setChannel('C0TERM', { is_member: true });
    serve('/term.xml', 'Pondero Newsdesk', [recent(3, 1)]);
    const hold = slack.holdNext('chat.postMessage', { channel: 'C0TERM' });
    const app = start(over);
    await hold.held;
    app.child.kill('SIGTERM');
    await app.waitForLog((l) => l.msg === 'stopping: finishing the delivery in flight');
    expect(app.logs.some((l) => l.msg === 'stopped')).toBe(false);
    hold.release();
    expect(await app.exited).toBe(0);
    const order = app.logs.map((l) => l.msg);
    expect(order.indexOf('delivered')).toBeGreaterThan(
      order.indexOf('stopping: finishing the delivery in flight'),
    );
    expect(order.indexOf('delivered')).toBeLessThan(order.indexOf('stopped'));

    const again = start(over);
    const port = await again.port();
    await again.waitForLog((l) => l.msg === 'poll finished');
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
    expect(health).toMatchObject({ outboxDepth: 0 });
    expect(again.logs.some((l) => l.msg === 'delivery found in Slack after restart')).toBe(false);
    expect(slack.messages('C0TERM')).toHaveLength(1);
    expect(await again.kill('SIGTERM')).toBe(0);
  });
});
