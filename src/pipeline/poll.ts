/**
 * One poll cycle: fetch every due feed once → parse → normalise → dedupe → match → decide →
 * cluster → summarise → queue deliveries. A bad feed is marked unhealthy with a reason; the
 * others go on.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { chooseStory, DEFAULT_CLUSTER_OPTIONS, itemTerms, type StorySignature } from '../cluster/cluster.js';
import type { Config } from '../config/config-file.js';
import { displayTitle } from '../feeds/display.js';
import { FeedFetchError, fetchFeed } from '../feeds/fetch.js';
import { normaliseTitle } from '../feeds/normalise.js';
import { parseFeedText } from '../feeds/parse.js';
import type { FeedItem, ParsedFeed } from '../feeds/types.js';
import type { Matcher } from '../match/matcher.js';
import { detectRosterChange, type ProposedChange } from '../match/roster-change.js';
import type { MatchResult } from '../match/types.js';
import { describeStoreError, type SqliteStore } from '../store/sqlite-store.js';
import type { FeedRow, StoryRow, Subscription } from '../store/types.js';
import { summarise } from '../summarise/summarise.js';
import { splitSentences } from '../text/sentences.js';
import type { Clock } from '../util/clock.js';
import { routeStory } from './route.js';

export interface PollDeps {
  store: SqliteStore;
  matcher: Matcher;
  config: Config;
  clock: Clock;
  logger?: Logger;
  /** Channel that gets every alert in real time, on top of subscriptions. */
  alertChannel?: string | null;
}

export type StoryEvent =
  | { kind: 'new'; story: StoryRow; item: FeedItem; match: MatchResult }
  | { kind: 'source-added'; story: StoryRow; item: FeedItem; match: MatchResult };

export interface PollReport {
  startedAt: string;
  finishedAt: string;
  feeds: number;
  fetched: number;
  notModified: number;
  failed: number;
  newItems: number;
  alerts: number;
  updates: number;
  events: StoryEvent[];
  /** Feeds this poll disabled (gone, or too many failures in a row), for a private notice to admins. */
  disabled: { feedId: number; url: string; reason: string }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Seconds to wait before the next fetch of a feed, from its own hints. */
export function nextFetchDelaySeconds(
  baseSeconds: number,
  hints: {
    ttlMinutes?: number | null;
    maxAgeSeconds?: number | null;
    expires?: string | null;
    retryAfterSeconds?: number | null;
  },
  nowMs: number,
): number {
  const candidates = [baseSeconds];
  if (hints.ttlMinutes) candidates.push(hints.ttlMinutes * 60);
  if (hints.maxAgeSeconds) candidates.push(hints.maxAgeSeconds);
  if (hints.retryAfterSeconds) candidates.push(hints.retryAfterSeconds);
  if (hints.expires) {
    const t = Date.parse(hints.expires);
    if (Number.isFinite(t)) candidates.push((t - nowMs) / 1000);
  }
  // A feed may ask for a pause, but never for more than a day.
  return Math.min(Math.max(...candidates), 86_400);
}

/** Exponential backoff for a failing feed: interval × 2^(n-1), at most six hours. */
export const backoffSeconds = (baseSeconds: number, consecutiveErrors: number) =>
  Math.min(baseSeconds * 2 ** Math.max(0, consecutiveErrors - 1), 6 * 3600);

type Fetched =
  | { kind: 'not-modified'; cache: CacheLike; permanentRedirect: string | null }
  | {
      kind: 'ok';
      parsed: ParsedFeed;
      etag: string | null;
      lastModified: string | null;
      cache: CacheLike;
      permanentRedirect: string | null;
    };
interface CacheLike {
  maxAgeSeconds: number | null;
  expires: string | null;
  retryAfterSeconds: number | null;
}
const NO_CACHE: CacheLike = { maxAgeSeconds: null, expires: null, retryAfterSeconds: null };

async function fetchAndParse(feed: FeedRow, deps: PollDeps): Promise<Fetched> {
  if (feed.url.startsWith('file:')) {
    // Bundled demo feeds: read from disk (only ever from the config file, never from Slack).
    const text = await readFile(fileURLToPath(feed.url), 'utf8');
    return {
      kind: 'ok',
      parsed: await parseFeedText(text),
      etag: null,
      lastModified: null,
      cache: NO_CACHE,
      permanentRedirect: null,
    };
  }
  const f = deps.config.fetch;
  const res = await fetchFeed(feed.url, {
    etag: feed.etag,
    lastModified: feed.lastModified,
    timeoutMs: f.timeoutSeconds * 1000,
    maxBytes: f.maxBytes,
    maxRedirects: f.maxRedirects,
    // Feeds an operator configured may be on a private network; feeds added from Slack may not,
    // unless the config allows it. Checked on the connected address of every hop.
    allowPrivate: feed.origin === 'slack' ? deps.config.allowPrivateFeeds : true,
  });
  if (res.kind === 'not-modified')
    return { kind: 'not-modified', cache: res.cache, permanentRedirect: res.permanentRedirect };
  return {
    kind: 'ok',
    parsed: await parseFeedText(res.text, { baseUrl: res.finalUrl }),
    etag: res.etag,
    lastModified: res.lastModified,
    cache: res.cache,
    permanentRedirect: res.permanentRedirect,
  };
}

/**
 * Run `fn` over `list` with at most `limit` at a time. A failure stops new work from starting, and is
 * thrown only once the work in flight has finished (nothing keeps running after the poll has ended).
 */
async function eachLimited<T>(list: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < list.length) {
      const i = next++;
      try {
        await fn(list[i] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, list.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * A store write failed (disk full, read-only, locked…): the transaction rolled back, so nothing of
 * this poll was saved and the next poll does it all again. Say so once, clearly, and throw a StoreError.
 */
function storeFailure(err: unknown, deps: PollDeps): unknown {
  if (!(err instanceof Error) || !/^SQLITE_/.test(String((err as { code?: unknown }).code ?? ''))) return err;
  const e = describeStoreError(err, deps.store.file);
  deps.logger?.error(
    { code: e.code, err: e.message },
    'poll could not be saved; nothing was lost, the next poll retries it',
  );
  return e;
}

export async function pollOnce(deps: PollDeps): Promise<PollReport> {
  const { store, config, clock } = deps;
  const started = clock.now();
  const report: PollReport = {
    startedAt: iso(started),
    finishedAt: '',
    feeds: 0,
    fetched: 0,
    notModified: 0,
    failed: 0,
    newItems: 0,
    alerts: 0,
    updates: 0,
    events: [],
    disabled: [],
  };
  let due: FeedRow[];
  try {
    due = store.dueFeeds(iso(started));
  } catch (err) {
    throw storeFailure(err, deps);
  }
  report.feeds = due.length;
  const outlets = new Map(config.feeds.map((f) => [f.url, f.name]));

  const fetchedFeeds: {
    feed: FeedRow;
    parsed: ParsedFeed;
    f: Extract<Fetched, { kind: 'ok' }>;
    outlet: string;
  }[] = [];
  // Feeds that answered 304: recorded with the rest of the poll's writes, in one transaction, not
  // one commit each (with hundreds of feeds, the commits were most of a quiet cycle's cost).
  const unchanged: { id: number; now: string; nextFetchAt: string; newUrl: string | null }[] = [];
  const fetchAll = eachLimited(due, config.fetch.concurrency, async (feed) => {
    let fetched: Fetched;
    try {
      fetched = await fetchAndParse(feed, deps);
    } catch (err) {
      report.failed++;
      const reason = recordFailure(feed, err, deps);
      if (reason) report.disabled.push({ feedId: feed.id, url: feed.url, reason });
      return;
    }
    const nowMs = clock.now();
    if (fetched.kind === 'not-modified') {
      report.notModified++;
      const delay = nextFetchDelaySeconds(config.pollSeconds, fetched.cache, nowMs);
      unchanged.push({
        id: feed.id,
        now: iso(nowMs),
        nextFetchAt: iso(nowMs + delay * 1000),
        newUrl: fetched.permanentRedirect,
      });
      return;
    }
    report.fetched++;
    const outlet = outlets.get(feed.url) || fetched.parsed.feed.title || hostOf(feed.url);
    fetchedFeeds.push({ feed, parsed: fetched.parsed, f: fetched, outlet });
  });
  try {
    await fetchAll;
  } catch (err) {
    throw storeFailure(err, deps);
  }

  // Items are handled in the order the news happened, whatever order the feeds answered in, so
  // the same items always make the same stories. One transaction: a crash leaves all of this
  // poll's work done or none of it (and the next poll does it again).
  const nowMs = clock.now();
  const now = iso(nowMs);
  const queue = fetchedFeeds
    .flatMap(({ feed, parsed, outlet }) =>
      parsed.items.map((item, index) => ({ feed, item, outlet, index, at: eventTime(item, nowMs) })),
    )
    .sort((a, b) => a.at - b.at || a.feed.id - b.feed.id || a.index - b.index);
  const writePoll = (): void => {
    for (const { id, ...r } of unchanged) store.recordFetchSuccess(id, r);
    const stories = new StoryCandidates(store);
    // Subscriptions cannot change inside this transaction: read them once, when first needed.
    let subs: Subscription[] | undefined;
    const subscriptions = () => {
      subs ??= store.subscriptions();
      return subs;
    };
    for (const { feed, item, outlet } of queue) {
      const r = processItem(feed, item, outlet, nowMs, deps, stories, subscriptions);
      if (!r) continue;
      report.newItems++;
      if (!r.event) continue;
      report.events.push(r.event);
      if (r.event.kind === 'new') report.alerts++;
      else report.updates++;
    }
    for (const { feed, parsed, f } of fetchedFeeds) {
      const delay = nextFetchDelaySeconds(
        config.pollSeconds,
        { ...f.cache, ttlMinutes: parsed.feed.ttlMinutes },
        nowMs,
      );
      store.recordFetchSuccess(feed.id, {
        now,
        etag: f.etag,
        lastModified: f.lastModified,
        title: parsed.feed.title || null,
        nextFetchAt: iso(nowMs + delay * 1000),
        newUrl: f.permanentRedirect,
      });
    }
  };
  try {
    store.tx(writePoll);
  } catch (err) {
    throw storeFailure(err, deps);
  }

  const finished = clock.now();
  try {
    store.pruneItems(iso(finished - config.retentionDays * 86_400_000));
  } catch (err) {
    // The poll's work is saved; pruning is tried again next time.
    deps.logger?.warn({ err: (err as Error).message }, 'could not prune old seen items');
  }
  report.finishedAt = iso(finished);
  deps.logger?.info(
    {
      feeds: report.feeds,
      fetched: report.fetched,
      notModified: report.notModified,
      failed: report.failed,
      newItems: report.newItems,
      alerts: report.alerts,
      updates: report.updates,
      ms: finished - started,
    },
    'poll finished',
  );
  return report;
}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname || url;
  } catch {
    return url;
  }
};

/** Failure codes after which a feed is disabled at once, and the reason shown. */
const DISABLE_NOW: Record<string, string> = { gone: 'gone (HTTP 410)' };
const REASONS: Record<string, string> = {
  refused: 'unreachable',
  dns: 'unreachable',
  tls: 'unreachable',
  timeout: 'unreachable',
  unreachable: 'unreachable',
  'not-a-feed': 'not a feed',
  'too-large': 'too large',
  gone: 'gone',
};

/** Record a failed fetch; returns the reason when this failure disabled the feed. */
function recordFailure(feed: FeedRow, err: unknown, deps: PollDeps): string | null {
  const nowMs = deps.clock.now();
  const code =
    err instanceof FeedFetchError
      ? err.code
      : (err as { code?: string }).code === 'not-a-feed'
        ? 'not-a-feed'
        : ((err as NodeJS.ErrnoException).code ?? 'error');
  const message = err instanceof Error ? err.message : String(err);
  const errors = feed.consecutiveErrors + 1;
  const retryAfter = err instanceof FeedFetchError ? (err.retryAfterSeconds ?? 0) : 0;
  const delay = Math.max(backoffSeconds(deps.config.pollSeconds, errors), retryAfter);
  const disable =
    DISABLE_NOW[code] ??
    (errors >= deps.config.disableAfterErrors
      ? `${REASONS[code] ?? code}: ${errors} failures in a row`
      : null);
  deps.store.recordFetchError(feed.id, {
    now: iso(nowMs),
    code: REASONS[code] ? `${REASONS[code]}/${code}` : code,
    message: message.split('\n')[0]?.slice(0, 300) ?? 'error',
    nextFetchAt: iso(nowMs + delay * 1000),
    disable,
  });
  deps.logger?.warn(
    { feed: feed.url, code, err: message, consecutiveErrors: errors, disabled: !!disable },
    'feed failed',
  );
  return disable;
}

/** When the news happened: its publication date, but never later than now (feeds lie about dates). */
function eventTime(item: FeedItem, nowMs: number): number {
  const published = item.published ? Date.parse(item.published) : Number.NaN;
  return Number.isFinite(published) ? Math.min(published, nowMs) : nowMs;
}

/**
 * The entities an item is about: those in its headline when the headline names any, else those in
 * the first two sentences of its summary, else all it mentions. A story about Meta that lists the
 * five labs that signed, or recalls last week's directive in its third sentence, is still a story
 * about Meta and the review.
 */
function focus(match: MatchResult, ids: string[], summary: string): string[] {
  const named = (field: 'title' | 'summary', before = Number.POSITIVE_INFINITY) =>
    ids.filter((id) => match.evidence.some((e) => e.entity === id && e.field === field && e.start < before));
  const inTitle = named('title');
  if (inTitle.length) return inTitle;
  const leadEnd = splitSentences(summary).slice(0, 2).at(-1)?.end ?? summary.length;
  const inLead = named('summary', leadEnd);
  return inLead.length ? inLead : ids;
}

/**
 * The stories this cycle's items may join, read once per cycle (without their sources) and kept
 * current as the cycle's items start stories or join them: the same stories, in the same order
 * (latest news first), as store.storiesSince would give, without a query per item that also reads
 * every candidate's sources. Items come in the order the news happened, so the window's start only
 * moves forward and the first read covers every later one.
 */
class StoryCandidates {
  private list: StorySignature[] | undefined;
  private loadedSince = '';
  private sorted = true;
  /** The stories this cycle created or added to, in full, as last written. */
  private readonly rows = new Map<number, StoryRow>();

  constructor(private readonly store: SqliteStore) {}

  since(since: string): StorySignature[] {
    if (!this.list || since < this.loadedSince) {
      this.list = this.store.storySignaturesSince(since);
      this.loadedSince = since;
      this.sorted = true;
    }
    if (!this.sorted) {
      this.list.sort((a, b) =>
        a.lastSeenAt < b.lastSeenAt ? 1 : a.lastSeenAt > b.lastSeenAt ? -1 : b.id - a.id,
      );
      this.sorted = true;
    }
    return this.list.filter((s) => s.lastSeenAt >= since);
  }

  /** A story this cycle created or added to, in full, as last written (see store.addSourceAndGet). */
  row(id: number): StoryRow | undefined {
    return this.rows.get(id);
  }

  /** A story this cycle created or added a source to, as the store now has it. */
  put(story: StoryRow): void {
    this.rows.set(story.id, story);
    if (!this.list) return; // not read yet: the first read gets it from the store
    const sig: StorySignature = {
      id: story.id,
      labs: story.labs,
      programs: story.programs,
      terms: story.terms,
      lastSeenAt: story.lastSeenAt,
    };
    const i = this.list.findIndex((s) => s.id === story.id);
    if (i >= 0) this.list[i] = sig;
    else this.list.push(sig);
    this.sorted = false;
  }
}

/** Handle one item; returns null when it was already seen. */
function processItem(
  feed: FeedRow,
  item: FeedItem,
  outlet: string,
  nowMs: number,
  deps: PollDeps,
  stories: StoryCandidates,
  subscriptions: () => Subscription[],
): { event: StoryEvent | null } | null {
  const { store, matcher, config } = deps;
  const now = iso(nowMs);
  // An item without a headline is shown (and compared) by the first words of its summary.
  const title = displayTitle(item);
  const titleKey = normaliseTitle(title);
  if (store.isSeen(feed.id, item.id, titleKey, item.link)) {
    store.touchSeen(feed.id, item.id, titleKey, item.link, now);
    return null;
  }
  const match = matcher.match({ title, summary: item.summary });
  const published = item.published ? Date.parse(item.published) : Number.NaN;
  const eventMs = eventTime(item, nowMs);
  const firstPoll = feed.firstPolledAt == null;
  const inBackfill =
    !firstPoll ||
    config.backfillHours == null ||
    (Number.isFinite(published) && nowMs - published <= config.backfillHours * 3_600_000);
  const seen = { id: item.id, titleKey, link: item.link, title, published: item.published };
  if (!match.alert || !inBackfill) {
    store.markSeen(feed.id, seen, { now, alert: false, storyId: null });
    return { event: null };
  }
  const names = match.evidence.filter((e) => e.kind !== 'topic').map((e) => e.text);
  const terms = itemTerms(title, item.summary, names);
  const eventAt = iso(eventMs);
  const labs = focus(match, match.labs, item.summary);
  const programs = focus(match, match.programs, item.summary);
  const change = detectRosterChange({ title, summary: item.summary }, match);
  // A change of status ("Meta signs…") is news of its own: it joins only a story that already
  // reports the same change, never the story of the request that preceded it.
  const candidates = stories
    .since(iso(eventMs - config.clusterWindowHours * 3_600_000))
    .filter(
      (s) =>
        !change ||
        store
          .proposalsForStory(s.id)
          .some((p) => p.lab === change.lab && p.program === change.program && p.status === change.status),
    );
  const chosen = chooseStory({ labs, programs, terms, at: eventAt }, candidates, {
    ...DEFAULT_CLUSTER_OPTIONS,
    windowHours: config.clusterWindowHours,
  });
  const source = {
    feedId: feed.id,
    itemId: item.id,
    // The publisher the item names itself (Google News's <source>…), else the feed's name.
    outlet: item.outlet ?? outlet,
    title,
    link: item.link,
    published: item.published,
  };
  let event: StoryEvent;
  if (chosen) {
    // A later source adds its headline's words, not its whole summary, so a story's vocabulary
    // does not grow until everything resembles it.
    const story = store.addSourceAndGet(
      chosen.storyId,
      source,
      { labs, programs, terms: terms.title },
      now,
      eventAt,
      stories.row(chosen.storyId),
    );
    event = { kind: 'source-added', story: story as StoryRow, item, match };
    stories.put(event.story);
  } else {
    const evidence = match.evidence.map((e) => e.text);
    const story = store.createStory(
      {
        title,
        labs,
        programs,
        terms: terms.all,
        summary: summarise(item.summary, evidence) || title,
        published: item.published,
        source,
      },
      now,
      eventAt,
    );
    event = { kind: 'new', story, item, match };
    stories.put(story);
  }
  store.markSeen(feed.id, seen, { now, alert: true, storyId: event.story.id });
  if (change) proposeRosterChange(event, change, deps, now);
  enqueueDeliveries(event, subscriptions(), deps, now);
  return { event };
}

function proposeRosterChange(event: StoryEvent, change: ProposedChange, deps: PollDeps, now: string): void {
  const existing = deps.store.proposalsForStory(event.story.id);
  if (
    existing.some((p) => p.lab === change.lab && p.program === change.program && p.status === change.status)
  )
    return;
  deps.store.createProposal({
    storyId: event.story.id,
    lab: change.lab,
    program: change.program,
    status: change.status,
    evidence: change.evidence,
    sourceTitle: displayTitle(event.item),
    sourceUrl: event.item.link,
    createdAt: now,
  });
}

/**
 * New story: one alert per realtime channel. Another source for a known story: an update to each
 * channel that has (or will have) its alert. The message is rendered when sent, from the story as
 * it is then, so a queued alert already names every source.
 */
function enqueueDeliveries(event: StoryEvent, subs: Subscription[], deps: PollDeps, now: string): void {
  const { store } = deps;
  const story = event.story;
  const channels = routeStory(story, subs, deps.alertChannel ?? null, event.item);
  for (const channel of channels) {
    const alert = store.sentAlert(story.id, channel);
    if (!alert) {
      store.enqueue(
        { key: `alert:${story.id}:${channel}`, kind: 'alert', storyId: story.id, channel, payload: {} },
        now,
      );
    } else if (event.kind === 'source-added' && (alert.state !== 'pending' || alert.payload.inDoubt)) {
      // Posted, in flight, or in doubt (its call failed or the process died mid-call: it may be in
      // Slack already, rendered without this source): queue an update, sent once the alert is.
      store.enqueue(
        {
          key: `update:${story.id}:${channel}:${story.sources.length}`,
          kind: 'update',
          storyId: story.id,
          channel,
          payload: { sources: story.sources.length, itemId: event.item.id },
        },
        now,
      );
    }
  }
}
