/**
 * The work of a running bot, shared by Slack mode and local mode: poll the feeds every
 * `pollSeconds`, queue the day's digests, and (with a deliverer) send the outbox as it comes due.
 * `stop()` ends the waits at once; `done` resolves when the work in flight has finished.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config-file.js';
import type { Matcher } from '../match/matcher.js';
import { type PollReport, pollOnce } from '../pipeline/poll.js';
import type { Deliverer } from '../slack/deliver.js';
import { queueDueDigests } from '../slack/digest.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { sleeper } from '../util/sleeper.js';

export interface Health {
  lastPollStartedAt: number | null;
  lastPollFinishedAt: number | null;
  startedAt: number;
  /** When this replica last became leader (a new leader is given time for its first poll). */
  lastLeaderSince?: number | null;
  /** With several replicas: this replica's role now. */
  role?: () => 'leader' | 'standby';
}

export interface WorkLoopOptions {
  store: Store;
  matcher: Matcher;
  config: Config;
  clock: Clock;
  logger: Logger;
  health: Health;
  /** Channel that gets every alert in real time, on top of subscriptions. */
  alertChannel: string | null;
  /** Slack mode: the outbox is sent, and daily digests are queued. Local mode has none. */
  deliverer?: Deliverer;
  /** What to do with a poll's report (print alerts, tell admins of disabled feeds). */
  onReport?: (report: PollReport) => Promise<void>;
  /** The leader lease's fence for the poll's writes (see leader.ts). */
  fence?: (t: Store) => Promise<boolean>;
}

export interface WorkLoops {
  /** Something new is in the outbox: look at it now. */
  wake(): void;
  /** Stop waiting; the work in flight finishes. */
  stop(): void;
  /** Resolves once both loops have ended. */
  done: Promise<void>;
}

export function startWorkLoops(o: WorkLoopOptions): WorkLoops {
  const { store, clock, logger, config, health, deliverer } = o;
  let stopping = false;
  const deliverySleep = sleeper();
  const pollSleep = sleeper();
  let wakeRequested = false;
  const wake = () => {
    wakeRequested = true;
    deliverySleep.cancelAll();
  };

  const inFlight = new Set<Promise<unknown>>();
  const deliveryLoop = async () => {
    if (!deliverer) return;
    await deliverer
      .recover()
      .catch((err) => logger.error({ err: (err as Error).message }, 'delivery recovery failed'));
    while (!stopping) {
      wakeRequested = false;
      try {
        // Deliveries run on their own; each one that ends wakes the loop for that channel's next.
        for (const run of await deliverer.startDue()) {
          inFlight.add(run);
          void run.finally(() => {
            inFlight.delete(run);
            wake();
          });
        }
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'could not read the outbox; trying again');
      }
      if (stopping) break;
      if (wakeRequested) continue;
      const next = await deliverer.nextWakeAt().catch(() => null);
      await deliverySleep.sleep(next == null ? 60_000 : Math.min(60_000, next - clock.now()));
    }
    // Stopping: let the calls in flight finish and record their outcome.
    await Promise.all([...inFlight]);
  };

  const pollLoop = async () => {
    while (!stopping) {
      health.lastPollStartedAt = clock.now();
      try {
        const report = await pollOnce({
          store,
          matcher: o.matcher,
          config,
          clock,
          logger,
          alertChannel: o.alertChannel,
          fence: o.fence,
        });
        health.lastPollFinishedAt = clock.now();
        await o.onReport?.(report);
        wake();
      } catch (err) {
        // A failed poll (disk full, database locked…) saved nothing: the next cycle does it again.
        logger.error({ err: (err as Error).message }, 'poll failed; retrying next cycle');
      }
      if (deliverer)
        try {
          if (await queueDueDigests(store, clock.now(), config.digest)) wake();
        } catch (err) {
          logger.error({ err: (err as Error).message }, 'digest scheduling failed');
        }
      if (!stopping) await pollSleep.sleep(config.pollSeconds * 1000);
    }
  };

  const done = Promise.all([deliveryLoop(), pollLoop()]).then(() => {});
  return {
    wake,
    stop: () => {
      stopping = true;
      deliverySleep.cancelAll();
      pollSleep.cancelAll();
    },
    done,
  };
}
