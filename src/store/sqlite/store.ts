/**
 * The embedded backend behind the Store interface. better-sqlite3 is synchronous and has one
 * connection, so an async transaction must own that connection from BEGIN to COMMIT: `tx` takes a
 * lock, and a call made meanwhile from outside the transaction waits for it. Calls made inside it
 * (found by AsyncLocalStorage, whichever handle they use) run in it; a nested `tx` is a savepoint.
 * SQLite's error codes become StoreError here, and nowhere else.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Rollback, rolledBack, type Store } from '../store.js';
import { StoreError } from '../store-error.js';
import { describeStoreError, SqliteDb } from './db.js';

/** Thrown through a dry run's transaction to roll it back; never seen outside. */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private readonly inTx = new AsyncLocalStorage<true>();
  private tail: Promise<void> = Promise.resolve();
  private held = false;
  private waiting = 0;
  private savepoints = 0;

  private constructor(
    private readonly db: SqliteDb,
    readonly location: string,
  ) {}

  /** Open (creating if needed) and migrate. Throws StoreError with one clear sentence. */
  static open(file: string, opts: { busyTimeoutMs?: number } = {}): SqliteStore {
    return new SqliteStore(SqliteDb.open(file, opts), file);
  }

  private mapError(err: unknown): unknown {
    if (err instanceof StoreError || err instanceof Rollback) return err;
    const code = String((err as { code?: unknown } | null)?.code ?? '');
    return /^SQLITE_/.test(code) ? describeStoreError(err, this.location) : err;
  }

  /** The connection, for as long as the returned release is not called. */
  private async acquire(): Promise<() => void> {
    this.waiting++;
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await before;
    this.waiting--;
    this.held = true;
    return () => {
      this.held = false;
      release();
    };
  }

  private async run<T>(fn: () => T): Promise<T> {
    if (this.inTx.getStore() || (!this.held && this.waiting === 0)) {
      try {
        return fn();
      } catch (err) {
        throw this.mapError(err);
      }
    }
    const release = await this.acquire();
    try {
      return fn();
    } catch (err) {
      throw this.mapError(err);
    } finally {
      release();
    }
  }

  async tx<T>(fn: (t: Store) => Promise<T>): Promise<T> {
    if (this.inTx.getStore()) return this.savepoint(fn);
    const release = await this.acquire();
    const raw = this.db.db;
    try {
      raw.exec('BEGIN');
      try {
        const result = await this.inTx.run(true, () => fn(this));
        raw.exec('COMMIT');
        return result;
      } catch (err) {
        if (raw.inTransaction) raw.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      throw this.mapError(err);
    } finally {
      release();
    }
  }

  private async savepoint<T>(fn: (t: Store) => Promise<T>): Promise<T> {
    const name = `sp${++this.savepoints}`;
    const raw = this.db.db;
    raw.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(this);
      raw.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      raw.exec(`ROLLBACK TO ${name}`);
      raw.exec(`RELEASE ${name}`);
      throw this.mapError(err);
    }
  }

  dryRun<T>(fn: (t: Store) => Promise<T>): Promise<T> {
    return rolledBack((f) => this.tx(f), fn);
  }

  /** SQLite only (tests of this backend, e.g. a disk that fills up): read or set a PRAGMA. */
  pragma(source: string): unknown {
    return this.db.db.pragma(source, { simple: true });
  }

  /**
   * SQLite only: an in-memory copy of what is committed now, as a process that died at this moment
   * would find it on restart (tests of crash recovery).
   */
  copyCommitted(): SqliteStore {
    return new SqliteStore(this.db.copyInMemory(), ':memory:');
  }

  async close(): Promise<void> {
    if (this.inTx.getStore()) throw new Error('close() inside a transaction');
    const release = await this.acquire();
    try {
      this.db.close();
    } finally {
      release();
    }
  }

  syncConfigFeeds(...a: Parameters<SqliteDb['syncConfigFeeds']>) {
    return this.run(() => this.db.syncConfigFeeds(...a));
  }
  addFeed(...a: Parameters<SqliteDb['addFeed']>) {
    return this.run(() => this.db.addFeed(...a));
  }
  removeFeed(...a: Parameters<SqliteDb['removeFeed']>) {
    return this.run(() => this.db.removeFeed(...a));
  }
  feed(...a: Parameters<SqliteDb['feed']>) {
    return this.run(() => this.db.feed(...a));
  }
  feedByUrl(...a: Parameters<SqliteDb['feedByUrl']>) {
    return this.run(() => this.db.feedByUrl(...a));
  }
  listFeeds(...a: Parameters<SqliteDb['listFeeds']>) {
    return this.run(() => this.db.listFeeds(...a));
  }
  dueFeeds(...a: Parameters<SqliteDb['dueFeeds']>) {
    return this.run(() => this.db.dueFeeds(...a));
  }
  recordFetchSuccess(...a: Parameters<SqliteDb['recordFetchSuccess']>) {
    return this.run(() => this.db.recordFetchSuccess(...a));
  }
  recordFetchError(...a: Parameters<SqliteDb['recordFetchError']>) {
    return this.run(() => this.db.recordFetchError(...a));
  }
  isSeen(...a: Parameters<SqliteDb['isSeen']>) {
    return this.run(() => this.db.isSeen(...a));
  }
  markSeen(...a: Parameters<SqliteDb['markSeen']>) {
    return this.run(() => this.db.markSeen(...a));
  }
  seenElsewhere(...a: Parameters<SqliteDb['seenElsewhere']>) {
    return this.run(() => this.db.seenElsewhere(...a));
  }
  recentTitles(...a: Parameters<SqliteDb['recentTitles']>) {
    return this.run(() => this.db.recentTitles(...a));
  }
  touchSeen(...a: Parameters<SqliteDb['touchSeen']>) {
    return this.run(() => this.db.touchSeen(...a));
  }
  countItems(...a: Parameters<SqliteDb['countItems']>) {
    return this.run(() => this.db.countItems(...a));
  }
  pruneItems(...a: Parameters<SqliteDb['pruneItems']>) {
    return this.run(() => this.db.pruneItems(...a));
  }
  createStory(...a: Parameters<SqliteDb['createStory']>) {
    return this.run(() => this.db.createStory(...a));
  }
  addSource(...a: Parameters<SqliteDb['addSource']>) {
    return this.run(() => this.db.addSource(...a));
  }
  addSourceAndGet(...a: Parameters<SqliteDb['addSourceAndGet']>) {
    return this.run(() => this.db.addSourceAndGet(...a));
  }
  story(...a: Parameters<SqliteDb['story']>) {
    return this.run(() => this.db.story(...a));
  }
  storiesSince(...a: Parameters<SqliteDb['storiesSince']>) {
    return this.run(() => this.db.storiesSince(...a));
  }
  storyMembersSince(...a: Parameters<SqliteDb['storyMembersSince']>) {
    return this.run(() => this.db.storyMembersSince(...a));
  }
  latestStories(...a: Parameters<SqliteDb['latestStories']>) {
    return this.run(() => this.db.latestStories(...a));
  }
  storiesBetween(...a: Parameters<SqliteDb['storiesBetween']>) {
    return this.run(() => this.db.storiesBetween(...a));
  }
  enqueue(...a: Parameters<SqliteDb['enqueue']>) {
    return this.run(() => this.db.enqueue(...a));
  }
  delivery(...a: Parameters<SqliteDb['delivery']>) {
    return this.run(() => this.db.delivery(...a));
  }
  dueDeliveries(...a: Parameters<SqliteDb['dueDeliveries']>) {
    return this.run(() => this.db.dueDeliveries(...a));
  }
  inDoubtDeliveries(...a: Parameters<SqliteDb['inDoubtDeliveries']>) {
    return this.run(() => this.db.inDoubtDeliveries(...a));
  }
  nextDeliveryTime(...a: Parameters<SqliteDb['nextDeliveryTime']>) {
    return this.run(() => this.db.nextDeliveryTime(...a));
  }
  markSending(...a: Parameters<SqliteDb['markSending']>) {
    return this.run(() => this.db.markSending(...a));
  }
  markSent(...a: Parameters<SqliteDb['markSent']>) {
    return this.run(() => this.db.markSent(...a));
  }
  retryLater(...a: Parameters<SqliteDb['retryLater']>) {
    return this.run(() => this.db.retryLater(...a));
  }
  patchPayload(...a: Parameters<SqliteDb['patchPayload']>) {
    return this.run(() => this.db.patchPayload(...a));
  }
  park(...a: Parameters<SqliteDb['park']>) {
    return this.run(() => this.db.park(...a));
  }
  unpark(...a: Parameters<SqliteDb['unpark']>) {
    return this.run(() => this.db.unpark(...a));
  }
  unparkByError(...a: Parameters<SqliteDb['unparkByError']>) {
    return this.run(() => this.db.unparkByError(...a));
  }
  parkedDeliveries(...a: Parameters<SqliteDb['parkedDeliveries']>) {
    return this.run(() => this.db.parkedDeliveries(...a));
  }
  outboxDepth(...a: Parameters<SqliteDb['outboxDepth']>) {
    return this.run(() => this.db.outboxDepth(...a));
  }
  sentAlert(...a: Parameters<SqliteDb['sentAlert']>) {
    return this.run(() => this.db.sentAlert(...a));
  }
  deliveriesForStory(...a: Parameters<SqliteDb['deliveriesForStory']>) {
    return this.run(() => this.db.deliveriesForStory(...a));
  }
  subscribe(...a: Parameters<SqliteDb['subscribe']>) {
    return this.run(() => this.db.subscribe(...a));
  }
  unsubscribe(...a: Parameters<SqliteDb['unsubscribe']>) {
    return this.run(() => this.db.unsubscribe(...a));
  }
  subscriptions(...a: Parameters<SqliteDb['subscriptions']>) {
    return this.run(() => this.db.subscriptions(...a));
  }
  rosterEdits(...a: Parameters<SqliteDb['rosterEdits']>) {
    return this.run(() => this.db.rosterEdits(...a));
  }
  setMembership(...a: Parameters<SqliteDb['setMembership']>) {
    return this.run(() => this.db.setMembership(...a));
  }
  audit(...a: Parameters<SqliteDb['audit']>) {
    return this.run(() => this.db.audit(...a));
  }
  auditLog(...a: Parameters<SqliteDb['auditLog']>) {
    return this.run(() => this.db.auditLog(...a));
  }
  createProposal(...a: Parameters<SqliteDb['createProposal']>) {
    return this.run(() => this.db.createProposal(...a));
  }
  proposal(...a: Parameters<SqliteDb['proposal']>) {
    return this.run(() => this.db.proposal(...a));
  }
  proposalsForStory(...a: Parameters<SqliteDb['proposalsForStory']>) {
    return this.run(() => this.db.proposalsForStory(...a));
  }
  storiesProposing(...a: Parameters<SqliteDb['storiesProposing']>) {
    return this.run(() => this.db.storiesProposing(...a));
  }
  decideProposal(...a: Parameters<SqliteDb['decideProposal']>) {
    return this.run(() => this.db.decideProposal(...a));
  }
  claimDigest(...a: Parameters<SqliteDb['claimDigest']>) {
    return this.run(() => this.db.claimDigest(...a));
  }
  tableRows(...a: Parameters<SqliteDb['tableRows']>) {
    return this.run(() => this.db.tableRows(...a));
  }
  countRows(...a: Parameters<SqliteDb['countRows']>) {
    return this.run(() => this.db.countRows(...a));
  }

  importRows(...a: Parameters<SqliteDb['importRows']>) {
    return this.run(() => this.db.importRows(...a));
  }

  acquireLease(...a: Parameters<SqliteDb['acquireLease']>) {
    return this.run(() => this.db.acquireLease(...a));
  }

  holdsLease(...a: Parameters<SqliteDb['holdsLease']>) {
    return this.run(() => this.db.holdsLease(...a));
  }

  releaseLease(...a: Parameters<SqliteDb['releaseLease']>) {
    return this.run(() => this.db.releaseLease(...a));
  }

  claimDelivery(...a: Parameters<SqliteDb['claimDelivery']>) {
    return this.run(() => this.db.claimDelivery(...a));
  }

  seenIndex(...a: Parameters<SqliteDb['seenIndex']>) {
    return this.run(() => this.db.seenIndex(...a));
  }

  markSeenMany(...a: Parameters<SqliteDb['markSeenMany']>) {
    return this.run(() => this.db.markSeenMany(...a));
  }

  touchSeenMany(...a: Parameters<SqliteDb['touchSeenMany']>) {
    return this.run(() => this.db.touchSeenMany(...a));
  }

  recordFetchSuccessMany(...a: Parameters<SqliteDb['recordFetchSuccessMany']>) {
    return this.run(() => this.db.recordFetchSuccessMany(...a));
  }
}
