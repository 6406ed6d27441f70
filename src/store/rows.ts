/** Column values → the rows the store hands out; shared by both backends (same columns). */
import type { StoryMembers } from './store.js';
import type {
  AuditEntry,
  DeliveryKind,
  FeedRow,
  OutboxRow,
  Proposal,
  RosterEdit,
  StorySource,
  Subscription,
  SubscriptionMode,
} from './types.js';

export type Row = Record<string, unknown>;
export const str = (v: unknown) => (v == null ? null : String(v));
export const json = <T>(v: unknown, fallback: T): T => {
  try {
    return v == null ? fallback : (JSON.parse(String(v)) as T);
  } catch {
    return fallback;
  }
};

export const feedRow = (r: Row): FeedRow => ({
  id: Number(r.id),
  url: String(r.url),
  title: str(r.title),
  origin: r.origin === 'slack' ? 'slack' : 'config',
  addedBy: str(r.added_by),
  enabled: Number(r.enabled) === 1,
  disabledReason: str(r.disabled_reason),
  etag: str(r.etag),
  lastModified: str(r.last_modified),
  firstPolledAt: str(r.first_polled_at),
  lastFetchAt: str(r.last_fetch_at),
  lastSuccessAt: str(r.last_success_at),
  lastErrorAt: str(r.last_error_at),
  lastErrorCode: str(r.last_error_code),
  lastError: str(r.last_error),
  consecutiveErrors: Number(r.consecutive_errors),
  nextFetchAt: str(r.next_fetch_at),
});

export const outboxRow = (r: Row): OutboxRow => ({
  id: Number(r.id),
  deliveryKey: String(r.delivery_key),
  kind: String(r.kind) as DeliveryKind,
  storyId: r.story_id == null ? null : Number(r.story_id),
  channel: String(r.channel),
  payload: json(r.payload, {}),
  state: String(r.state) as OutboxRow['state'],
  attempts: Number(r.attempts),
  nextAttemptAt: String(r.next_attempt_at),
  lastError: str(r.last_error),
  messageTs: str(r.message_ts),
  createdAt: String(r.created_at),
  sendingAt: str(r.sending_at),
  sentAt: str(r.sent_at),
});

export const proposalRow = (r: Row): Proposal => ({
  id: Number(r.id),
  storyId: Number(r.story_id),
  lab: String(r.lab),
  program: String(r.program),
  status: String(r.status),
  evidence: String(r.evidence),
  sourceTitle: str(r.source_title),
  sourceUrl: str(r.source_url),
  state: String(r.state) as Proposal['state'],
  decidedBy: str(r.decided_by),
  decidedAt: str(r.decided_at),
  createdAt: String(r.created_at),
});

export const sourceRow = (s: Row): StorySource => ({
  feedId: Number(s.feed_id),
  itemId: String(s.item_id),
  outlet: String(s.outlet),
  title: String(s.title),
  link: str(s.link),
  published: str(s.published),
  addedAt: String(s.added_at),
});

/** A story's source as clustering reads it back: the source and its features (JSON, opaque here). */
export const memberRow = (s: Row): StoryMembers['members'][number] => ({
  feedId: Number(s.feed_id),
  itemId: String(s.item_id),
  outlet: String(s.outlet),
  title: String(s.title),
  published: str(s.published),
  addedAt: String(s.added_at),
  features: s.features == null ? null : json(s.features, null),
});

export const subscriptionRow = (r: Row): Subscription => ({
  channel: String(r.channel),
  target: String(r.target),
  mode: (r.mode === 'daily' ? 'daily' : 'realtime') as SubscriptionMode,
  createdBy: str(r.created_by),
  createdAt: String(r.created_at),
});

export const rosterEditRow = (r: Row): RosterEdit => ({
  lab: String(r.lab),
  program: String(r.program),
  status: String(r.status),
  since: str(r.since),
  sourceUrl: str(r.source_url),
  sourceTitle: str(r.source_title),
  setBy: String(r.set_by),
  setAt: String(r.set_at),
});

export const auditRow = (r: Row): AuditEntry => ({
  id: Number(r.id),
  at: String(r.at),
  actor: String(r.actor),
  action: String(r.action),
  lab: str(r.lab),
  program: str(r.program),
  oldStatus: str(r.old_status),
  newStatus: str(r.new_status),
  source: str(r.source),
  detail: str(r.detail),
});

/**
 * Seen items in the items table's key order (feed, item id), for a batch insert: each row then
 * lands next to the previous one in the table's b-tree and in its per-feed index, instead of
 * anywhere in them. Stable, so of two marks of one item the first is still the one kept.
 */
export const inKeyOrder = <T extends { feedId: number; item: { id: string } }>(marks: readonly T[]): T[] =>
  [...marks].sort(
    (a, b) => a.feedId - b.feedId || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0),
  );
