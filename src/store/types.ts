/** Rows the store hands out. The pipeline and Slack layers see these, never SQL. */
export interface FeedRow {
  id: number;
  url: string;
  title: string | null;
  origin: 'config' | 'slack';
  addedBy: string | null;
  enabled: boolean;
  disabledReason: string | null;
  etag: string | null;
  lastModified: string | null;
  firstPolledAt: string | null;
  lastFetchAt: string | null;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastErrorCode: string | null;
  lastError: string | null;
  consecutiveErrors: number;
  nextFetchAt: string | null;
}

export interface StorySource {
  feedId: number;
  itemId: string;
  outlet: string;
  title: string;
  link: string | null;
  published: string | null;
  addedAt: string;
}

export interface StoryRow {
  id: number;
  title: string;
  labs: string[];
  programs: string[];
  summary: string;
  firstSeenAt: string;
  lastSeenAt: string;
  published: string | null;
  sources: StorySource[];
}

export type DeliveryKind = 'alert' | 'update' | 'digest' | 'notice';
export type DeliveryState = 'pending' | 'sending' | 'sent' | 'parked';

export interface OutboxRow {
  id: number;
  deliveryKey: string;
  kind: DeliveryKind;
  storyId: number | null;
  channel: string;
  payload: Record<string, unknown>;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  messageTs: string | null;
  createdAt: string;
  sendingAt: string | null;
  sentAt: string | null;
}

export type SubscriptionMode = 'realtime' | 'daily';
export interface Subscription {
  channel: string;
  /** `all`, a lab id, a program id, or `phrase:<words>` for a keyword subscription. */
  target: string;
  mode: SubscriptionMode;
  createdBy: string | null;
  createdAt: string;
}

export interface RosterEdit {
  lab: string;
  program: string;
  status: string;
  since: string | null;
  sourceUrl: string | null;
  sourceTitle: string | null;
  setBy: string;
  setAt: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  lab: string | null;
  program: string | null;
  oldStatus: string | null;
  newStatus: string | null;
  source: string | null;
  detail: string | null;
}

export interface Proposal {
  id: number;
  storyId: number;
  lab: string;
  program: string;
  status: string;
  evidence: string;
  sourceTitle: string | null;
  sourceUrl: string | null;
  state: 'open' | 'confirmed' | 'dismissed';
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
}
