/** What the Slack handlers may use: everything through src/, nothing they build themselves. */
import type { Logger } from 'pino';
import type { Config } from '../config/config-file.js';
import type { FeedCheck } from '../feeds/check.js';
import type { Roster } from '../roster/schema.js';
import type { Store } from '../store/store.js';
import type { FeedRow } from '../store/types.js';
import type { Clock } from '../util/clock.js';

export interface SlackDeps {
  store: Store;
  roster: () => Promise<Roster>;
  config: Config;
  clock: Clock;
  logger: Logger;
  isAdmin: (userId: string) => Promise<boolean>;
  whoCanWrite: () => string;
  checkNewFeedUrl: (url: string) => Promise<void>;
  /** Nudge the delivery worker: something new is in the outbox. */
  wakeDelivery: () => void;
  /** Fetch feeds once, now, and judge each (`/caisi feeds check`). */
  checkFeeds: (feeds: FeedRow[]) => Promise<FeedCheck[]>;
}
