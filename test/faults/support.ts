/** Shared pieces of the fault suite: a store, a config, a good feed whose alert must still land. */
import { type Config, configSchema } from '../../src/config/config-file.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { type PollDeps, pollOnce } from '../../src/pipeline/poll.js';
import { loadRoster } from '../../src/roster/load.js';
import { type Store, TABLES } from '../../src/store/store.js';
import type { FeedRow } from '../../src/store/types.js';
import type { ManualClock } from '../../src/util/clock.js';
import { rss, SEED_ITEMS } from '../helpers/rss.js';

export const roster = loadRoster();
export const matcher = compileMatcher(roster);

export const NOW = '2026-06-25T12:00:00.000Z';
export const ALERT_CHANNEL = 'C0ALERTS';

/** A config for these feeds; `backfillHours: null` so dates do not decide what alerts. */
export function configFor(urls: string[], extra: Record<string, unknown> = {}): Config {
  return {
    ...configSchema.parse({ feeds: urls.map((url) => ({ url })), backfillHours: null, ...extra }),
    file: null,
  };
}

/** The feed that must keep working whatever its neighbours do: one CAISI story about Meta. */
export const GOOD_ITEM = SEED_ITEMS[2]?.item ?? { title: '', description: '' };
export const GOOD_FEED_BODY = rss('Policy explainer', [GOOD_ITEM]);
/** Unrelated news: fetched and recorded, never an alert. */
export const NOISE_FEED_BODY = rss('Weather desk', [
  { title: 'Rain expected over the weekend', description: 'Showers move east on Saturday.', guid: 'w-1' },
]);

export const RSS_HEADERS = { 'content-type': 'application/rss+xml; charset=utf-8' };

export async function poll(store: Store, config: Config, clock: ManualClock, extra: Partial<PollDeps> = {}) {
  return pollOnce({ store, matcher, config, clock, alertChannel: ALERT_CHANNEL, ...extra });
}

export async function feedByUrl(store: Store, url: string): Promise<FeedRow> {
  const feed = (await store.listFeeds()).find((f) => f.url === url);
  if (!feed) throw new Error(`no feed ${url} in the store`);
  return feed;
}

/** The good feed's alert is queued for the alert channel. */
export async function goodAlertQueued(store: Store): Promise<boolean> {
  for (const s of await store.latestStories(50))
    if (
      s.title === GOOD_ITEM.title &&
      (await store.deliveriesForStory(s.id)).some((d) => d.kind === 'alert' && d.channel === ALERT_CHANNEL)
    )
      return true;
  return false;
}

/** Every row of every table: "nothing changed" means this is equal before and after. */
export async function snapshot(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await store.tableRows(table);
  return out;
}
