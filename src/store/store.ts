/**
 * The Store: everything the bot must not forget across restarts (feed state, seen items, stories
 * with their sources, the delivery outbox, subscriptions, roster edits and the audit log), behind
 * one async interface with explicit transactions. Two backends implement it: SQLite (embedded,
 * the default) and Postgres (for several replicas). SQL, dialects and error mapping stay behind it:
 * callers see rows (types.ts) and StoreError.
 */
import type {
  AuditEntry,
  DeliveryKind,
  FeedRow,
  OutboxRow,
  Proposal,
  RosterEdit,
  StoryRow,
  StorySource,
  Subscription,
} from './types.js';

export type { StoreErrorCode } from './store-error.js';
export { StoreError } from './store-error.js';

/** A story's source as written: the row, plus the clustering features kept with it (opaque JSON here). */
export type NewSource = Omit<StorySource, 'addedAt'> & { features?: unknown };

export interface NewStory {
  title: string;
  labs: string[];
  programs: string[];
  summary: string;
  published: string | null;
  source: NewSource;
}

/** What clustering needs of a story in the window: its entities and each member's features. */
export interface StoryMembers {
  id: number;
  labs: string[];
  programs: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  members: {
    feedId: number;
    itemId: string;
    outlet: string;
    title: string;
    published: string | null;
    addedAt: string;
    features: unknown;
  }[];
}

export interface NewDelivery {
  key: string;
  kind: DeliveryKind;
  storyId: number | null;
  channel: string;
  payload: Record<string, unknown>;
}

export interface FetchSuccess {
  now: string;
  etag?: string | null;
  lastModified?: string | null;
  title?: string | null;
  nextFetchAt: string | null;
  newUrl?: string | null;
}

export interface FetchFailure {
  now: string;
  code: string;
  message: string;
  nextFetchAt: string | null;
  disable?: string | null;
}

export interface SeenItem {
  id: string;
  titleKey: string;
  link: string | null;
  title: string;
  published: string | null;
  ident?: string | null;
}

/** The tables a store keeps, in an order that respects their references (for copying and counting). */
export const TABLES = [
  'feeds',
  'items',
  'stories',
  'story_sources',
  'outbox',
  'subscriptions',
  'roster_edits',
  'audit_log',
  'proposals',
  'digests',
] as const;
export type TableName = (typeof TABLES)[number];

export interface Store {
  /** Which backend this is, for /healthz and logs. */
  readonly backend: 'sqlite' | 'postgres';
  /** Where it is, with no secret in it (a file, or a URL without its password). */
  readonly location: string;

  /**
   * Run `fn` in one transaction: all of its writes are kept, or (when it throws) none. `fn` gets
   * the transaction's own handle; nested `tx` calls on it are savepoints.
   */
  tx<T>(fn: (t: Store) => Promise<T>): Promise<T>;
  /** Run `fn` in a transaction that is always rolled back: a dry run that changes nothing. */
  dryRun<T>(fn: (t: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;

  // ---- feeds ----
  /**
   * Make the configured feed list current: new URLs are added, config feeds no longer listed are
   * disabled (kept, with their history), feeds added from Slack are left alone.
   */
  syncConfigFeeds(urls: string[], now: string): Promise<void>;
  addFeed(url: string, addedBy: string, now: string): Promise<{ feed: FeedRow; created: boolean }>;
  /** Removing a feed disables it (its seen items stay, so re-adding it never re-alerts). */
  removeFeed(id: number): Promise<FeedRow | undefined>;
  feed(id: number): Promise<FeedRow | undefined>;
  feedByUrl(url: string): Promise<FeedRow | undefined>;
  listFeeds(): Promise<FeedRow[]>;
  /** Enabled feeds whose next fetch time has come. */
  dueFeeds(now: string): Promise<FeedRow[]>;
  recordFetchSuccess(id: number, r: FetchSuccess): Promise<void>;
  recordFetchError(id: number, r: FetchFailure): Promise<void>;
  /** recordFetchSuccess for many feeds at once (a poll's feeds, in its transaction). */
  recordFetchSuccessMany(rows: (FetchSuccess & { id: number })[]): Promise<void>;

  // ---- seen items ----
  /** Seen in this feed? By id, or (for a guid that changed) by the same normalised title and link. */
  isSeen(feedId: number, itemId: string, titleKey: string, link: string | null): Promise<boolean>;
  markSeen(
    feedId: number,
    item: SeenItem,
    r: { now: string; alert: boolean; storyId: number | null },
  ): Promise<void>;
  /** The same article already seen through another feed, with the story it went to, if any. */
  seenElsewhere(feedId: number, ident: string): Promise<{ storyId: number | null } | undefined>;
  /**
   * What a poll cycle needs to tell new items from seen ones, in one read: the seen items of these
   * feeds, and the items (of any feed) that carry one of these identities, by feed id and item id.
   */
  seenIndex(
    feedIds: number[],
    idents: string[],
  ): Promise<{
    items: { feedId: number; itemId: string; titleKey: string; link: string | null }[];
    idents: { ident: string; feedId: number; itemId: string; storyId: number | null }[];
  }>;
  /** markSeen for many items at once. */
  markSeenMany(
    marks: { feedId: number; item: SeenItem; r: { now: string; alert: boolean; storyId: number | null } }[],
  ): Promise<void>;
  /** touchSeen for many items at once: by id, and (a guid that changed) by title and link. */
  touchSeenMany(
    byId: { feedId: number; itemId: string }[],
    byTitle: { feedId: number; titleKey: string; link: string }[],
    now: string,
  ): Promise<void>;
  /**
   * Headlines of the alerting items first seen at or after `since` (what clustering learns word
   * rarity from: how common a word is among the news the bot alerts on).
   */
  recentTitles(since: string): Promise<string[]>;
  /** A seen item still listed by its feed is kept past retention. */
  touchSeen(
    feedId: number,
    itemId: string,
    titleKey: string,
    link: string | null,
    now: string,
  ): Promise<void>;
  countItems(): Promise<number>;
  /** Drop seen items no feed has listed since `olderThan`; stories, roster and audit log are kept. */
  pruneItems(olderThan: string): Promise<number>;

  // ---- stories ----
  /** `eventAt` is when the news happened (publication date, never later than now). */
  createStory(s: NewStory, now: string, eventAt?: string): Promise<StoryRow>;
  /** Add another outlet's item to a story; merges its labs and programs. False if already there. */
  addSource(
    storyId: number,
    source: NewSource,
    merge: { labs: string[]; programs: string[] },
    now: string,
    eventAt?: string,
  ): Promise<boolean>;
  /**
   * addSource, then the story as it now is. `known` (the same story as read earlier in this
   * transaction) spares reading all its sources again.
   */
  addSourceAndGet(
    storyId: number,
    source: NewSource,
    merge: { labs: string[]; programs: string[] },
    now: string,
    eventAt?: string,
    known?: StoryRow,
  ): Promise<StoryRow | undefined>;
  story(id: number): Promise<StoryRow | undefined>;
  /** Stories whose latest news is at or after `since`, newest first. */
  storiesSince(since: string): Promise<StoryRow[]>;
  /** What clustering needs of the stories whose latest news is at or after `since`, oldest first. */
  storyMembersSince(since: string): Promise<StoryMembers[]>;
  /** Latest stories, optionally only those naming a lab or program id. */
  latestStories(limit: number, entity?: string): Promise<StoryRow[]>;
  storiesBetween(from: string, to: string): Promise<StoryRow[]>;

  // ---- outbox ----
  /** Queue a delivery once: a second enqueue with the same key is ignored. */
  enqueue(d: NewDelivery, now: string): Promise<boolean>;
  delivery(id: number): Promise<OutboxRow | undefined>;
  /**
   * Inside a transaction: claim a pending delivery for sending. Undefined when it is not pending any
   * more, or (Postgres, FOR UPDATE SKIP LOCKED) another transaction holds it right now; the claim
   * lasts until the transaction ends, which marks it `sending` (the lease the recovery honours).
   */
  claimDelivery(id: number): Promise<OutboxRow | undefined>;
  /** Pending deliveries whose time has come, oldest first. */
  dueDeliveries(now: string, limit?: number): Promise<OutboxRow[]>;
  /** Deliveries left in 'sending' by a crash: they may or may not have reached Slack. */
  inDoubtDeliveries(): Promise<OutboxRow[]>;
  nextDeliveryTime(): Promise<string | null>;
  markSending(id: number, now: string): Promise<void>;
  markSent(id: number, ts: string | null, now: string): Promise<void>;
  retryLater(id: number, nextAttemptAt: string, error: string): Promise<void>;
  /** Merge fields into a delivery's payload (e.g. `fallback`, `inDoubt`). */
  patchPayload(id: number, patch: Record<string, unknown>): Promise<void>;
  park(id: number, error: string): Promise<void>;
  /** Put parked deliveries for a channel (all, for null) back in the queue. */
  unpark(channel: string | null, now: string): Promise<number>;
  /** Put parked deliveries whose error starts with `prefix` back in the queue. */
  unparkByError(prefix: string, now: string): Promise<number>;
  parkedDeliveries(): Promise<OutboxRow[]>;
  outboxDepth(): Promise<number>;
  /** The alert for a story in a channel, if one was queued. */
  sentAlert(storyId: number, channel: string): Promise<OutboxRow | undefined>;
  deliveriesForStory(storyId: number): Promise<OutboxRow[]>;

  // ---- subscriptions ----
  subscribe(s: Omit<Subscription, 'createdAt'>, now: string): Promise<void>;
  unsubscribe(channel: string, target: string): Promise<boolean>;
  subscriptions(channel?: string): Promise<Subscription[]>;

  // ---- roster edits and audit ----
  rosterEdits(): Promise<RosterEdit[]>;
  /** Write a roster edit and its audit entry together, or neither. */
  setMembership(edit: RosterEdit, oldStatus: string | null, action: string): Promise<void>;
  audit(e: Omit<AuditEntry, 'id'>): Promise<void>;
  auditLog(lab?: string): Promise<AuditEntry[]>;

  // ---- proposed roster changes ----
  createProposal(p: Omit<Proposal, 'id' | 'state' | 'decidedBy' | 'decidedAt'>): Promise<Proposal>;
  proposal(id: number): Promise<Proposal | undefined>;
  proposalsForStory(storyId: number): Promise<Proposal[]>;
  /** The stories that carry a proposal of this very change. */
  storiesProposing(change: { lab: string; program: string; status: string }): Promise<Set<number>>;
  /** Close an open proposal; false when it was already decided. */
  decideProposal(id: number, state: 'confirmed' | 'dismissed', by: string, now: string): Promise<boolean>;

  // ---- digests ----
  /** Claim a channel's digest for a day; false when it was already claimed. */
  claimDigest(channel: string, day: string, now: string): Promise<boolean>;

  // ---- the leader lease (one replica polls and sends) ----
  /**
   * Take or renew lease `name` for `holder` until `nowMs + ttlMs`, when it is free, expired or
   * already this holder's. Returns the fencing token (raised whenever the holder changes or the
   * lease had lapsed), or null when another holder has it.
   */
  acquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<number | null>;
  /**
   * Is the lease still this holder's, with this token, unexpired? Inside a transaction, Postgres
   * also keeps the lease row locked until it ends, so a new leader can take over only after the
   * transaction has committed or rolled back: the fence for everything the leader writes.
   */
  holdsLease(name: string, holder: string, token: number, nowMs: number): Promise<boolean>;
  /** Give the lease up at once (a clean stop), when this holder has it. */
  releaseLease(name: string, holder: string): Promise<void>;

  // ---- whole tables (moving an install, checking a copy) ----
  /** Every row of a table, as plain column → value records in key order. */
  tableRows(table: TableName): Promise<Record<string, unknown>[]>;
  countRows(table: TableName): Promise<number>;
  /**
   * Write rows as they are (ids included), as read by `tableRows` from another store; the id
   * counters then continue after the highest id. For moving an install into an empty store.
   */
  importRows(table: TableName, rows: Record<string, unknown>[]): Promise<number>;
}

/** Thrown inside a transaction to roll it back on purpose (a dry run); never leaves the store. */
export class Rollback extends Error {}

/** Run `fn` in a transaction of `tx` and roll it back: the result, none of the writes. */
export async function rolledBack<T>(
  tx: (fn: (t: Store) => Promise<void>) => Promise<void>,
  fn: (t: Store) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  try {
    await tx(async (t) => {
      result = await fn(t);
      throw new Rollback('dry run');
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return result as T;
}
