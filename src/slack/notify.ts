/** Private notices to the admins (never to the alert channel): queued in the outbox like any message. */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { OutboxRow } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { scopeLabel } from './slack-errors.js';

export interface NotifyDeps {
  admins: string[];
  store: Store;
  clock: Clock;
  logger: Logger;
}

/** A parked alert is told to each admin privately (never in the alert channel). */
export async function notifyParked(o: NotifyDeps, row: OutboxRow, error: string): Promise<void> {
  if (row.kind === 'notice') return; // a notice that cannot reach an admin is not worth another notice
  const now = new Date(o.clock.now()).toISOString();
  for (const admin of o.admins)
    await o.store.enqueue(
      {
        key: `notice:parked:${row.id}:${admin}`,
        kind: 'notice',
        storyId: null,
        channel: admin,
        payload: {
          text: `caisi-watch could not post an alert to channel ${row.channel} (${error}). It is parked, not lost: invite the bot to the channel and run /caisi subscribe there again, or see the App Home.`,
        },
      },
      now,
    );
  if (o.admins.length === 0)
    o.logger.warn({ channel: row.channel, error }, 'alert parked; no CAISI_ADMINS to notify');
}

/**
 * A scope the bot token lacks is told to each admin privately, once: which scope, for what, and
 * that only what needs it waits.
 */
export async function notifyMissingScope(o: NotifyDeps, scope: string, method: string): Promise<void> {
  const now = new Date(o.clock.now()).toISOString();
  for (const admin of o.admins)
    await o.store.enqueue(
      {
        key: `notice:missing-scope:${scope}:${admin}`,
        kind: 'notice',
        storyId: null,
        channel: admin,
        payload: {
          text: `caisi-watch needs the Slack scope ${scopeLabel(scope)} (for ${method}), which its token does not have. What needs it is parked, not lost; everything else goes on. Add the scope under OAuth & Permissions (manifest.yml lists every scope the bot needs), reinstall the app, and restart the bot.`,
        },
      },
      now,
    );
  if (o.admins.length === 0)
    o.logger.warn({ scope, method }, 'missing Slack scope; no CAISI_ADMINS to notify');
}

/** A feed the poller disabled is told to each admin privately, once (never in the alert channel). */
export async function notifyFeedDisabled(
  o: NotifyDeps,
  feed: { feedId: number; url: string; reason: string },
): Promise<void> {
  const now = new Date(o.clock.now()).toISOString();
  for (const admin of o.admins)
    await o.store.enqueue(
      {
        key: `notice:feed-disabled:${feed.feedId}:${now}:${admin}`,
        kind: 'notice',
        storyId: null,
        channel: admin,
        payload: {
          text: `caisi-watch disabled feed ${feed.feedId} (${feed.url}): ${feed.reason}. See /caisi feeds list; an admin can add it again with /caisi feeds add once it works.`,
        },
      },
      now,
    );
  if (o.admins.length === 0)
    o.logger.warn({ feed: feed.url, reason: feed.reason }, 'feed disabled; no CAISI_ADMINS to notify');
}
