/**
 * One leader among the replicas: the one holding the `leader` lease in the store polls the feeds
 * and sends the outbox; the others (standby) answer Slack only. The leader renews its lease every
 * third of its length; a standby tries to take it every second, so when a leader dies another
 * takes over within the lease's length (plus a second). On SQLite (one process, one local file)
 * there is no election: the process is the leader from the start, and a restart after a crash
 * does not wait for its old lease to run out.
 *
 * Fencing: every change of holder raises the lease's token. What the leader writes (a poll, a
 * delivery marked as sending) is checked in the same transaction against its token and the lease's
 * expiry, and Postgres keeps the lease row locked until that transaction ends; a leader that was
 * paused past its lease finds its token stale and writes, and so sends, nothing. Just before a
 * Slack call it checks its own deadline once more (`mayAct`), with a margin.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { sleeper } from '../util/sleeper.js';

export const LEADER_LEASE = 'leader';

export type Role = 'leader' | 'standby';

export interface LeadershipOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  ttlMs: number;
  /** Called when this replica becomes leader: start polling and sending. */
  onElected: () => void;
  /** Called when it stops being leader (lease lost, or stop): stop polling and sending. */
  onDeposed: () => void;
  /** A name for this replica in the lease (host, pid and a random part by default). */
  holder?: string;
  /** The only process (SQLite): leader at once, no lease. */
  solo?: boolean;
}

export class Leadership {
  readonly holder: string;
  private current: Role = 'standby';
  private token: number | null = null;
  /** Local time until which the lease is surely ours: the renewal's start + its length. */
  private validUntil = 0;
  private stopped = false;
  private readonly wait = sleeper();
  private running: Promise<void> | null = null;

  constructor(private readonly o: LeadershipOptions) {
    this.holder = o.holder ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  }

  get role(): Role {
    return this.current;
  }

  /** A margin kept before the lease's end, for the time a Slack call takes to leave. */
  private get margin(): number {
    return Math.min(2000, this.o.ttlMs / 5);
  }

  /** Leader, with time left on the lease: may start a Slack call now. */
  mayAct(): boolean {
    if (this.o.solo) return this.current === 'leader';
    return this.current === 'leader' && this.o.clock.now() < this.validUntil - this.margin;
  }

  /** The fence for a write: in transaction `t`, is the lease still ours? */
  async fence(t: Store): Promise<boolean> {
    if (this.o.solo) return this.current === 'leader';
    const token = this.token;
    if (token == null || !this.mayAct()) return false;
    return t.holdsLease(LEADER_LEASE, this.holder, token, this.o.clock.now());
  }

  start(): void {
    if (this.o.solo) {
      if (this.current === 'standby' && !this.stopped) {
        this.current = 'leader';
        this.o.onElected();
      }
      return;
    }
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.tick();
      if (this.stopped) break;
      await this.wait.sleep(this.current === 'leader' ? this.o.ttlMs / 3 : Math.min(1000, this.o.ttlMs / 4));
    }
  }

  private async tick(): Promise<void> {
    const started = this.o.clock.now();
    let token: number | null;
    try {
      token = await this.o.store.acquireLease(LEADER_LEASE, this.holder, started, this.o.ttlMs);
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'could not renew the leader lease; trying again');
      // Still leader until the lease we hold runs out.
      if (this.current === 'leader' && !this.mayAct()) this.depose('lease could not be renewed in time');
      return;
    }
    if (token == null) {
      if (this.current === 'leader') this.depose('another replica holds the lease');
      return;
    }
    // A lease that lapsed (or nearly) before this renewal: stand down and start again, so the work
    // restarts from the store (a delivery left in doubt is looked up before anything is resent).
    if (this.current === 'leader' && (token !== this.token || started >= this.validUntil - this.margin))
      this.depose('the lease lapsed before renewal');
    this.token = token;
    this.validUntil = started + this.o.ttlMs;
    if (this.current === 'standby' && !this.stopped) {
      this.current = 'leader';
      this.o.logger.info({ holder: this.holder, token }, 'became leader: polling and sending');
      this.o.onElected();
    }
  }

  private depose(why: string): void {
    if (this.current !== 'leader') return;
    this.current = 'standby';
    this.token = null;
    this.o.logger.warn({ holder: this.holder, why }, 'lost leadership: standing by');
    this.o.onDeposed();
  }

  /**
   * Stop campaigning and give the lease up, so another replica takes over at once. Call it after
   * the work has stopped: until then the lease is renewed, so nothing else sends meanwhile.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wait.cancelAll();
    await this.running;
    const wasLeader = this.current === 'leader';
    this.current = 'standby';
    this.token = null;
    if (wasLeader && !this.o.solo)
      await this.o.store
        .releaseLease(LEADER_LEASE, this.holder)
        .catch((err) =>
          this.o.logger.warn({ err: (err as Error).message }, 'could not release the leader lease'),
        );
  }
}
