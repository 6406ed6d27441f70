/**
 * The Store contract: what every backend must do the same way. Runs against SQLite and Postgres
 * (see test/helpers/backends.ts), with the rows a poll and the Slack surface really write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { NewSource, Store } from '../../src/store/store.js';
import { TABLES } from '../../src/store/store.js';
import { BACKENDS, freshPostgresUrl, PG_URL } from '../helpers/backends.js';

const T0 = '2026-06-23T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const source = (feedId: number, itemId: string, outlet: string): NewSource => ({
  feedId,
  itemId,
  outlet,
  title: `${outlet}: US presses Meta on CAISI review`,
  link: `https://example.org/${itemId}`,
  published: T0,
  features: { terms: ['caisi', 'meta'] },
});

describe.each(BACKENDS)('Store contract: $name', (backend) => {
  const open: Store[] = [];
  const fresh = async () => {
    const s = await backend.open();
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('feeds: config sync adds, disables what left the config, re-enables what came back; Slack feeds stay', async () => {
    const s = await fresh();
    await s.syncConfigFeeds(['https://a.example/rss', 'https://b.example/rss'], T0);
    const slack = await s.addFeed('https://c.example/rss', 'U1', T0);
    expect(slack.created).toBe(true);
    expect((await s.addFeed('https://c.example/rss', 'U1', T0)).created).toBe(false);
    await s.syncConfigFeeds(['https://a.example/rss'], at(1));
    let feeds = await s.listFeeds();
    expect(feeds.map((f) => [f.url, f.origin, f.enabled, f.disabledReason])).toEqual([
      ['https://a.example/rss', 'config', true, null],
      ['https://b.example/rss', 'config', false, 'removed from config'],
      ['https://c.example/rss', 'slack', true, null],
    ]);
    await s.syncConfigFeeds(['https://a.example/rss', 'https://b.example/rss'], at(2));
    feeds = await s.listFeeds();
    expect(feeds.every((f) => f.enabled)).toBe(true);
    expect(typeof feeds[0]?.id).toBe('number');
  });

  it('feeds: fetch results, backoff, disabling, and due times', async () => {
    const s = await fresh();
    await s.syncConfigFeeds(['https://a.example/rss'], T0);
    const [f] = await s.listFeeds();
    const id = f?.id as number;
    await s.recordFetchSuccess(id, {
      now: T0,
      etag: '"v1"',
      title: 'A',
      nextFetchAt: at(5),
      newUrl: 'https://a2.example/rss',
    });
    let feed = await s.feed(id);
    expect(feed).toMatchObject({
      url: 'https://a2.example/rss',
      etag: '"v1"',
      title: 'A',
      firstPolledAt: T0,
    });
    expect((await s.dueFeeds(at(4))).map((x) => x.id)).toEqual([]);
    expect((await s.dueFeeds(at(5))).map((x) => x.id)).toEqual([id]);
    await s.recordFetchError(id, {
      now: at(6),
      code: 'unreachable/refused',
      message: 'refused',
      nextFetchAt: at(8),
    });
    await s.recordFetchError(id, {
      now: at(8),
      code: 'gone',
      message: '410',
      nextFetchAt: at(9),
      disable: 'gone (HTTP 410)',
    });
    feed = await s.feed(id);
    expect(feed).toMatchObject({
      consecutiveErrors: 2,
      enabled: false,
      disabledReason: 'gone (HTTP 410)',
      etag: '"v1"',
    });
    expect(await s.dueFeeds(at(100))).toEqual([]);
    expect((await s.removeFeed(id))?.id).toBe(id);
    expect(await s.removeFeed(9999)).toBeUndefined();
  });

  it('seen items: by id, by title and link when the guid changed, across feeds by identity; pruning', async () => {
    const s = await fresh();
    await s.syncConfigFeeds(['https://a.example/rss', 'https://b.example/rss'], T0);
    const [a, b] = (await s.listFeeds()).map((f) => f.id) as [number, number];
    const item = {
      id: 'g1',
      titleKey: 'meta caisi',
      link: 'https://x/1',
      title: 'Meta CAISI',
      published: T0,
      ident: 'link:https://x/1',
    };
    expect(await s.isSeen(a, 'g1', 'meta caisi', 'https://x/1')).toBe(false);
    await s.markSeen(a, item, { now: T0, alert: true, storyId: 7 });
    await s.markSeen(a, item, { now: at(1), alert: false, storyId: null }); // a second mark changes nothing
    expect(await s.isSeen(a, 'g1', '', null)).toBe(true);
    expect(await s.isSeen(a, 'g2-changed', 'meta caisi', 'https://x/1')).toBe(true);
    expect(await s.isSeen(b, 'g1', 'meta caisi', 'https://x/1')).toBe(false);
    expect(await s.seenElsewhere(b, 'link:https://x/1')).toEqual({ storyId: 7 });
    expect(await s.seenElsewhere(a, 'link:https://x/1')).toBeUndefined();
    await s.markSeen(
      b,
      { ...item, id: 'g9', title: 'Weather', ident: null },
      { now: T0, alert: false, storyId: null },
    );
    expect(await s.recentTitles(T0)).toEqual(['Meta CAISI']); // alerting items only
    await s.touchSeen(a, 'g1', 'meta caisi', 'https://x/1', at(60));
    expect(await s.pruneItems(at(30))).toBe(1); // the one no feed listed since T0
    expect(await s.countItems()).toBe(1);
    expect(await s.pruneItems(at(61))).toBe(1);
    expect(await s.pruneItems(at(61))).toBe(0);
    expect(await s.countItems()).toBe(0);
  });

  it('stories: sources in the order added, merged entities, a repeated source refused, lookups by entity and time', async () => {
    const s = await fresh();
    await s.syncConfigFeeds(['https://a.example/rss', 'https://b.example/rss'], T0);
    const [a, b] = (await s.listFeeds()).map((f) => f.id) as [number, number];
    const story = await s.createStory(
      {
        title: 'US presses Meta',
        labs: ['meta'],
        programs: [],
        summary: 'S',
        published: T0,
        source: source(a, 'i1', 'Times'),
      },
      T0,
    );
    expect(story.sources.map((x) => x.outlet)).toEqual(['Times']);
    const merged = await s.addSourceAndGet(
      story.id,
      source(b, 'i2', 'Post'),
      { labs: ['meta'], programs: ['caisi'] },
      at(1),
      at(1),
      story,
    );
    expect(merged?.programs).toEqual(['caisi']);
    expect(merged?.sources.map((x) => x.outlet)).toEqual(['Times', 'Post']);
    expect(await s.addSource(story.id, source(b, 'i2', 'Post'), { labs: [], programs: [] }, at(2))).toBe(
      false,
    );
    expect(await s.addSource(story.id, source(a, 'i3', 'Wire'), { labs: ['xai'], programs: [] }, at(1))).toBe(
      true,
    );
    const read = await s.story(story.id);
    expect(read?.sources.map((x) => x.outlet)).toEqual(['Times', 'Post', 'Wire']);
    expect(read?.labs).toEqual(['meta', 'xai']);
    expect(read?.lastSeenAt).toBe(at(1));
    const other = await s.createStory(
      {
        title: 'OpenAI signs',
        labs: ['openai'],
        programs: ['caisi'],
        summary: 'S',
        published: null,
        source: source(a, 'i4', 'Times'),
      },
      at(3),
    );
    expect((await s.latestStories(10)).map((x) => x.id)).toEqual([other.id, story.id]);
    expect((await s.latestStories(10, 'xai')).map((x) => x.id)).toEqual([story.id]);
    expect((await s.latestStories(10, 'caisi')).map((x) => x.id)).toEqual([other.id, story.id]);
    expect((await s.storiesBetween(at(2), at(4))).map((x) => x.id)).toEqual([other.id]);
    expect((await s.storiesSince(at(1))).map((x) => x.id)).toEqual([other.id, story.id]);
    const members = await s.storyMembersSince(T0);
    expect(members.map((m) => [m.id, m.members.length])).toEqual([
      [story.id, 3],
      [other.id, 1],
    ]);
    expect(members[0]?.members[0]?.features).toEqual({ terms: ['caisi', 'meta'] });
  });

  it('outbox: queued once, due in order, sending → sent, retry, park and release, payload patches', async () => {
    const s = await fresh();
    const d = (key: string, channel = 'C1') => ({
      key,
      kind: 'alert' as const,
      storyId: 1,
      channel,
      payload: { n: 1 },
    });
    expect(await s.enqueue(d('alert:1:C1'), T0)).toBe(true);
    expect(await s.enqueue(d('alert:1:C1'), T0)).toBe(false);
    expect(await s.enqueue(d('alert:1:C2', 'C2'), at(1))).toBe(true);
    expect((await s.dueDeliveries(T0)).map((r) => r.deliveryKey)).toEqual(['alert:1:C1']);
    expect(await s.nextDeliveryTime()).toBe(T0);
    const [first] = await s.dueDeliveries(at(1), 1);
    const id = first?.id as number;
    await s.markSending(id, at(1));
    expect((await s.inDoubtDeliveries()).map((r) => r.id)).toEqual([id]);
    expect(await s.outboxDepth()).toBe(2);
    await s.patchPayload(id, { inDoubt: true });
    expect((await s.delivery(id))?.payload).toEqual({ n: 1, inDoubt: true });
    await s.markSent(id, '123.456', at(2));
    expect(await s.delivery(id)).toMatchObject({ state: 'sent', messageTs: '123.456', attempts: 1 });
    expect((await s.sentAlert(1, 'C1'))?.id).toBe(id);
    const second = (await s.sentAlert(1, 'C2'))?.id as number;
    await s.retryLater(second, at(10), 'rate limited');
    expect(await s.dueDeliveries(at(9))).toEqual([]);
    await s.park(second, 'missing_scope: chat:write');
    expect((await s.parkedDeliveries()).map((r) => r.lastError)).toEqual(['missing_scope: chat:write']);
    expect(await s.unparkByError('channel_not_found', at(11))).toBe(0);
    expect(await s.unparkByError('missing_scope', at(11))).toBe(1);
    await s.park(second, 'not_in_channel');
    expect(await s.unpark('C9', at(12))).toBe(0);
    expect(await s.unpark(null, at(12))).toBe(1);
    expect((await s.deliveriesForStory(1)).map((r) => r.state)).toEqual(['sent', 'pending']);
  });

  it('subscriptions, roster edits with their audit entry, proposals decided once, digests claimed once', async () => {
    const s = await fresh();
    await s.subscribe({ channel: 'C1', target: 'meta', mode: 'realtime', createdBy: 'U1' }, T0);
    await s.subscribe({ channel: 'C1', target: 'meta', mode: 'daily', createdBy: 'U1' }, T0);
    expect((await s.subscriptions('C1')).map((x) => x.mode)).toEqual(['daily']);
    expect(await s.unsubscribe('C1', 'meta')).toBe(true);
    expect(await s.unsubscribe('C1', 'meta')).toBe(false);
    const edit = {
      lab: 'meta',
      program: 'caisi',
      status: 'signed',
      since: '2026-07-01',
      sourceUrl: 'https://x',
      sourceTitle: null,
      setBy: 'U1',
      setAt: T0,
    };
    await s.setMembership(edit, 'not-signed', 'set');
    await s.setMembership({ ...edit, status: 'suspended', setAt: at(1) }, 'signed', 'set');
    expect((await s.rosterEdits()).map((e) => e.status)).toEqual(['suspended']);
    expect((await s.auditLog('meta')).map((e) => [e.oldStatus, e.newStatus, e.detail])).toEqual([
      ['not-signed', 'signed', 'since 2026-07-01'],
      ['signed', 'suspended', 'since 2026-07-01'],
    ]);
    const p = await s.createProposal({
      storyId: 5,
      lab: 'meta',
      program: 'caisi',
      status: 'signed',
      evidence: 'Meta signs',
      sourceTitle: 'T',
      sourceUrl: null,
      createdAt: T0,
    });
    expect(p.state).toBe('open');
    expect([...(await s.storiesProposing({ lab: 'meta', program: 'caisi', status: 'signed' }))]).toEqual([5]);
    expect((await s.storiesProposing({ lab: 'meta', program: 'caisi', status: 'in-talks' })).size).toBe(0);
    expect(await s.decideProposal(p.id, 'confirmed', 'U1', at(1))).toBe(true);
    expect(await s.decideProposal(p.id, 'dismissed', 'U2', at(2))).toBe(false);
    expect((await s.proposalsForStory(5)).map((x) => [x.state, x.decidedBy])).toEqual([['confirmed', 'U1']]);
    expect(await s.claimDigest('C1', '2026-06-23', T0)).toBe(true);
    expect(await s.claimDigest('C1', '2026-06-23', at(1))).toBe(false);
  });

  it('a transaction keeps all of its writes or none; a nested one is a savepoint; a dry run keeps nothing', async () => {
    const s = await fresh();
    await expect(
      s.tx(async (t) => {
        await t.subscribe({ channel: 'C1', target: 'all', mode: 'realtime', createdBy: null }, T0);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.subscriptions()).toEqual([]);
    await s.tx(async (t) => {
      await t.subscribe({ channel: 'C1', target: 'all', mode: 'realtime', createdBy: null }, T0);
      await t
        .tx(async (inner) => {
          await inner.subscribe({ channel: 'C2', target: 'all', mode: 'realtime', createdBy: null }, T0);
          throw new Error('inner');
        })
        .catch(() => {});
      // The transaction sees its own writes.
      expect((await t.subscriptions()).map((x) => x.channel)).toEqual(['C1']);
    });
    expect((await s.subscriptions()).map((x) => x.channel)).toEqual(['C1']);
    const seen = await s.dryRun(async (t) => {
      await t.subscribe({ channel: 'C3', target: 'all', mode: 'realtime', createdBy: null }, T0);
      await t.enqueue({ key: 'k', kind: 'notice', storyId: null, channel: 'U1', payload: {} }, T0);
      return (await t.subscriptions()).length;
    });
    expect(seen).toBe(2);
    expect((await s.subscriptions()).map((x) => x.channel)).toEqual(['C1']);
    expect(await s.outboxDepth()).toBe(0);
  });

  it('a call made outside a running transaction is not part of it: kept when the transaction rolls back', async () => {
    const s = await fresh();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const running = s.tx(async (t) => {
      await t.enqueue({ key: 'in-tx', kind: 'notice', storyId: null, channel: 'U1', payload: {} }, T0);
      await gate;
      throw new Error('rolled back');
    });
    const write = s.enqueue(
      { key: 'outside', kind: 'notice', storyId: null, channel: 'U1', payload: {} },
      T0,
    );
    release();
    await expect(running).rejects.toThrow('rolled back');
    expect(await write).toBe(true);
    expect((await s.dueDeliveries(T0)).map((r) => r.deliveryKey)).toEqual(['outside']);
  });

  it('the leader lease: one holder at a time, a new token at each change of holder, released at once', async () => {
    const s = await fresh();
    const t0 = Date.parse(T0);
    const a = await s.acquireLease('leader', 'A', t0, 15_000);
    expect(a).toBe(1);
    expect(await s.acquireLease('leader', 'B', t0 + 1000, 15_000)).toBeNull();
    expect(await s.acquireLease('leader', 'A', t0 + 5000, 15_000)).toBe(1); // renewed, same token
    expect(await s.holdsLease('leader', 'A', 1, t0 + 19_000)).toBe(true);
    // A's lease runs out (it was paused): B takes it with a new token, and A's token passes no more.
    const b = await s.acquireLease('leader', 'B', t0 + 20_001, 15_000);
    expect(b).toBe(2);
    expect(await s.holdsLease('leader', 'A', 1, t0 + 20_002)).toBe(false);
    expect(await s.acquireLease('leader', 'A', t0 + 20_002, 15_000)).toBeNull();
    expect(await s.tx((t) => t.holdsLease('leader', 'B', 2, t0 + 20_003))).toBe(true);
    await s.releaseLease('leader', 'A'); // not A's: nothing changes
    expect(await s.holdsLease('leader', 'B', 2, t0 + 20_004)).toBe(true);
    await s.releaseLease('leader', 'B');
    expect(await s.acquireLease('leader', 'C', t0 + 20_005, 15_000)).toBe(3);
  });

  it('a delivery is claimed only while pending, inside a transaction', async () => {
    const s = await fresh();
    await s.enqueue({ key: 'alert:9:C1', kind: 'alert', storyId: 9, channel: 'C1', payload: {} }, T0);
    const [row] = await s.dueDeliveries(T0);
    const id = row?.id as number;
    const claimed = await s.tx(async (t) => {
      const c = await t.claimDelivery(id);
      if (c) await t.markSending(id, T0);
      return c?.deliveryKey;
    });
    expect(claimed).toBe('alert:9:C1');
    expect(await s.tx((t) => t.claimDelivery(id))).toBeUndefined();
  });

  it('whole tables: rows copied into another store read back the same, and new ids follow the copied ones', async () => {
    const s = await fresh();
    await s.syncConfigFeeds(['https://a.example/rss'], T0);
    const [f] = await s.listFeeds();
    const story = await s.createStory(
      {
        title: 'T',
        labs: ['meta'],
        programs: [],
        summary: 'S',
        published: T0,
        source: source(f?.id as number, 'i1', 'Times'),
      },
      T0,
    );
    await s.addSource(story.id, source(f?.id as number, 'i0', 'Post'), { labs: [], programs: [] }, T0);
    await s.enqueue(
      { key: 'alert:1', kind: 'alert', storyId: story.id, channel: 'C1', payload: { a: 1 } },
      T0,
    );
    const copy = await fresh();
    for (const table of TABLES) await copy.importRows(table, await s.tableRows(table));
    for (const table of TABLES) expect(await copy.countRows(table), table).toBe(await s.countRows(table));
    expect(await copy.story(story.id)).toEqual(await s.story(story.id));
    expect(
      (
        await copy.createStory(
          {
            title: 'U',
            labs: [],
            programs: [],
            summary: 'S',
            published: null,
            source: source(f?.id as number, 'i9', 'X'),
          },
          T0,
        )
      ).id,
    ).toBe(story.id + 1);
  });
});

describe.skipIf(!PG_URL)('Postgres migrations', () => {
  it('replicas starting at once on an empty database migrate it once (advisory lock), and all open', async () => {
    const url = await freshPostgresUrl();
    const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresStore.open(url)));
    const rows = await stores[0]?.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows?.map((r) => Number(r.version))).toEqual([1, 2]);
    await stores[1]?.syncConfigFeeds(['https://a.example/rss'], T0);
    expect((await stores[2]?.listFeeds())?.map((f) => f.url)).toEqual(['https://a.example/rss']);
    for (const s of stores) await s.close();
  });

  it('a server that is not there: one clear StoreError naming the place, without the password', async () => {
    const err = await PostgresStore.open('postgres://caisi:s3cret@127.0.0.1:1/none').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', code: 'cannot-open' });
    expect((err as Error).message).toMatch(
      /cannot reach Postgres at postgres:\/\/caisi:\*\*\*@127\.0\.0\.1:1\/none/,
    );
    expect((err as Error).message).not.toContain('s3cret');
  });
});
