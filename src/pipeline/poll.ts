/**
 * One poll cycle: fetch every due feed once → parse → normalise → dedupe → match → decide →
 * cluster → summarise → queue deliveries. A bad feed is marked unhealthy with a reason; the
 * others go on.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { DEFAULT_CLUSTER_OPTIONS, StoryIndex } from '../cluster/cluster.js';
import { itemFeatures, type StoryFeatures, termsOf } from '../cluster/features.js';
import { loadStoryWords } from '../cluster/load-story-words.js';
import { readFeatures, rosterNameTerms, titleFeatures } from '../cluster/members.js';
import { Rarity } from '../cluster/rarity.js';
import type { Config } from '../config/config-file.js';
import { AppError } from '../errors.js';
import { displayTitle } from '../feeds/display.js';
import { FeedFetchError, fetchFeed } from '../feeds/fetch.js';
import { normaliseTitle } from '../feeds/normalise.js';
import { type FeedParser, sharedFeedParser } from '../feeds/parse-pool.js';
import type { FeedItem, ParsedFeed } from '../feeds/types.js';
import type { Matcher } from '../match/matcher.js';
import { detectRosterChange, type ProposedChange } from '../match/roster-change.js';
import type { MatchResult } from '../match/types.js';
import { type Store, StoreError } from '../store/store.js';
import type { FeedRow, StoryRow, Subscription } from '../store/types.js';
import { summarise } from '../summarise/summarise.js';
import type { Clock } from '../util/clock.js';
import { itemIdentity } from './identity.js';
import { routeStory } from './route.js';
import { CycleSeen } from './seen.js';

export interface PollDeps {
  store: Store;
  matcher: Matcher;
  config: Config;
  clock: Clock;
  logger?: Logger;
  /** Channel that gets every alert in real time, on top of subscriptions. */
  alertChannel?: string | null;
  /**
   * With several replicas: checked inside the poll's transaction, before anything is written; false
   * (this replica is no longer the leader) rolls the poll back.
   */
  fence?: (t: Store) => Promise<boolean>;
  /** Where feed text is parsed: by default the process's pool of parsing threads (parse-pool.ts). */
  parser?: FeedParser;
}

/** The poll's writes were refused because this replica no longer holds the leader lease. */
export class LeaseLostError extends AppError {
  constructor() {
    super(
      'not the leader any more: this poll was not saved (the new leader polls)',
      'lease-lost',
      'operator',
    );
    this.name = 'LeaseLostError';
  }
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
  const parser = deps.parser ?? sharedFeedParser();
  if (feed.url.startsWith('file:')) {
    // Bundled demo feeds: read from disk (only ever from the config file, never from Slack).
    const text = await readFile(fileURLToPath(feed.url), 'utf8');
    return {
      kind: 'ok',
      parsed: await parser.parse(text),
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
    parsed: await parser.parse(res.text, { baseUrl: res.finalUrl }),
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
  if (!(err instanceof StoreError)) return err;
  const e = err;
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
    due = await store.dueFeeds(iso(started));
  } catch (err) {
    throw storeFailure(err, deps);
  }
  report.feeds = due.length;
  const outlets = new Map(config.feeds.map((f) => [f.url, f.name]));

  const fetchedFeeds: {
    feed: FeedRow;
    parsed: ParsedFeed;
    f: Extract<Fetched, { kind: 'ok' }>;
    prepared: PreparedItem[];
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
      const reason = await recordFailure(feed, err, deps);
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
    // Done now, while other feeds are still being fetched and parsed, not in the ordered pass.
    const prepared = fetched.parsed.items.map((item) => prepareItem(item, outlet, deps.matcher));
    fetchedFeeds.push({ feed, parsed: fetched.parsed, f: fetched, prepared });
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
    .flatMap(({ feed, parsed, prepared }) =>
      parsed.items.map((item, index) => ({
        feed,
        item,
        prepared: prepared[index] as PreparedItem,
        index,
        at: eventTime(item, nowMs),
      })),
    )
    .sort((a, b) => a.at - b.at || a.feed.id - b.feed.id || a.index - b.index);
  const writePoll = async (t: Store): Promise<void> => {
    // Every read and write of this cycle goes through the transaction's handle.
    if (deps.fence && !(await deps.fence(t))) throw new LeaseLostError();
    // Seen items are read once for the feeds that answered and written once at the end; the
    // items marked so far are written before clustering reads recent headlines.
    const seen = await CycleSeen.load(
      t,
      fetchedFeeds.map(({ feed }) => feed.id),
      queue.map(({ item }) => itemIdentity(item)).filter((x): x is string => !!x),
    );
    const view: Store = Object.create(t, {
      recentTitles: {
        value: async (since: string) => {
          await seen.flush(now);
          return t.recentTitles(since);
        },
      },
    });
    const tdeps: PollDeps = { ...deps, store: view };
    await t.recordFetchSuccessMany(unchanged);
    const stories = new CycleStories(tdeps, now);
    // Subscriptions cannot change inside this transaction: read them once, when first needed.
    let subs: Subscription[] | undefined;
    const subscriptions = async () => {
      subs ??= await t.subscriptions();
      return subs;
    };
    for (const { feed, item, prepared } of queue) {
      const r = await processItem(feed, item, prepared, nowMs, tdeps, stories, subscriptions, seen);
      if (!r) continue;
      report.newItems++;
      if (!r.event) continue;
      report.events.push(r.event);
      if (r.event.kind === 'new') report.alerts++;
      else report.updates++;
    }
    await seen.flush(now);
    await t.recordFetchSuccessMany(
      fetchedFeeds.map(({ feed, parsed, f }) => {
        const delay = nextFetchDelaySeconds(
          config.pollSeconds,
          { ...f.cache, ttlMinutes: parsed.feed.ttlMinutes },
          nowMs,
        );
        return {
          id: feed.id,
          now,
          etag: f.etag,
          lastModified: f.lastModified,
          title: parsed.feed.title || null,
          nextFetchAt: iso(nowMs + delay * 1000),
          newUrl: f.permanentRedirect,
        };
      }),
    );
  };
  try {
    await store.tx(writePoll);
  } catch (err) {
    throw storeFailure(err, deps);
  }

  const finished = clock.now();
  try {
    await store.pruneItems(iso(finished - config.retentionDays * 86_400_000));
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
async function recordFailure(feed: FeedRow, err: unknown, deps: PollDeps): Promise<string | null> {
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
  await deps.store.recordFetchError(feed.id, {
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
 * Story clustering for one cycle: word rarity and the stories of the window, read from the store
 * when the first alerting item needs them (a quiet cycle reads neither), then kept current as the
 * cycle's items are seen, start stories or join them. Items come in the order the news happened,
 * so the window's start only moves forward and the first read covers every later item.
 */
class CycleStories {
  private state: { rarity: Rarity; index: StoryIndex; articles: Map<number, Set<string>> } | undefined;
  /** The stories this cycle created or added to, in full, as last written. */
  private readonly rows = new Map<number, StoryRow>();

  constructor(
    private readonly deps: PollDeps,
    private readonly cycleStart: string,
  ) {}

  private async load(eventMs: number) {
    if (this.state) return this.state;
    const { store, matcher, config } = this.deps;
    const words = loadStoryWords();
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    for (const title of await store.recentTitles(iso(eventMs - RARITY_DAYS * 86_400_000)))
      rarity.add(termsOf(title, words));
    const index = new StoryIndex(rarity, words.model, {
      ...DEFAULT_CLUSTER_OPTIONS,
      windowHours: config.clusterWindowHours,
    });
    const articles = new Map<number, Set<string>>();
    // Official documents may reach a second feed days later: stories are read back that far.
    const since = Math.max(config.clusterWindowHours, DEFAULT_CLUSTER_OPTIONS.documentWindowHours);
    for (const s of await store.storyMembersSince(iso(eventMs - since * 3_600_000))) {
      index.add({
        id: s.id,
        labs: s.labs,
        programs: s.programs,
        settled: s.firstSeenAt < this.cycleStart,
        // Each source row names its outlet, also for features stored before outlets were kept.
        members: s.members.map((m) => ({
          ...(readFeatures(m.features) ??
            titleFeatures(m.title, m.published ?? m.addedAt, s.labs, s.programs, words)),
          outlet: m.outlet.toLowerCase(),
        })),
      });
      articles.set(s.id, new Set(s.members.map((m) => articleKey(m.outlet, m.title))));
    }
    this.state = { rarity, index, articles };
    return this.state;
  }

  /** An alerting item was clustered: its headline now counts towards word rarity. */
  seen(features: StoryFeatures): void {
    this.state?.rarity.add(features.title);
  }

  /** The item's features as of when the news happened (the first alerting item loads the window). */
  async features(prepared: Omit<StoryFeatures, 'at'>, eventMs: number): Promise<StoryFeatures> {
    await this.load(eventMs);
    return { ...prepared, at: iso(eventMs) };
  }

  async assign(features: StoryFeatures, allow: (storyId: number) => boolean) {
    return (await this.load(Date.parse(features.at))).index.assign(features, allow);
  }

  /** Does the story report a signing (StoryIndex.reportsSigning)? False before anything is loaded. */
  reportsSigning(storyId: number): boolean {
    return this.state?.index.reportsSigning(storyId) ?? false;
  }

  /** Is this the same article (same outlet, same headline) as one the story already has? */
  hasArticle(storyId: number, outlet: string, title: string): boolean {
    return this.state?.articles.get(storyId)?.has(articleKey(outlet, title)) ?? false;
  }

  async created(story: StoryRow, features: StoryFeatures): Promise<void> {
    const st = await this.load(Date.parse(features.at));
    st.index.add({
      id: story.id,
      labs: [...story.labs],
      programs: [...story.programs],
      settled: false,
      members: [features],
    });
    st.articles.set(story.id, new Set(story.sources.map((x) => articleKey(x.outlet, x.title))));
    this.rows.set(story.id, story);
  }

  async joined(story: StoryRow, features: StoryFeatures, outlet: string, title: string): Promise<void> {
    const st = await this.load(Date.parse(features.at));
    st.index.addMember(story.id, features);
    st.articles.get(story.id)?.add(articleKey(outlet, title));
    this.rows.set(story.id, story);
  }

  /** A story this cycle created or added to, in full, as last written (see store.addSourceAndGet). */
  row(id: number): StoryRow | undefined {
    return this.rows.get(id);
  }
}

/** Word rarity is learnt from the headlines of the last week. */
const RARITY_DAYS = 7;

const articleKey = (outlet: string, title: string) => `${outlet.toLowerCase()}\u0000${normaliseTitle(title)}`;

/**
 * What follows from an item alone, whatever else the cycle holds: how it is named, whether it
 * alerts, and (if it does) its features for clustering, but for when the news happened.
 */
interface PreparedItem {
  title: string;
  titleKey: string;
  /** The publisher the item names itself (Google News's <source>…), else the feed's name. */
  publisher: string;
  match: MatchResult;
  features: Omit<StoryFeatures, 'at'> | null;
}

function prepareItem(item: FeedItem, feedOutlet: string, matcher: Matcher): PreparedItem {
  // An item without a headline is shown (and compared) by the first words of its summary.
  const title = displayTitle(item);
  const publisher = item.outlet ?? feedOutlet;
  const match = matcher.match({ title, summary: item.summary });
  let features: Omit<StoryFeatures, 'at'> | null = null;
  if (match.alert) {
    const { at: _, ...rest } = itemFeatures(
      { title, summary: item.summary, related: item.related, outlet: publisher, at: '' },
      match,
      loadStoryWords(),
    );
    features = rest;
  }
  return { title, titleKey: normaliseTitle(title), publisher, match, features };
}

/** Handle one item; returns null when it was already seen (in this feed, or through another feed). */
async function processItem(
  feed: FeedRow,
  item: FeedItem,
  prepared: PreparedItem,
  nowMs: number,
  deps: PollDeps,
  stories: CycleStories,
  subscriptions: () => Promise<Subscription[]>,
  cycleSeen: CycleSeen,
): Promise<{ event: StoryEvent | null } | null> {
  const { store, config } = deps;
  const now = iso(nowMs);
  const { title, titleKey, publisher, match } = prepared;
  if (cycleSeen.isSeen(feed.id, item.id, titleKey, item.link)) {
    cycleSeen.touchSeen(feed.id, item.id, titleKey, item.link);
    return null;
  }
  const ident = itemIdentity(item);
  const seen = { id: item.id, titleKey, link: item.link, title, published: item.published, ident };
  // The same article through a second feed (two searches that both return it): one source of one
  // story, so no second source row, no update, no Slack edit.
  const elsewhere = ident ? cycleSeen.seenElsewhere(feed.id, ident) : undefined;
  if (elsewhere) {
    cycleSeen.markSeen(feed.id, seen, { now, alert: false, storyId: elsewhere.storyId });
    return null;
  }
  const published = item.published ? Date.parse(item.published) : Number.NaN;
  const eventMs = eventTime(item, nowMs);
  const firstPoll = feed.firstPolledAt == null;
  const inBackfill =
    !firstPoll ||
    config.backfillHours == null ||
    (Number.isFinite(published) && nowMs - published <= config.backfillHours * 3_600_000);
  if (!prepared.features || !inBackfill) {
    cycleSeen.markSeen(feed.id, seen, { now, alert: false, storyId: null });
    return { event: null };
  }
  const eventAt = iso(eventMs);
  const features = await stories.features(prepared.features, eventMs);
  const { labs, programs } = features;
  const change = detectRosterChange({ title, summary: item.summary }, match);
  // A change of status ("Meta signs…") is news of its own: it joins only a story that already
  // reports the same change, never the story of the request that preceded it. The agency's own
  // release of a signing ("Secretary announces agreement with Meta") proposes nothing, as no lab
  // is its subject: a signing joins a story that reports one too.
  const proposing = change ? await store.storiesProposing(change) : null;
  const allow = (storyId: number) =>
    !proposing || proposing.has(storyId) || (change?.status === 'signed' && stories.reportsSigning(storyId));
  const chosen = await stories.assign(features, allow);
  stories.seen(features);
  const source = {
    feedId: feed.id,
    itemId: item.id,
    outlet: publisher,
    title,
    link: item.link,
    published: item.published,
    features,
  };
  let event: StoryEvent;
  if (chosen && stories.hasArticle(chosen.storyId, publisher, title)) {
    // The outlet's own feed and a search feed both carry this article: it is already a source.
    cycleSeen.markSeen(feed.id, seen, { now, alert: true, storyId: chosen.storyId });
    return { event: null };
  }
  if (chosen) {
    const story = await store.addSourceAndGet(
      chosen.storyId,
      source,
      { labs, programs },
      now,
      eventAt,
      stories.row(chosen.storyId),
    );
    event = { kind: 'source-added', story: story as StoryRow, item, match };
    await stories.joined(event.story, features, publisher, title);
  } else {
    const evidence = match.evidence.map((e) => e.text);
    const story = await store.createStory(
      {
        title,
        labs,
        programs,
        summary: summarise(item.summary, evidence) || title,
        published: item.published,
        source,
      },
      now,
      eventAt,
    );
    event = { kind: 'new', story, item, match };
    await stories.created(story, features);
  }
  cycleSeen.markSeen(feed.id, seen, { now, alert: true, storyId: event.story.id });
  if (change) await proposeRosterChange(event, change, deps, now);
  await enqueueDeliveries(event, await subscriptions(), deps, now);
  return { event };
}

async function proposeRosterChange(
  event: StoryEvent,
  change: ProposedChange,
  deps: PollDeps,
  now: string,
): Promise<void> {
  const existing = await deps.store.proposalsForStory(event.story.id);
  if (
    existing.some((p) => p.lab === change.lab && p.program === change.program && p.status === change.status)
  )
    return;
  await deps.store.createProposal({
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
async function enqueueDeliveries(
  event: StoryEvent,
  subs: Subscription[],
  deps: PollDeps,
  now: string,
): Promise<void> {
  const { store } = deps;
  const story = event.story;
  const channels = routeStory(story, subs, deps.alertChannel ?? null, event.item);
  for (const channel of channels) {
    const alert = await store.sentAlert(story.id, channel);
    if (!alert) {
      await store.enqueue(
        { key: `alert:${story.id}:${channel}`, kind: 'alert', storyId: story.id, channel, payload: {} },
        now,
      );
    } else if (event.kind === 'source-added' && (alert.state !== 'pending' || alert.payload.inDoubt)) {
      // Posted, in flight, or in doubt (its call failed or the process died mid-call: it may be in
      // Slack already, rendered without this source): queue an update, sent once the alert is.
      await store.enqueue(
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
