/**
 * Slack faults, every one in one place, each ending with the same check: nothing lost. The Deliverer
 * runs in-process with a real WebClient pointed at the local Slack API server, an in-memory store
 * and a ManualClock (time is moved by hand, never slept; only a hung call waits for the client's
 * 200 ms timeout). Each case queues an alert for the faulted channel and one for another channel,
 * scripts the fault, lets the outbox work (moving the clock to each wake-up), applies the remedy a
 * person would (a restart with a good token, un-archiving and re-subscribing), and then every
 * alert is in its channel exactly once, found by its delivery key, and the outbox is empty.
 *
 * Then: a new source that arrives while the alert's fate is unknown is not lost; and the bot
 * started with a token Slack refuses says so in one line (child process, needs `npm run build`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Context, createContext } from '../../src/app/context.js';
import { type Config, configSchema } from '../../src/config/config-file.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { applyRosterEdits } from '../../src/roster/effective.js';
import { Deliverer } from '../../src/slack/deliver.js';
import { buildHomeView } from '../../src/slack/home.js';
import { notifyParked } from '../../src/slack/notify.js';
import type { OutboxRow, StoryRow } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { type AppProcess, BOT_TOKEN, ROOT, SIGNING_SECRET, spawnApp } from '../helpers/app-process.js';
import { rss, SEED_ITEMS, type TestItem } from '../helpers/rss.js';
import { silentClientLogger } from '../helpers/silent-logger.js';
import { type SlackApiServer, type StoredMessage, startSlackApiServer } from '../slack-api-server.js';

const TOKEN = 'xoxb-faults-test-token';
const WRONG_TOKEN = 'xoxb-revoked-0000-not-this-one';
const T0 = '2026-06-24T12:00:00.000Z';
const FAULTY = 'C0FAULTY';
const OTHER = 'C0OTHER';
const ADMIN = 'U0ADMIN';
/** The client's timeout for a call that never answers (real time: the only wait in this file). */
const CALL_TIMEOUT_MS = 200;

let slack: SlackApiServer;
let ctx: Context;
let clock: ManualClock;
let logs: string[];
let feedId: number;
const iso = () => new Date(clock.now()).toISOString();

beforeEach(async () => {
  clock = new ManualClock(Date.parse(T0));
  slack = await startSlackApiServer({ token: TOKEN, now: () => clock.now() });
  ctx = await createContext({ dbFile: ':memory:' });
  feedId = (await ctx.store.addFeed('https://example.org/feed.xml', ADMIN, iso())).feed.id;
  logs = [];
});

afterEach(async () => {
  slack.release();
  await slack.close();
  await ctx.close();
});

/** A deliverer as `start` builds it (a restart is a new one: new client, no memory), parking told to the admin. */
function deliverer(token = TOKEN): Deliverer {
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  return new Deliverer({
    store: ctx.store,
    client: new webApi.WebClient(token, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: CALL_TIMEOUT_MS,
      logger: silentClientLogger,
    }),
    roster: async () => applyRosterEdits(ctx.seed, await ctx.store.rosterEdits()),
    clock,
    logger,
    channelGapMs: 1000,
    onParked: (row, error) => notifyParked({ admins: [ADMIN], store: ctx.store, clock, logger }, row, error),
  });
}

/**
 * What the delivery loop does, on the ManualClock: deliver what is due, then move the clock to the
 * next wake-up, until nothing is left to do (or the deliverer has stopped).
 */
async function settle(d: Deliverer, maxRounds = 50): Promise<void> {
  for (let i = 0; i < maxRounds; i++) {
    await d.drain();
    const next = await d.nextWakeAt();
    if (next == null) return;
    clock.set(Math.max(clock.now(), next));
  }
}

let seq = 0;
async function alert(channel: string, title: string, labs: string[], programs: string[]): Promise<OutboxRow> {
  seq++;
  const story = await ctx.store.createStory(
    {
      title,
      labs,
      programs,
      summary: `${title}. ${'The details of the review are set out at length. '.repeat(60)}`,
      published: '2026-06-24T10:00:00.000Z',
      source: {
        feedId,
        itemId: `item-${seq}`,
        outlet: 'The New York Times',
        title,
        link: `https://example.org/times/${seq}`,
        published: '2026-06-24T10:00:00.000Z',
      },
    },
    iso(),
  );
  const key = `alert:${story.id}:${channel}`;
  await ctx.store.enqueue({ key, kind: 'alert', storyId: story.id, channel, payload: {} }, iso());
  return (await ctx.store.sentAlert(story.id, channel)) as OutboxRow;
}

const topLevel = (channel: string) =>
  slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const posts = (channel: string) =>
  slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);
const byKey = (channel: string, key: string) =>
  topLevel(channel).filter((m) => m.metadata?.event_payload?.delivery_id === key);
const adminDm = () => slack.messages(`D${ADMIN.slice(1)}`);

interface Queued {
  faulty: OutboxRow;
  other: OutboxRow;
}

interface FaultCase {
  fault: string;
  /** What the bot does (the README's Reliability table). */
  does: string;
  arrange(): void;
  /** Right after the first attempt (at T0), before the clock moves. */
  first?(q: Queued, d: Deliverer): Promise<void> | void;
  /** What a person does about it; may return the restarted deliverer. */
  remedy?(q: Queued, d: Deliverer): Promise<Deliverer | undefined> | Deliverer | undefined;
  /** The fault's own checks, once everything has settled. */
  check(q: Queued): Promise<void> | void;
}

/** A 5xx: backed off, looked up by its key (the post may have gone through), then sent once. */
const serverError = (status: number): FaultCase => ({
  fault: `HTTP ${status}`,
  does: 'retries after 1 s, 2 s, … (looks the message up by its key before each resend), then delivers',
  arrange: () => slack.failNext('chat.postMessage', { status, channel: FAULTY }),
  first: async (q) => {
    expect((await ctx.store.delivery(q.faulty.id))?.nextAttemptAt).toBe(
      new Date(Date.parse(T0) + 1000).toISOString(),
    );
    expect((await ctx.store.delivery(q.faulty.id))?.payload.inDoubt).toBe(true);
  },
  check: async () => {
    const order = slack.calls
      .filter((c) => c.args.channel === FAULTY && c.method !== 'conversations.join')
      .map((c) => `${c.method}:${c.outcome}`);
    expect(order).toEqual([
      `chat.postMessage:http_${status}`,
      'conversations.history:ok',
      'chat.postMessage:ok',
    ]);
  },
});

/** The bot's token refused: stops posting everywhere, loses nothing, delivers after a restart with a good one. */
const tokenRefused = (code: 'invalid_auth' | 'token_revoked'): FaultCase => ({
  fault: `\`${code}\``,
  does: 'one clear error log line; posting stops (no retries, no calls); the queue is kept; a restart with a good token delivers it',
  arrange: () => {
    if (code === 'token_revoked')
      slack.failNext('chat.postMessage', { error: code }, Number.POSITIVE_INFINITY);
  },
  first: async (_q, d) => {
    expect(d.stoppedBecause).toBe(code);
    expect(await d.nextWakeAt()).toBeNull();
    const calls = slack.calls.length;
    clock.advance(3_600_000);
    expect(await d.runDue()).toBe(0);
    expect(slack.calls.length).toBe(calls); // stopped: not one more call
    const line = logs.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 50);
    expect(line?.msg).toBe(
      `Slack refused the bot token (${code}): posting stopped, nothing is lost; fix SLACK_BOT_TOKEN and restart`,
    );
    expect(logs.join('\n')).not.toContain(WRONG_TOKEN.slice(5));
    expect(logs.join('\n')).not.toContain(TOKEN.slice(5));
    expect(await ctx.store.outboxDepth()).toBe(2);
  },
  remedy: async () => {
    slack.clearFaults();
    return deliverer(TOKEN); // restarted with a good token
  },
  check: async () => {},
});

/** Posting to the channel is refused: parked, admins told, other channels unaffected; re-subscribing delivers it. */
const parks = (code: string, arrange: () => void, fix: () => void): FaultCase => ({
  fault: `\`${code}\``,
  does: 'parks the alert (no retries), tells the admins by DM, lists it in the App Home; other channels unaffected; delivered once the bot is let in and the channel subscribed again',
  arrange,
  first: async (q) => {
    expect((await ctx.store.delivery(q.faulty.id))?.state).toBe('parked');
    expect((await ctx.store.delivery(q.faulty.id))?.lastError).toBe(code);
    expect(byKey(OTHER, q.other.deliveryKey)).toHaveLength(1);
  },
  remedy: async (q, d) => {
    // Settled: still parked, never retried, the admin told privately, the App Home shows it.
    expect((await ctx.store.delivery(q.faulty.id))?.state).toBe('parked');
    expect(posts(FAULTY)).toHaveLength(1);
    expect(adminDm().map((m) => m.text)).toEqual([
      expect.stringContaining(`could not post an alert to channel ${FAULTY} (${code})`),
    ]);
    expect(topLevel(FAULTY)).toHaveLength(0);
    const r = applyRosterEdits(ctx.seed, await ctx.store.rosterEdits());
    expect(JSON.stringify((await buildHomeView(r, ctx.store, true)).blocks)).toContain(`${FAULTY}: ${code}`);
    fix();
    await ctx.store.unpark(FAULTY, iso()); // what `/caisi subscribe` in the channel does
    return d;
  },
  check: async () => expect(posts(FAULTY)).toHaveLength(2),
});

/** Slack refuses the message itself: sent again as plain, shorter text, with the same key. */
const contentRefused = (code: string): FaultCase => ({
  fault: `\`${code}\``,
  does: 'sends it again at once as plain text (no blocks, at most 1,500 characters: headline, link, other outlets), same delivery key',
  arrange: () => slack.failNext('chat.postMessage', { error: code, channel: FAULTY }),
  check: async (q) => {
    const [refused, plain] = posts(FAULTY);
    expect(refused?.outcome).toBe(code);
    expect(plain?.outcome).toBe('ok');
    const [msg] = byKey(FAULTY, q.faulty.deliveryKey);
    expect(msg?.blocks).toBeUndefined();
    expect(msg?.text?.length).toBeLessThanOrEqual(1500);
    expect(msg?.text?.length).toBeLessThan(JSON.stringify(refused?.args.blocks).length);
    expect(msg?.text).toContain('Meta');
    expect(msg?.text).toContain((await ctx.store.story(q.faulty.storyId ?? 0))?.sources[0]?.link);
  },
});

const CASES: FaultCase[] = [
  {
    fault: '429 with `Retry-After: 7`',
    does: 'waits 7 s (by the injected clock) in that channel only, then delivers; other channels go on',
    arrange: () => slack.failNext('chat.postMessage', { status: 429, retryAfter: 7, channel: FAULTY }),
    first: async (q, d) => {
      expect(byKey(OTHER, q.other.deliveryKey)).toHaveLength(1);
      expect((await ctx.store.delivery(q.faulty.id))?.nextAttemptAt).toBe(
        new Date(Date.parse(T0) + 7000).toISOString(),
      );
      clock.advance(6999);
      await d.runDue();
      expect(posts(FAULTY)).toHaveLength(1);
      clock.advance(1);
      await d.runDue();
      expect(posts(FAULTY)).toHaveLength(2);
    },
    check: async () => expect(posts(FAULTY).map((c) => c.outcome)).toEqual(['http_429', 'ok']),
  },
  serverError(500),
  serverError(503),
  {
    fault: 'hung request (never answered, never processed)',
    does: 'the call times out; the message is looked up by its key, not found, and posted again: once',
    arrange: () => slack.failNext('chat.postMessage', { hang: true, channel: FAULTY }),
    first: async (q) => expect((await ctx.store.delivery(q.faulty.id))?.payload.inDoubt).toBe(true),
    check: async () => {
      expect(posts(FAULTY).map((c) => c.outcome)).toEqual(['hang', 'ok']);
      expect(slack.callsTo('conversations.history').length).toBeGreaterThanOrEqual(1);
    },
  },
  {
    fault: 'hung answer (Slack posted it, the answer never came)',
    does: 'the call times out; the message is found by its key in the channel history and not posted again',
    arrange: () => void slack.holdNext('chat.postMessage', { channel: FAULTY }),
    first: async (q) => expect((await ctx.store.delivery(q.faulty.id))?.payload.inDoubt).toBe(true),
    check: async (q) => {
      expect(posts(FAULTY)).toHaveLength(1);
      expect((await ctx.store.delivery(q.faulty.id))?.messageTs).toBe(topLevel(FAULTY)[0]?.ts);
    },
  },
  {
    fault: 'connection dropped',
    does: 'as a hung request: looked up, then posted once',
    arrange: () => slack.failNext('chat.postMessage', { drop: true, channel: FAULTY }),
    check: async () => expect(posts(FAULTY).map((c) => c.outcome)).toEqual(['dropped', 'ok']),
  },
  tokenRefused('invalid_auth'),
  tokenRefused('token_revoked'),
  parks(
    'channel_not_found',
    () => slack.failNext('chat.postMessage', { error: 'channel_not_found', channel: FAULTY }),
    () => {},
  ),
  parks(
    'not_in_channel',
    () => slack.failNext('chat.postMessage', { error: 'not_in_channel', channel: FAULTY }),
    () => {},
  ),
  parks(
    'is_archived',
    () => slack.setChannel(FAULTY, { is_archived: true }),
    () => slack.setChannel(FAULTY, { is_archived: false }),
  ),
  contentRefused('msg_too_long'),
  contentRefused('invalid_blocks'),
];

describe('Slack faults: nothing lost', () => {
  for (const c of CASES) {
    it(`${c.fault} → ${c.does}`, async () => {
      const q: Queued = {
        faulty: await alert(FAULTY, 'US presses Meta to agree with CAISI reviews', ['meta'], ['caisi']),
        other: await alert(
          OTHER,
          'xAI directive under Executive Order 14409 challenged',
          ['xai'],
          ['eo-14409'],
        ),
      };
      c.arrange();
      let d = deliverer(c.fault.includes('invalid_auth') ? WRONG_TOKEN : TOKEN);
      await d.runDue(); // the first attempt, at T0
      await c.first?.(q, d);
      await settle(d);
      const next = await c.remedy?.(q, d);
      if (next) {
        d = next;
        await d.recover();
        await settle(d);
      }
      await c.check(q);

      // Nothing lost: each alert in its channel exactly once, found by its delivery key; the outbox empty.
      for (const [channel, row] of [
        [FAULTY, q.faulty],
        [OTHER, q.other],
      ] as const) {
        expect(byKey(channel, row.deliveryKey), `${channel} has its alert once`).toHaveLength(1);
        expect(topLevel(channel)).toHaveLength(1);
        expect((await ctx.store.delivery(row.id))?.state).toBe('sent');
      }
      expect(await ctx.store.outboxDepth()).toBe(0);
      expect(await ctx.store.parkedDeliveries()).toEqual([]);
      expect(d.stoppedBecause).toBeNull();
    });
  }
});

// ---------------------------------------------------------------- a new source during a fault

describe('a source that arrives while an alert is in flight or in doubt reaches the message', () => {
  let feeds: FeedServer;
  beforeAll(async () => {
    feeds = await startFeedServer();
  });
  afterAll(() => feeds.close());

  const times = SEED_ITEMS[0]?.item as TestItem;
  const explainer = SEED_ITEMS[2]?.item as TestItem;
  const CHANNEL = 'C0SRC';

  async function setup(tag: string) {
    const paths = { times: `/${tag}/times.xml`, explainer: `/${tag}/explainer.xml` };
    const serve = (p: string, title: string, items: TestItem[]) =>
      feeds.route(p, { headers: { 'content-type': 'application/rss+xml' }, body: rss(title, items) });
    serve(paths.times, 'The New York Times', [times]);
    serve(paths.explainer, 'Policy explainer', []);
    const config: Config = {
      ...configSchema.parse({
        feeds: [{ url: feeds.urlFor(paths.times) }, { url: feeds.urlFor(paths.explainer) }],
        backfillHours: null,
      }),
      file: null,
    };
    await ctx.store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      iso(),
    );
    const poll = () =>
      pollOnce({ store: ctx.store, matcher: ctx.matcher, config, clock, alertChannel: CHANNEL });
    const secondOutlet = () => serve(paths.explainer, 'Policy explainer', [explainer]);
    return { poll, secondOutlet, pollSeconds: config.pollSeconds };
  }

  const story = async () => (await ctx.store.latestStories(5))[0] as StoryRow;
  const shown = (m: StoredMessage | undefined) => `${m?.text}${JSON.stringify(m?.blocks ?? [])}`;

  it('while the post timed out (posted or not: unknown), the new source is queued as an update', async () => {
    const s = await setup('timeout');
    await s.poll();
    slack.holdNext('chat.postMessage', { channel: CHANNEL }); // Slack posts it; the answer never comes
    const d = deliverer();
    await d.runDue();
    expect((await ctx.store.sentAlert((await story()).id, CHANNEL))?.payload.inDoubt).toBe(true);
    s.secondOutlet();
    clock.advance(s.pollSeconds * 1000);
    await s.poll();
    expect((await story()).sources).toHaveLength(2);
    await settle(d);
    expect(topLevel(CHANNEL)).toHaveLength(1);
    expect(posts(CHANNEL)).toHaveLength(1); // found by its key, not posted again
    expect(shown(topLevel(CHANNEL)[0])).toContain('Policy explainer');
    expect(slack.callsTo('chat.update')).toHaveLength(1);
  });

  it('while the bot joins the channel before its first post, the post names the new source', async () => {
    const s = await setup('join');
    slack.setChannel(CHANNEL, { is_member: false });
    await s.poll();
    const hold = slack.holdNext('conversations.join');
    const d = deliverer();
    const started = await d.startDue();
    await hold.held;
    s.secondOutlet();
    clock.advance(s.pollSeconds * 1000);
    await s.poll();
    hold.release();
    await Promise.all(started);
    await settle(d);
    expect(topLevel(CHANNEL)).toHaveLength(1);
    expect(shown(topLevel(CHANNEL)[0])).toContain('Policy explainer');
  });
});

// ---------------------------------------------------------------- the token at start (child process)

describe('a token Slack refuses, in the running bot (child process)', () => {
  let feeds: FeedServer;
  let api: SlackApiServer;
  let dir: string;
  const apps: AppProcess[] = [];
  const CHANNEL = 'C0TOKEN';

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli.js'))) throw new Error('run `npm run build` first');
    api = await startSlackApiServer({ token: BOT_TOKEN });
    feeds = await startFeedServer();
    feeds.route('/token.xml', {
      headers: { 'content-type': 'application/rss+xml' },
      body: rss('The New York Times', [
        { ...times(), pubDate: new Date(Date.now() - 3_600_000).toISOString() },
      ]),
    });
    dir = mkdtempSync(path.join(tmpdir(), 'caisi-token-'));
  });
  afterAll(async () => {
    for (const a of apps) await a.kill('SIGKILL');
    await api?.close();
    await feeds?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const times = () => SEED_ITEMS[0]?.item as TestItem;

  const start = (token: string) => {
    const a = spawnApp({
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: api.apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      CAISI_DB: path.join(dir, 'caisi.db'),
      CAISI_FEEDS: feeds.urlFor('/token.xml'),
      CAISI_CHANNEL: CHANNEL,
      CAISI_POLL_SECONDS: '1',
      LOG_LEVEL: 'info',
    });
    apps.push(a);
    return a;
  };

  it('revoked while running: stops posting, keeps polling; refused at start: one line, exit 2; a good token delivers it once', async () => {
    // 1. Running, the token is revoked: one clear line, no more posts, polling goes on.
    api.failNext('chat.postMessage', { error: 'token_revoked' }, Number.POSITIVE_INFINITY);
    const running = start(BOT_TOKEN);
    await running.waitForLog((l) => String(l.msg).startsWith('Slack refused the bot token (token_revoked)'));
    const polls = () => running.logs.filter((l) => l.msg === 'poll finished').length;
    const polled = polls();
    await running.waitUntil(() => polls() >= polled + 2);
    expect(api.callsTo('chat.postMessage')).toHaveLength(1);
    expect(await running.kill('SIGTERM')).toBe(0);

    // 2. Started with a token Slack refuses: one line on stderr, exit 2, no stack trace.
    const refused = start(WRONG_TOKEN);
    expect(await refused.exited).toBe(2);
    expect(refused.stderr()).toBe(
      'caisi-watch start: SLACK_BOT_TOKEN: Slack refused the token (invalid_auth)\n',
    );
    expect(refused.stdout()).not.toMatch(/\n\s+at /);
    for (const a of [running, refused]) {
      expect(a.stdout() + a.stderr()).not.toContain(WRONG_TOKEN.slice(5));
      expect(a.stdout() + a.stderr()).not.toContain(BOT_TOKEN.slice(5));
    }

    // 3. A good token, and Slack unreachable for its first token check: retried, then delivered once.
    api.clearFaults();
    api.failNext('auth.test', { status: 503 });
    const good = start(BOT_TOKEN);
    await good.waitForLog((l) => l.msg === 'Slack did not answer the token check at start; trying again');
    await api.waitFor(() => api.messages(CHANNEL).length === 1, 10_000);
    const polledAgain = good.logs.filter((l) => l.msg === 'poll finished').length;
    await good.waitUntil(() => good.logs.filter((l) => l.msg === 'poll finished').length >= polledAgain + 1);
    expect(api.messages(CHANNEL)).toHaveLength(1);
    expect(JSON.stringify(api.messages(CHANNEL)[0]?.blocks)).toContain(times().title);
    expect(await good.kill('SIGTERM')).toBe(0);
  });
});
