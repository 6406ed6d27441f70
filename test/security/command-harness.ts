/**
 * `/caisi` as the handler runs it (runCaisiCommand), without the Slack receiver: an in-memory store,
 * a stub admin check, and the real feed URL policy with an injected resolver, wired as
 * src/slack/run.ts wires it (a refused URL becomes a LookupError the user sees).
 */
import { LookupError } from '../../src/answers/answer.js';
import { FeedFetchError } from '../../src/feeds/fetch.js';
import { checkNewFeedUrl, type Resolve } from '../../src/feeds/url-policy.js';
import { applyRosterEdits } from '../../src/roster/effective.js';
import { loadRoster } from '../../src/roster/load.js';
import type { Roster } from '../../src/roster/schema.js';
import { type CommandDeps, type CommandReply, runCaisiCommand } from '../../src/slack/command.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';

export const seedRoster = loadRoster();
export const ADMIN = 'U0ADMIN';
export const STRANGER = 'U0STRANGER';
export const WHO_CAN_WRITE = `workspace admins and owners, and <@${ADMIN}>`;
export const CHANNEL = 'C0LEGAL';

/** A public address for every name, unless the table says otherwise. */
export function fakeResolver(table: Record<string, string[]> = {}) {
  const calls: string[] = [];
  const resolve: Resolve = async (host) => {
    calls.push(host);
    const found = table[host.toLowerCase()];
    if (found === undefined) return [{ address: '93.184.216.34' }];
    if (found.length === 0)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address }));
  };
  return { resolve, calls };
}

export interface Harness {
  store: Store;
  deps: CommandDeps;
  clock: ManualClock;
  dnsCalls: string[];
  run(text: string, userId?: string): Promise<CommandReply>;
  close(): Promise<void>;
}

export function commandHarness(
  o: { admins?: string[]; allowPrivateFeeds?: boolean; dns?: Record<string, string[]>; roster?: Roster } = {},
): Harness {
  const store = SqliteStore.open(':memory:');
  const clock = new ManualClock(Date.parse('2026-06-25T12:00:00Z'));
  const admins = new Set(o.admins ?? [ADMIN]);
  const allowPrivate = o.allowPrivateFeeds ?? false;
  const { resolve, calls } = fakeResolver(o.dns);
  const deps: CommandDeps = {
    store,
    roster: async () => applyRosterEdits(o.roster ?? seedRoster, await store.rosterEdits()),
    config: { allowPrivateFeeds: allowPrivate },
    clock,
    isAdmin: async (userId) => admins.has(userId),
    whoCanWrite: () => WHO_CAN_WRITE,
    checkNewFeedUrl: async (url) => {
      try {
        await checkNewFeedUrl(url, { allowPrivate, resolve });
      } catch (err) {
        if (err instanceof FeedFetchError) throw new LookupError(`Cannot add that feed: ${err.message}`);
        throw err;
      }
    },
  };
  return {
    store,
    deps,
    clock,
    dnsCalls: calls,
    run: (text, userId = ADMIN) => runCaisiCommand({ text, userId, channelId: CHANNEL }, deps),
    close: () => store.close(),
  };
}

/** Some state worth protecting: a feed from config, one from Slack, a subscription, a roster edit, a parked alert. */
export async function seedState(h: Harness): Promise<void> {
  await h.store.syncConfigFeeds(['https://news.example/feed.xml'], '2026-06-25T12:00:00Z');
  await h.run('feeds add https://wire.example/rss');
  await h.run('subscribe meta');
  await h.run('subscribe "pre-release review" daily');
  await h.run('set meta caisi in-talks 2026-06 https://news.example/a');
  await h.store.enqueue(
    { key: 'alert:1:C0LEGAL', kind: 'alert', storyId: null, channel: CHANNEL, payload: {} },
    '2026-06-25T12:00:00Z',
  );
  const parked = (await h.store.dueDeliveries('9999'))[0];
  if (parked) await h.store.park(parked.id, 'not_in_channel');
  const seeded = {
    feeds: (await h.store.listFeeds()).length,
    subscriptions: (await h.store.subscriptions()).length,
    rosterEdits: (await h.store.rosterEdits()).length,
    audit: (await h.store.auditLog()).length,
    parked: (await h.store.parkedDeliveries()).length,
  };
  if (
    JSON.stringify(seeded) !==
    JSON.stringify({ feeds: 2, subscriptions: 2, rosterEdits: 1, audit: 4, parked: 1 })
  )
    throw new Error(`seedState did not seed what it should: ${JSON.stringify(seeded)}`);
}
