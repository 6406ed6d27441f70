/**
 * The Deliverer in-process: a real WebClient pointed at the local Slack API server, an in-memory
 * store and a ManualClock. Slack faults are scripted on the server; time is moved by hand, never slept.
 */
import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Context, createContext } from '../../src/app/context.js';
import { Leadership } from '../../src/app/leader.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { applyRosterEdits } from '../../src/roster/effective.js';
import { ALERT_EVENT_TYPE, Deliverer } from '../../src/slack/deliver.js';
import { buildHomeView } from '../../src/slack/home.js';
import { notifyFeedDisabled, notifyMissingScope } from '../../src/slack/notify.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import type { OutboxRow, StoryRow } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { startFeedServer } from '../feed-server.js';
import { silentClientLogger } from '../helpers/silent-logger.js';
import { type SlackApiServer, type StoredMessage, startSlackApiServer } from '../slack-api-server.js';
import { manifestBotScopes } from '../slack-scopes.js';

const TOKEN = 'xoxb-deliver-test-token';
const T0 = '2026-06-24T12:00:00.000Z';

let slack: SlackApiServer;
let ctx: Context;
let clock: ManualClock;
let parked: { row: OutboxRow; error: string }[];
let feedId: number;

const iso = () => new Date(clock.now()).toISOString();

function webClient(timeout = 0) {
  return new webApi.WebClient(TOKEN, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout,
    logger: silentClientLogger,
  });
}

/** A deliverer over `store` (a restarted process gets a new one, with a new client and no memory). */
function deliverer(
  store: Store = ctx.store,
  opts: {
    timeout?: number;
    gap?: number;
    onMissingScope?: (scope: string, method: string) => void | Promise<void>;
    lease?: Pick<Leadership, 'fence' | 'mayAct'>;
  } = {},
) {
  return new Deliverer({
    onMissingScope: opts.onMissingScope,
    fence: opts.lease ? (t) => (opts.lease as Leadership).fence(t) : undefined,
    mayAct: opts.lease ? () => (opts.lease as Leadership).mayAct() : undefined,
    store,
    client: webClient(opts.timeout),
    roster: async () => applyRosterEdits(ctx.seed, await store.rosterEdits()),
    clock,
    logger: createLogger('trace', { write: () => {} }),
    channelGapMs: opts.gap ?? 1000,
    onParked: (row, error) => {
      parked.push({ row, error });
    },
  });
}

let seq = 0;
async function story(
  title = 'US presses Meta to agree with CAISI reviews',
  extra: Partial<{ summary: string; labs: string[]; programs: string[] }> = {},
): Promise<StoryRow> {
  seq++;
  return await ctx.store.createStory(
    {
      title,
      labs: extra.labs ?? ['meta'],
      programs: extra.programs ?? ['caisi'],
      summary: extra.summary ?? 'The administration emailed Meta asking it to join the voluntary review.',
      published: '2026-06-23T14:00:00.000Z',
      source: {
        feedId,
        itemId: `item-${seq}`,
        outlet: 'The New York Times',
        title,
        link: `https://example.org/times/${seq}`,
        published: '2026-06-23T14:00:00.000Z',
      },
    },
    iso(),
  );
}

async function queueAlert(s: StoryRow, channel: string, store = ctx.store): Promise<OutboxRow> {
  await store.enqueue(
    { key: `alert:${s.id}:${channel}`, kind: 'alert', storyId: s.id, channel, payload: {} },
    iso(),
  );
  return (await store.sentAlert(s.id, channel)) as OutboxRow;
}

async function addSource(s: StoryRow, outlet: string, channel: string): Promise<void> {
  seq++;
  await ctx.store.addSource(
    s.id,
    {
      feedId,
      itemId: `item-${seq}`,
      outlet,
      title: `${outlet} on it`,
      link: `https://example.org/${seq}`,
      published: null,
    },
    { labs: [], programs: [] },
    iso(),
  );
  const n = ((await ctx.store.story(s.id)) as StoryRow).sources.length;
  await ctx.store.enqueue(
    {
      key: `update:${s.id}:${channel}:${n}`,
      kind: 'update',
      storyId: s.id,
      channel,
      payload: { sources: n },
    },
    iso(),
  );
}

const topLevel = (channel: string) =>
  slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const posts = (channel?: string) =>
  slack.callsTo('chat.postMessage').filter((c) => channel === undefined || c.args.channel === channel);
const blocksJson = (m: StoredMessage | undefined) => JSON.stringify(m?.blocks ?? []);

/** Every mrkdwn text object in a block list. */
function mrkdwnObjects(blocks: unknown): { type: string; text: string; verbatim?: boolean }[] {
  const out: { type: string; text: string; verbatim?: boolean }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o as never);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

beforeEach(async () => {
  clock = new ManualClock(Date.parse(T0));
  slack = await startSlackApiServer({ token: TOKEN, now: () => clock.now() });
  ctx = await createContext({ dbFile: ':memory:' });
  feedId = (await ctx.store.addFeed('https://example.org/feed.xml', 'U0ADMIN', iso())).feed.id;
  parked = [];
});

afterEach(async () => {
  await slack.close();
  await ctx.close();
});

describe('posting an alert', () => {
  it('joins a public channel first, then posts Block Kit with the delivery key in metadata', async () => {
    slack.setChannel('C0PUB', { is_member: false });
    const s = await story();
    const row = await queueAlert(s, 'C0PUB');
    const d = deliverer();
    expect(await d.runDue()).toBe(1);

    const methods = slack.calls.map((c) => c.method);
    expect(methods.indexOf('conversations.join')).toBeGreaterThanOrEqual(0);
    expect(methods.indexOf('conversations.join')).toBeLessThan(methods.indexOf('chat.postMessage'));
    expect(slack.channel('C0PUB')?.is_member).toBe(true);

    const [msg] = topLevel('C0PUB');
    expect(msg?.metadata).toEqual({
      event_type: ALERT_EVENT_TYPE,
      event_payload: { delivery_id: `alert:${s.id}:C0PUB`, story_id: s.id },
    });
    const blocks = blocksJson(msg);
    expect(blocks).toContain(
      `<https://example.org/times/${seq}|US presses Meta to agree with CAISI reviews>`,
    );
    expect(blocks).toContain('The New York Times · 2026-06-23');
    expect(blocks).toContain('Labs: Meta');
    expect(blocks).toContain('Programs: CAISI review');
    expect(blocks).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    const roster = ((msg?.blocks ?? []) as { type: string }[]).find(
      (b) => b.type === 'context' && JSON.stringify(b).includes('5 of 6 signed'),
    );
    expect(roster).toBeDefined();
    const args = posts('C0PUB')[0]?.args ?? {};
    expect(args.link_names).toBeUndefined();
    expect(args.unfurl_links).toBe('false');

    const after = await ctx.store.delivery(row.id);
    expect(after?.state).toBe('sent');
    expect(after?.messageTs).toBe(msg?.ts);
    // The channel is joined once, not before every post.
    await queueAlert(
      await story('Anthropic directive under EO 14409 is challenged', {
        labs: ['anthropic'],
        programs: ['eo-14409'],
      }),
      'C0PUB',
    );
    clock.advance(2000);
    await d.runDue();
    expect(slack.callsTo('conversations.join')).toHaveLength(1);
    expect(topLevel('C0PUB')).toHaveLength(2);
  });

  it('posts to a private channel it was invited to without trying to join it again and again', async () => {
    slack.setChannel('C0PRIV', { is_private: true, is_member: true });
    const d = deliverer();
    await queueAlert(await story(), 'C0PRIV');
    await queueAlert(
      await story('Second story about xAI and EO 14409', { labs: ['xai'], programs: ['eo-14409'] }),
      'C0PRIV',
    );
    await d.runDue();
    clock.advance(1000);
    await d.runDue();
    expect(topLevel('C0PRIV')).toHaveLength(2);
    expect(slack.callsTo('conversations.join').map((c) => c.outcome)).toEqual([
      'method_not_supported_for_channel_type',
    ]);
  });

  it('escapes untrusted feed text: <!channel>, <@U123> and @everyone ping nobody', async () => {
    const title =
      '<!channel> Meta & CAISI: <@U123> says @everyone <https://evil.example|click> <!subteam^S1>';
    await queueAlert(
      await story(title, { summary: 'Summary with <!here> and @here and <#C123> & friends.' }),
      'C0ESC',
    );
    await deliverer().runDue();
    const [msg] = topLevel('C0ESC');
    const all = `${blocksJson(msg)}${msg?.text}`;
    for (const live of [
      '<!channel>',
      '<@U123>',
      '<!here>',
      '<#C123>',
      '<!subteam^S1>',
      '<https://evil.example|click>',
    ])
      expect(all).not.toContain(live);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;@U123&gt;');
    expect(all).toContain('@everyone'); // shown as the words it is, verbatim
    const objects = mrkdwnObjects(msg?.blocks);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(o.verbatim).toBe(true);
    const args = posts('C0ESC')[0]?.args ?? {};
    expect(args.link_names).toBeUndefined();
    expect(args.parse).toBeUndefined();
  });

  it('keeps within Block Kit limits for huge feed text and many sources (the server validates)', async () => {
    const s = await story(`Meta ${'very long headline '.repeat(400)}`, { summary: 'word '.repeat(10_000) });
    await queueAlert(s, 'C0BIG');
    const d = deliverer();
    await d.runDue();
    expect(posts('C0BIG')[0]?.outcome).toBe('ok');
    expect(topLevel('C0BIG')[0]?.blocks?.length).toBeGreaterThan(0);
    for (let i = 0; i < 40; i++)
      await ctx.store.addSource(
        s.id,
        {
          feedId,
          itemId: `many-${i}`,
          outlet: `Outlet ${'x'.repeat(200)} ${i}`,
          title: 't',
          link: `https://example.org/m/${i}?q=${'y'.repeat(300)}`,
          published: null,
        },
        { labs: [], programs: [] },
        iso(),
      );
    await ctx.store.enqueue(
      { key: `update:${s.id}:C0BIG:41`, kind: 'update', storyId: s.id, channel: 'C0BIG', payload: {} },
      iso(),
    );
    clock.advance(1000);
    await d.runDue();
    expect(slack.callsTo('chat.update')[0]?.outcome).toBe('ok');
    expect(topLevel('C0BIG')[0]?.blocks?.length).toBeGreaterThan(0);
  });
});

describe('a later source for a posted story', () => {
  it('updates the alert (chat.update, "also covered by …"), never a new top-level message', async () => {
    const s = await story();
    await queueAlert(s, 'C0UPD');
    const d = deliverer();
    await d.runDue();
    const [first] = topLevel('C0UPD');
    await addSource(s, 'Pondero Newsdesk', 'C0UPD');
    clock.advance(1000);
    await d.runDue();
    expect(slack.callsTo('chat.update')).toHaveLength(1);
    expect(slack.callsTo('chat.update')[0]?.args.ts).toBe(first?.ts);
    expect(topLevel('C0UPD')).toHaveLength(1);
    expect(blocksJson(topLevel('C0UPD')[0])).toContain('Also covered by');
    expect(blocksJson(topLevel('C0UPD')[0])).toContain('Pondero Newsdesk');
    expect(posts()).toHaveLength(1);
  });

  it('an update queued before the alert is posted waits and the alert names every source', async () => {
    const s = await story();
    await queueAlert(s, 'C0W');
    await addSource(s, 'Policy explainer', 'C0W');
    const d = deliverer();
    await d.drain();
    expect(topLevel('C0W')).toHaveLength(1);
    expect(blocksJson(topLevel('C0W')[0])).toContain('Policy explainer');
  });
});

describe('exactly once across crashes', () => {
  it('a crash while Slack holds the answer: after restart the message is found by its key, not posted again', async () => {
    const s = await story();
    const row = await queueAlert(s, 'C0X');
    const hold = slack.holdNext('chat.postMessage');
    const before = deliverer();
    const inFlight = before.runDue();
    await hold.held; // Slack has stored the message; the answer never reaches the process
    // The process dies now: what survives is the database as it was (state 'sending').
    const disk = (ctx.store as SqliteStore).copyCommitted();
    expect((await disk.delivery(row.id))?.state).toBe('sending');

    const after = deliverer(disk);
    await after.recover();
    expect((await disk.delivery(row.id))?.state).toBe('sent');
    expect((await disk.delivery(row.id))?.messageTs).toBe(topLevel('C0X')[0]?.ts);
    clock.advance(60_000);
    await after.drain();
    expect(topLevel('C0X')).toHaveLength(1);
    expect(posts('C0X')).toHaveLength(1);
    const history = slack.callsTo('conversations.history')[0];
    expect(history?.args.include_all_metadata).toBe('true');
    hold.release();
    await inFlight;
    await disk.close();
  });

  it('a crash after marking sending but before the request left: the lookup finds nothing and it is posted once', async () => {
    const s = await story();
    const row = await queueAlert(s, 'C0Y');
    await ctx.store.markSending(row.id, iso());
    const d = deliverer();
    await d.recover();
    expect((await ctx.store.delivery(row.id))?.state).toBe('pending');
    await d.drain();
    expect(topLevel('C0Y')).toHaveLength(1);
    // And the restarted process after that finds nothing to do.
    const again = deliverer();
    await again.recover();
    await again.drain();
    expect(topLevel('C0Y')).toHaveLength(1);
  });

  it('history unreadable (bot removed from the public channel): joins once and reads again', async () => {
    const s = await story();
    const row = await queueAlert(s, 'C0Z');
    const hold = slack.holdNext('chat.postMessage');
    const inFlight = deliverer().runDue();
    await hold.held;
    const disk = (ctx.store as SqliteStore).copyCommitted();
    slack.setChannel('C0Z', { is_member: false });
    const after = deliverer(disk);
    await after.recover();
    expect(slack.callsTo('conversations.history').map((c) => c.outcome)).toEqual(['not_in_channel', 'ok']);
    expect((await disk.delivery(row.id))?.state).toBe('sent');
    await after.drain();
    expect(topLevel('C0Z')).toHaveLength(1);
    hold.release();
    await inFlight;
    await disk.close();
  });

  it('a timeout (the message was stored, the answer never came) is looked up before any resend', async () => {
    const s = await story();
    const row = await queueAlert(s, 'C0T');
    slack.holdNext('chat.postMessage');
    const d = deliverer(ctx.store, { timeout: 200 });
    await d.runDue(); // the client gives up after its timeout
    const r = await ctx.store.delivery(row.id);
    expect(r?.state).toBe('pending');
    expect(r?.payload.inDoubt).toBe(true);
    clock.advance(1000);
    await d.runDue();
    expect(slack.callsTo('conversations.history')).toHaveLength(1);
    expect((await ctx.store.delivery(row.id))?.state).toBe('sent');
    expect(posts('C0T')).toHaveLength(1);
    expect(topLevel('C0T')).toHaveLength(1);
    slack.release();
  });

  it('a notice to an admin in doubt is looked up in the DM (conversations.open), not posted twice', async () => {
    await ctx.store.enqueue(
      {
        key: 'notice:1',
        kind: 'notice',
        storyId: null,
        channel: 'U0ADMIN',
        payload: { text: 'hello <!channel>' },
      },
      iso(),
    );
    const hold = slack.holdNext('chat.postMessage');
    const inFlight = deliverer().runDue();
    await hold.held;
    const disk = (ctx.store as SqliteStore).copyCommitted();
    const after = deliverer(disk);
    await after.recover();
    await after.drain();
    expect(posts()).toHaveLength(1);
    expect(slack.messages('D0ADMIN')).toHaveLength(1);
    expect(slack.messages('D0ADMIN')[0]?.text).toBe('hello &lt;!channel&gt;');
    hold.release();
    await inFlight;
    await disk.close();
  });
});

describe('several replicas: only the leader sends, and a former leader is fenced off', () => {
  const TTL = 15_000;
  /** A replica's leadership on this store and clock; resolves once it is elected. */
  const campaign = async (holder: string) => {
    let elected!: () => void;
    const won = new Promise<void>((r) => {
      elected = r;
    });
    const l = new Leadership({
      store: ctx.store,
      clock,
      logger: createLogger('silent', { write: () => {} }),
      ttlMs: TTL,
      holder,
      onElected: () => elected(),
      onDeposed: () => {},
    });
    l.start();
    return { l, won };
  };

  it('a leader paused past its lease sends nothing when it wakes; the new leader sends it once', async () => {
    const a = await campaign('replica-a');
    await a.won;
    const first = await queueAlert(await story(), 'C0LEAD');
    await deliverer(ctx.store, { lease: a.l }).runDue();
    expect(topLevel('C0LEAD')).toHaveLength(1);

    // A is paused (its clock moves on, its process does not); B takes the lease over.
    clock.advance(TTL + 1000);
    const b = await campaign('replica-b');
    await b.won;
    const second = await queueAlert(
      await story('xAI joins EO 14409 review pilot', { labs: ['xai'] }),
      'C0LEAD',
    );
    // A wakes and tries to send: refused by the fence, the row untouched.
    expect(await deliverer(ctx.store, { lease: a.l }).runDue()).toBe(0);
    expect((await ctx.store.delivery(second.id))?.state).toBe('pending');
    await deliverer(ctx.store, { lease: b.l }).runDue();
    expect(topLevel('C0LEAD')).toHaveLength(2);
    expect((await ctx.store.delivery(first.id))?.state).toBe('sent');
    expect((await ctx.store.delivery(second.id))?.state).toBe('sent');
    await a.l.stop();
    await b.l.stop();
  });

  it('a lease that ends between the claim and the call: nothing is sent, and the next leader sends it once', async () => {
    const a = await campaign('replica-a');
    await a.won;
    const row = await queueAlert(await story(), 'C0EDGE');
    let claims = 0;
    // The fence passes (the claim is made), then the deadline check before the call fails.
    const lease = { fence: (t: Store) => a.l.fence(t).finally(() => claims++), mayAct: () => claims === 0 };
    expect(await deliverer(ctx.store, { lease }).runDue()).toBe(0);
    expect(posts('C0EDGE')).toHaveLength(0);
    expect((await ctx.store.delivery(row.id))?.state).toBe('sending');
    // The next leader looks it up first (not in the channel), then posts it: once.
    await a.l.stop();
    clock.advance(TTL + 1000);
    const b = await campaign('replica-b');
    await b.won;
    const next = deliverer(ctx.store, { lease: b.l });
    await next.recover();
    await next.drain();
    expect(topLevel('C0EDGE')).toHaveLength(1);
    expect(slack.callsTo('conversations.history').length).toBeGreaterThanOrEqual(1);
    await b.l.stop();
  });
});

describe('a scope the token lacks', () => {
  it('without im:history a notice in doubt parks alone; admins are told once which scope to add; alerts go on; after the fix it is found, not posted twice', async () => {
    // The manifest as it was before im:history: recovery of an admin's DM notice needs it.
    slack.setScopes(manifestBotScopes().filter((s) => s !== 'im:history'));
    await ctx.store.enqueue(
      {
        key: 'notice:dm-1',
        kind: 'notice',
        storyId: null,
        channel: 'U0ADMIN',
        payload: { text: 'parked alert' },
      },
      iso(),
    );
    const alertStory = await story();
    const hold = slack.holdNext('chat.postMessage', { channel: 'U0ADMIN' });
    const inFlight = deliverer().runDue();
    await hold.held; // stored in the DM, the answer never reaches the bot: then it crashes
    const disk = (ctx.store as SqliteStore).copyCommitted();
    const logger = createLogger('silent', { write: () => {} });
    const told: string[] = [];
    const restarted = deliverer(disk, {
      onMissingScope: async (scope, method) => {
        told.push(`${scope} ${method}`);
        await notifyMissingScope({ admins: ['U0ADMIN'], store: disk, clock, logger }, scope, method);
      },
    });
    await queueAlert(alertStory, 'C0PUB', disk);
    await restarted.recover();
    await restarted.drain();
    expect(restarted.stoppedBecause).toBeNull(); // not an auth failure: posting goes on
    expect(topLevel('C0PUB')).toHaveLength(1);
    const notice = await disk.parkedDeliveries();
    expect(notice.map((r) => [r.deliveryKey, r.lastError])).toEqual([
      ['notice:dm-1', 'missing_scope: im:history'],
    ]);
    expect(told).toEqual(['im:history conversations.history']);
    const dm = slack.messages('D0ADMIN').map((m) => m.text ?? '');
    expect(dm).toHaveLength(2); // the held notice, and one telling the admin what to add
    expect(dm[1]).toMatch(/needs the Slack scope im:history \(for conversations\.history\)/);
    // Meeting it again in the same run tells nobody again.
    await disk.enqueue(
      { key: 'notice:dm-2', kind: 'notice', storyId: null, channel: 'U0ADMIN', payload: { text: 'second' } },
      iso(),
    );
    await disk.patchPayload(
      (await disk.dueDeliveries(iso(), 10)).find((r) => r.deliveryKey === 'notice:dm-2')?.id ?? -1,
      {
        inDoubt: true,
      },
    );
    clock.advance(2000);
    await restarted.drain();
    expect(told).toHaveLength(1);
    expect(await disk.parkedDeliveries()).toHaveLength(2);

    // The admin adds the scope, reinstalls, restarts: both are looked up; the first is found.
    slack.setScopes(manifestBotScopes());
    const fixed = deliverer(disk);
    await fixed.recover();
    clock.advance(2000);
    await fixed.drain();
    expect(await disk.parkedDeliveries()).toHaveLength(0);
    expect(await disk.outboxDepth()).toBe(0);
    expect(slack.messages('D0ADMIN').filter((m) => m.text === 'parked alert')).toHaveLength(1);
    expect(slack.messages('D0ADMIN').filter((m) => m.text === 'second')).toHaveLength(1);
    hold.release();
    await inFlight;
    await disk.close();
  });

  it('without channels:join the alert is still posted (chat:write.public) and admins hear of the scope', async () => {
    slack.setScopes(manifestBotScopes().filter((s) => s !== 'channels:join'));
    slack.setChannel('C0PUB', { is_member: false });
    const told: string[] = [];
    const d = deliverer(ctx.store, {
      onMissingScope: (scope, method) => {
        told.push(`${scope} ${method}`);
      },
    });
    await queueAlert(await story(), 'C0PUB');
    await d.drain();
    expect(topLevel('C0PUB')).toHaveLength(1);
    expect(told).toEqual(['channels:join conversations.join']);
    expect(slack.callsTo('conversations.join')[0]?.outcome).toBe('missing_scope');
  });
});

describe('Slack faults', () => {
  it('429 waits Retry-After (injected clock) without holding other channels', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 30, channel: 'C0A' });
    const a = await queueAlert(await story(), 'C0A');
    await queueAlert(
      await story('xAI joins EO 14409 review pilot', { labs: ['xai'], programs: ['eo-14409'] }),
      'C0B',
    );
    const d = deliverer();
    await d.runDue();
    expect(topLevel('C0B')).toHaveLength(1);
    expect(topLevel('C0A')).toHaveLength(0);
    expect((await ctx.store.delivery(a.id))?.nextAttemptAt).toBe(
      new Date(Date.parse(T0) + 30_000).toISOString(),
    );
    expect(await d.nextWakeAt()).toBe(Date.parse(T0) + 30_000);
    clock.advance(29_000);
    await d.runDue();
    expect(posts('C0A')).toHaveLength(1); // only the 429
    clock.advance(1000);
    await d.runDue();
    expect(topLevel('C0A')).toHaveLength(1);
    expect(posts('C0A')).toHaveLength(2);
  });

  it('5xx backs off exponentially and looks the message up before each resend', async () => {
    slack.failNext('chat.postMessage', { status: 503 }, 2);
    const row = await queueAlert(await story(), 'C0E');
    const d = deliverer();
    await d.runDue();
    expect((await ctx.store.delivery(row.id))?.nextAttemptAt).toBe(
      new Date(Date.parse(T0) + 1000).toISOString(),
    );
    await d.runDue();
    expect(posts('C0E')).toHaveLength(1);
    clock.advance(1000);
    await d.runDue();
    expect((await ctx.store.delivery(row.id))?.nextAttemptAt).toBe(
      new Date(Date.parse(T0) + 1000 + 2000).toISOString(),
    );
    clock.advance(1999);
    await d.runDue();
    expect(posts('C0E')).toHaveLength(2);
    clock.advance(1);
    await d.runDue();
    expect(topLevel('C0E')).toHaveLength(1);
    expect((await ctx.store.delivery(row.id))?.state).toBe('sent');
    expect(slack.callsTo('conversations.history').length).toBeGreaterThanOrEqual(2);
  });

  it('paces one message a second per channel, other channels unaffected', async () => {
    await queueAlert(await story(), 'C0P');
    await queueAlert(await story('OpenAI and CAISI extend review terms', { labs: ['openai'] }), 'C0P');
    await queueAlert(await story('Microsoft review under CAISI expands', { labs: ['microsoft'] }), 'C0Q');
    const d = deliverer();
    expect(await d.runDue()).toBe(2);
    expect(topLevel('C0P')).toHaveLength(1);
    expect(topLevel('C0Q')).toHaveLength(1);
    expect(await d.runDue()).toBe(0);
    expect(await d.nextWakeAt()).toBe(Date.parse(T0) + 1000);
    clock.advance(999);
    expect(await d.runDue()).toBe(0);
    clock.advance(1);
    expect(await d.runDue()).toBe(1);
    expect(topLevel('C0P')).toHaveLength(2);
  });

  it('a call that hangs in one channel does not hold the others (no two calls to one channel at once)', async () => {
    const hold = slack.holdNext('chat.postMessage', { channel: 'C0SLOW' });
    const slow = await queueAlert(await story(), 'C0SLOW');
    await queueAlert(
      await story('Another Meta story about the CAISI agreement', { labs: ['meta'] }),
      'C0SLOW',
    );
    await queueAlert(await story('OpenAI and CAISI extend review terms', { labs: ['openai'] }), 'C0FAST');
    await queueAlert(await story('Microsoft review under CAISI expands', { labs: ['microsoft'] }), 'C0FAST');
    const d = deliverer();
    const first = await d.startDue();
    expect(first).toHaveLength(2);
    await hold.held;
    expect(await first[1]).toBe(true); // C0FAST's first message is through
    expect(topLevel('C0FAST')).toHaveLength(1);
    expect(d.busyChannels).toBe(1);
    clock.advance(1000);
    // C0SLOW is busy: skipped, and not what the worker waits for next.
    expect(await d.runDue()).toBe(1);
    expect(topLevel('C0FAST')).toHaveLength(2);
    expect(posts('C0SLOW')).toHaveLength(1);
    expect(await d.nextWakeAt()).toBeNull();
    hold.release();
    await Promise.all(first);
    expect((await ctx.store.delivery(slow.id))?.state).toBe('sent');
    expect(await d.nextWakeAt()).toBeLessThanOrEqual(clock.now()); // due now
    await d.runDue();
    expect(topLevel('C0SLOW')).toHaveLength(2);
  });

  for (const [name, setup, code] of [
    [
      'channel_not_found',
      () => slack.failNext('chat.postMessage', { error: 'channel_not_found' }),
      'channel_not_found',
    ],
    [
      'not_in_channel',
      () => slack.failNext('chat.postMessage', { error: 'not_in_channel' }),
      'not_in_channel',
    ],
    ['is_archived', () => slack.setChannel('C0GONE', { is_archived: true }), 'is_archived'],
  ] as const) {
    it(`${name} parks the alert, tells the admins, and the App Home lists it`, async () => {
      setup();
      const row = await queueAlert(await story(), 'C0GONE');
      const d = deliverer();
      await d.runDue();
      expect((await ctx.store.delivery(row.id))?.state).toBe('parked');
      expect(parked.map((p) => p.error)).toEqual([code]);
      clock.advance(3_600_000);
      await d.runDue();
      expect(posts('C0GONE')).toHaveLength(1); // no retries while parked
      const r = applyRosterEdits(ctx.seed, await ctx.store.rosterEdits());
      expect(JSON.stringify((await buildHomeView(r, ctx.store, true)).blocks)).toContain(`C0GONE: ${code}`);
      expect(JSON.stringify((await buildHomeView(r, ctx.store, false)).blocks)).not.toContain('C0GONE');
    });
  }

  it('a rejected token stops posting without losing anything', async () => {
    slack.failNext('chat.postMessage', { error: 'invalid_auth' });
    const row = await queueAlert(await story(), 'C0AUTH');
    const d = deliverer();
    await d.runDue();
    expect(d.stoppedBecause).toBe('invalid_auth');
    expect((await ctx.store.delivery(row.id))?.state).toBe('pending');
    expect(await d.runDue()).toBe(0);
    expect(posts('C0AUTH')).toHaveLength(1);
  });

  it('a message Slack refuses (invalid_blocks) is sent again as plain text', async () => {
    slack.failNext('chat.postMessage', { error: 'invalid_blocks' });
    await queueAlert(await story(), 'C0PLAIN');
    const d = deliverer();
    await d.drain();
    expect(topLevel('C0PLAIN')).toHaveLength(0);
    clock.advance(1000); // the channel's pace counts the refused call too
    await d.drain();
    const [msg] = topLevel('C0PLAIN');
    expect(msg?.blocks).toBeUndefined();
    expect(msg?.text).toContain('US presses Meta');
    expect(msg?.text).toContain('https://example.org/times/');
  });

  it('a feed the poller disables is told to the admins privately, never in the alert channel', async () => {
    const feeds = await startFeedServer();
    feeds.route('/gone', { status: 410, body: 'gone' });
    const config = { ...ctx.config, feeds: [{ url: `${feeds.url}/gone` }] };
    await ctx.store.syncConfigFeeds([`${feeds.url}/gone`], iso());
    const report = await pollOnce({
      store: ctx.store,
      matcher: ctx.matcher,
      config,
      clock,
      alertChannel: 'C0T',
    });
    await feeds.close();
    expect(report.disabled).toEqual([
      { feedId: expect.any(Number), url: `${feeds.url}/gone`, reason: 'gone (HTTP 410)' },
    ]);
    const logger = createLogger('silent', { write: () => {} });
    for (const feed of report.disabled)
      await notifyFeedDisabled({ admins: ['U0ADMIN'], store: ctx.store, clock, logger }, feed);
    await deliverer().drain();
    expect(slack.messages('D0ADMIN').map((m) => m.text)).toEqual([
      expect.stringMatching(/disabled feed \d+ \(http:\/\/127\.0\.0\.1:\d+\/gone\): gone \(HTTP 410\)/),
    ]);
    expect(slack.messages('C0T')).toHaveLength(0);
  });
});
