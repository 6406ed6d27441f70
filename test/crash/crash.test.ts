/**
 * Crash consistency, as it runs in production: the app (`node bin/caisi-watch.js start`, HTTP mode,
 * a child process) polls a local feed server that publishes five stories from several outlets one
 * item at a time, and posts to the local Slack API server. It is killed with SIGKILL at seeded random
 * moments (while Slack holds a chat.postMessage or chat.update open, while a feed's answer is held
 * mid-poll, or 50–600 ms after start-up) and restarted on the same database every time. A last run is
 * left to finish and go quiet; then every story is in the channel exactly once (one top-level
 * message, found by its delivery metadata), naming every outlet that covered it, and no item is in
 * two messages. Needs `npm run build` first (npm test runs it).
 *
 * CAISI_CRASH_SEED=<n> replays another sequence of kills.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedServer } from '../feed-server.js';
import { type ChildHarness, startChildHarness } from '../helpers/app-process.js';
import type { Hold, SlackApiServer, StoredMessage } from '../slack-api-server.js';
import { CORPUS, type CorpusItem, OUTLETS } from './corpus.js';
import { expectedStories, Publisher, type SlowAnswer, seededRandom } from './support.js';

const SEED = Number(process.env.CAISI_CRASH_SEED ?? 14409);
const KILLS = 24;
const CHANNEL = 'C0CRASH';

type Moment = 'post' | 'update' | 'fetch' | 'random';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether `event` happened within `ms` (a bounded wait on an event, not a sleep). */
async function within(event: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([event.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe(`crash consistency: SIGKILL at ${KILLS} seeded random moments (seed ${SEED})`, () => {
  let h: ChildHarness;
  let slack: SlackApiServer;
  let feeds: FeedServer;

  beforeAll(async () => {
    h = await startChildHarness({ channel: CHANNEL, prefix: 'crash' });
    ({ slack, feeds } = h);
  });
  afterAll(() => h?.close());

  const start = () =>
    h.start({ CAISI_FEEDS: OUTLETS.map((o) => feeds.urlFor(o.path)).join(','), LOG_LEVEL: 'info' });
  const topLevel = () => h.topLevel();
  const shown = (m: StoredMessage | undefined) => `${m?.text ?? ''}\n${JSON.stringify(m?.blocks ?? [])}`;

  it('every story is in the channel exactly once, naming every outlet, after kill -9 again and again', async () => {
    const started = Date.now();
    const rnd = seededRandom(SEED);
    const pub = new Publisher(Date.now(), rnd.shuffle(CORPUS));
    pub.install(feeds);
    const pick = <T>(list: T[]) => list[rnd.int(0, list.length - 1)] as T;
    const landed: Record<Moment, number> = { post: 0, update: 0, fetch: 0, random: 0 };
    const trail: string[] = [];
    let sinceFetch = 0;

    for (let i = 0; i < KILLS; i++) {
      // News over time: up to two items per run (at most one of them a new story), everything by
      // the last few runs.
      const before = new Set(pub.published.map((c) => c.story));
      const isNew = (c: { story: string } | undefined) => !!c && !before.has(c.story);
      const revealed: CorpusItem[] = [];
      for (let n = i >= KILLS - 4 ? CORPUS.length : rnd.int(i === 0 ? 1 : 0, 2); n > 0; n--) {
        if (!pub.upcoming || (isNew(pub.upcoming) && revealed.some(isNew))) break;
        revealed.push(...pub.reveal(1));
      }
      const newStory = revealed.some(isNew);
      // A new story is killed while Slack holds its post; other runs at another moment
      // (and at least every third other run mid-fetch).
      const moment: Moment = newStory
        ? 'post'
        : sinceFetch >= 2
          ? 'fetch'
          : revealed.length
            ? pick<Moment>(['update', 'fetch', 'random'])
            : pick<Moment>(['fetch', 'random']);
      if (moment === 'fetch') sinceFetch = 0;
      else if (!newStory) sinceFetch++;

      let hold: Hold | undefined;
      let slow: SlowAnswer | undefined;
      const slowPath = pick(OUTLETS).path;
      if (moment === 'post') hold = slack.holdNext('chat.postMessage', { channel: CHANNEL });
      if (moment === 'update') hold = slack.holdNext('chat.update', { channel: CHANNEL });
      if (moment === 'fetch') slow = pub.hold(slowPath, 5000);

      const app = start();
      const died = app.exited.then((code) => {
        throw new Error(`run ${i} exited by itself (${code}): ${app.stdout().slice(-1500)} ${app.stderr()}`);
      });
      // Started (bounded generously: many processes start at once under a loaded test run), then
      // the moment sought, if it comes within a few polls.
      await Promise.race([app.waitForLog((l) => l.msg === 'caisi-watch started', 30_000), died]);
      let hit = false;
      if (hold) hit = await within(Promise.race([hold.held, died]), 5000);
      else if (slow) hit = await within(Promise.race([slow.arrived, died]), 5000);
      // The kill itself: at once or a little later while the call is held, 50–600 ms after
      // start-up otherwise (mid-poll, mid-delivery, mid-recovery, or idle).
      const wait = hit ? rnd.int(0, 100) : rnd.int(50, 600);
      await delay(wait);
      app.child.kill('SIGKILL');
      died.catch(() => {});
      expect(await app.exited).toBe('SIGKILL');
      expect(app.stderr(), `run ${i} wrote to stderr`).toBe('');
      hold?.release(); // a hold not used in this run answers at once when it is
      pub.unhold(slowPath);
      const what = hit ? moment : 'random';
      landed[what]++;
      trail.push(
        `run ${i}: +${revealed.length} item(s), killed ${hit ? `while ${moment} held` : 'at random'} +${wait} ms; channel has ${topLevel().length}`,
      );
    }

    // The last run: allowed to finish and go quiet.
    pub.reveal(CORPUS.length);
    const expected = expectedStories();
    const last = start();
    const port = await last.port();
    const complete = () =>
      [...expected.values()].every((e) => topLevel().some((m) => e.links.every((l) => shown(m).includes(l))));
    await slack.waitFor(complete, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${trail.join('\n')}`);
    });
    const polls = () => last.logs.filter((l) => l.msg === 'poll finished').length;
    const polled = polls();
    await last.waitUntil(() => polls() >= polled + 2, 10_000);
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, outboxDepth: 0, parked: 0 });
    expect(await last.kill('SIGTERM')).toBe(0);
    const elapsed = Date.now() - started;

    // Exactly once: one top-level message per story, each an alert found by its delivery key.
    const top = topLevel();
    const why = `seed ${SEED}\n${trail.join('\n')}`;
    expect(top, why).toHaveLength(expected.size);
    const keys = top.map((m) => m.metadata?.event_payload?.delivery_id);
    for (const m of top) {
      expect(m.metadata?.event_type).toBe('caisi_alert');
      expect(String(m.metadata?.event_payload?.delivery_id)).toMatch(new RegExp(`^alert:\\d+:${CHANNEL}$`));
    }
    expect(new Set(keys).size).toBe(top.length);
    // Each story in one message, naming every outlet and linking every item; no item in two messages.
    for (const [story, e] of expected) {
      const mine = top.filter((m) => e.links.some((l) => shown(m).includes(l)));
      expect(mine, `${story}: ${why}`).toHaveLength(1);
      for (const outlet of e.outlets) expect(shown(mine[0]), story).toContain(outlet);
      for (const link of e.links) expect(shown(mine[0]), story).toContain(link);
    }
    for (const c of CORPUS)
      expect(top.filter((m) => shown(m).includes(c.item.link ?? '')).length, c.item.link).toBe(1);
    // Every update went to one of those messages.
    for (const u of slack.callsTo('chat.update')) expect(top.map((m) => m.ts)).toContain(u.args.ts);

    // The kills landed where they were meant to, and the test kept to its time.
    const kills = Object.values(landed).reduce((a, b) => a + b, 0);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(landed.post, why).toBeGreaterThanOrEqual(3);
    expect(landed.fetch, why).toBeGreaterThanOrEqual(3);
    console.info(
      `crash test (seed ${SEED}): ${kills} kills (${JSON.stringify(landed)}), ${slack.callsTo('chat.postMessage').length} posts, ${slack.callsTo('chat.update').length} updates, ${elapsed} ms`,
    );
  }, 120_000);
});
