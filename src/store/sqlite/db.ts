/**
 * The embedded backend's SQL: one SQLite file (better-sqlite3), WAL, migrations by PRAGMA
 * user_version. Synchronous, as better-sqlite3 is; SqliteDb (store.ts) puts the async Store
 * interface and its transactions in front of it. Nothing outside src/store/sqlite uses this.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  auditRow,
  feedRow,
  inKeyOrder,
  json,
  memberRow,
  outboxRow,
  proposalRow,
  type Row,
  rosterEditRow,
  sourceRow,
  str,
  subscriptionRow,
} from '../rows.js';
import type { NewSource, NewStory, StoryMembers, TableName } from '../store.js';
import { StoreError } from '../store-error.js';
import type {
  AuditEntry,
  DeliveryKind,
  FeedRow,
  OutboxRow,
  Proposal,
  RosterEdit,
  StoryRow,
  Subscription,
} from '../types.js';
import { MIGRATIONS } from './migrations.js';

/** Turn SQLite's error codes into one sentence an operator can act on. */
/**
 * SQLite says only "unable to open database file" when a WAL database sits on a read-only disk or
 * in a folder it may not write (it cannot make the -wal and -shm files beside it): ask the disk.
 */
function cannotWrite(code: string, file: string): boolean {
  if (code !== 'SQLITE_CANTOPEN' || file === ':memory:') return false;
  const writable = (p: string) => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT';
    }
  };
  return !writable(file) || !writable(path.dirname(path.resolve(file)));
}

export function describeStoreError(err: unknown, file: string): StoreError {
  const code = (err as { code?: string }).code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(msg))
    return new StoreError(
      `database ${file} is corrupt or not a SQLite file; move it aside and restart`,
      'corrupt',
    );
  if (code.startsWith('SQLITE_READONLY') || /readonly|read-only|EROFS/i.test(msg) || cannotWrite(code, file))
    return new StoreError(
      `database ${file} is read-only; give the bot write access to it and its folder`,
      'read-only',
    );
  if (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED')
    return new StoreError(
      `database ${file} is locked by another process; is another caisi-watch running?`,
      'locked',
    );
  if (code === 'SQLITE_FULL' || /disk is full|ENOSPC/i.test(msg))
    return new StoreError(`database ${file}: the disk is full`, 'disk-full');
  return new StoreError(`cannot open database ${file}: ${msg}`, 'cannot-open');
}

export class SqliteDb {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    db: Database.Database,
    readonly file: string,
  ) {
    this.db = db;
  }

  /** Open (creating if needed) and migrate. Throws StoreError with one clear sentence. */
  static open(file: string, opts: { busyTimeoutMs?: number } = {}): SqliteDb {
    if (file !== ':memory:') {
      try {
        mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      } catch (err) {
        throw describeStoreError(err, file);
      }
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: opts.busyTimeoutMs ?? 2000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const store = new SqliteDb(db, file);
      store.migrate();
      // A cheap read of every table proves the file is sound before the bot relies on it.
      const check = db.pragma('quick_check(1)', { simple: true });
      if (check !== 'ok')
        throw new StoreError(
          `database ${file} is corrupt (${String(check).split('\n').pop()?.slice(0, 120)}); move it aside and restart`,
          'corrupt',
        );
      // Prove it can be written now, not at the first poll: SQLite quietly opens a file it may not
      // write read-only, and a lock held by another process only shows when writing.
      db.pragma(`user_version = ${MIGRATIONS.length}`);
      return store;
    } catch (err) {
      db?.close();
      if (err instanceof StoreError) throw err;
      throw describeStoreError(err, file);
    }
  }

  private migrate(): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > MIGRATIONS.length)
      throw new StoreError(
        `database ${this.file} was written by a newer caisi-watch (schema ${version}); upgrade the bot`,
        'too-new',
      );
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v] as string);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /**
   * A prepared statement, compiled once per SQL text and reused: preparing costs more than running
   * most of these queries, and a poll runs some of them for every item of every feed.
   */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  /** An in-memory copy of this database as it is now (SQLite only: tests simulate a crash with it). */
  copyInMemory(): SqliteDb {
    const image = this.db.serialize();
    // Bytes 18–19 of the header say "WAL"; an in-memory copy has no WAL file, so mark it as a
    // rollback-journal database or SQLite refuses to open it.
    image[18] = 1;
    image[19] = 1;
    const db = new Database(image);
    db.pragma('foreign_keys = ON');
    return new SqliteDb(db, ':memory:');
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- feeds ----

  /**
   * Make the configured feed list current: new URLs are added, config feeds no longer listed are
   * disabled (kept, with their history), feeds added from Slack are left alone.
   */
  syncConfigFeeds(urls: string[], now: string): void {
    const wanted = new Set(urls);
    this.tx(() => {
      const insert = this.stmt(
        `INSERT INTO feeds (url, origin, added_at) VALUES (?, 'config', ?)
         ON CONFLICT(url) DO UPDATE SET enabled = CASE WHEN origin = 'config' AND disabled_reason = 'removed from config' THEN 1 ELSE enabled END,
           disabled_reason = CASE WHEN disabled_reason = 'removed from config' THEN NULL ELSE disabled_reason END`,
      );
      for (const url of wanted) insert.run(url, now);
      for (const f of this.listFeeds())
        if (f.origin === 'config' && f.enabled && !wanted.has(f.url))
          this.stmt(`UPDATE feeds SET enabled = 0, disabled_reason = 'removed from config' WHERE id = ?`).run(
            f.id,
          );
    });
  }

  addFeed(url: string, addedBy: string, now: string): { feed: FeedRow; created: boolean } {
    const existing = this.feedByUrl(url);
    if (existing) {
      if (!existing.enabled)
        this.stmt(
          'UPDATE feeds SET enabled = 1, disabled_reason = NULL, consecutive_errors = 0 WHERE id = ?',
        ).run(existing.id);
      return { feed: this.feedByUrl(url) as FeedRow, created: false };
    }
    this.stmt(`INSERT INTO feeds (url, origin, added_by, added_at) VALUES (?, 'slack', ?, ?)`).run(
      url,
      addedBy,
      now,
    );
    return { feed: this.feedByUrl(url) as FeedRow, created: true };
  }

  /** Removing a feed disables it (its seen items stay, so re-adding it never re-alerts). */
  removeFeed(id: number): FeedRow | undefined {
    const feed = this.feed(id);
    if (feed) this.stmt(`UPDATE feeds SET enabled = 0, disabled_reason = 'removed' WHERE id = ?`).run(id);
    return feed;
  }

  feed(id: number): FeedRow | undefined {
    const r = this.stmt('SELECT * FROM feeds WHERE id = ?').get(id) as Row | undefined;
    return r ? feedRow(r) : undefined;
  }

  feedByUrl(url: string): FeedRow | undefined {
    const r = this.stmt('SELECT * FROM feeds WHERE url = ?').get(url) as Row | undefined;
    return r ? feedRow(r) : undefined;
  }

  listFeeds(): FeedRow[] {
    return (this.stmt('SELECT * FROM feeds ORDER BY id').all() as Row[]).map(feedRow);
  }

  /** Enabled feeds whose next fetch time has come. */
  dueFeeds(now: string): FeedRow[] {
    return (
      this.stmt(
        'SELECT * FROM feeds WHERE enabled = 1 AND (next_fetch_at IS NULL OR next_fetch_at <= ?) ORDER BY id',
      ).all(now) as Row[]
    ).map(feedRow);
  }

  recordFetchSuccess(
    id: number,
    r: {
      now: string;
      etag?: string | null;
      lastModified?: string | null;
      title?: string | null;
      nextFetchAt: string | null;
      newUrl?: string | null;
    },
  ): void {
    this.stmt(
      `UPDATE feeds SET last_fetch_at = @now, last_success_at = @now, consecutive_errors = 0,
           etag = COALESCE(@etag, etag), last_modified = COALESCE(@lastModified, last_modified),
           title = COALESCE(@title, title), next_fetch_at = @nextFetchAt,
           first_polled_at = COALESCE(first_polled_at, @now) WHERE id = @id`,
    ).run({
      id,
      now: r.now,
      etag: r.etag ?? null,
      lastModified: r.lastModified ?? null,
      title: r.title ?? null,
      nextFetchAt: r.nextFetchAt,
    });
    if (r.newUrl && !this.feedByUrl(r.newUrl))
      this.stmt('UPDATE feeds SET url = ? WHERE id = ?').run(r.newUrl, id);
  }

  recordFetchSuccessMany(rows: (Parameters<SqliteDb['recordFetchSuccess']>[1] & { id: number })[]): void {
    for (const { id, ...r } of rows) this.recordFetchSuccess(id, r);
  }

  recordFetchError(
    id: number,
    r: { now: string; code: string; message: string; nextFetchAt: string | null; disable?: string | null },
  ): void {
    this.stmt(
      `UPDATE feeds SET last_fetch_at = @now, last_error_at = @now, last_error_code = @code, last_error = @message,
           consecutive_errors = consecutive_errors + 1, next_fetch_at = @nextFetchAt,
           enabled = CASE WHEN @disable IS NULL THEN enabled ELSE 0 END,
           disabled_reason = COALESCE(@disable, disabled_reason) WHERE id = @id`,
    ).run({
      id,
      now: r.now,
      code: r.code,
      message: r.message,
      nextFetchAt: r.nextFetchAt,
      disable: r.disable ?? null,
    });
  }

  // ---- seen items ----

  /**
   * Has this item been seen in this feed? By id, or (for a guid that changed) by the same
   * normalised title and link.
   */
  isSeen(feedId: number, itemId: string, titleKey: string, link: string | null): boolean {
    if (this.stmt('SELECT 1 FROM items WHERE feed_id = ? AND item_id = ?').get(feedId, itemId)) return true;
    if (!link || !titleKey) return false;
    return !!this.stmt('SELECT 1 FROM items WHERE feed_id = ? AND title_key = ? AND link = ?').get(
      feedId,
      titleKey,
      link,
    );
  }

  markSeen(
    feedId: number,
    item: {
      id: string;
      titleKey: string;
      link: string | null;
      title: string;
      published: string | null;
      ident?: string | null;
    },
    r: { now: string; alert: boolean; storyId: number | null },
  ): void {
    this.stmt(
      `INSERT OR IGNORE INTO items (feed_id, item_id, title_key, link, title, published, first_seen_at, alert, story_id, last_seen_at, ident)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      feedId,
      item.id,
      item.titleKey,
      item.link,
      item.title,
      item.published,
      r.now,
      r.alert ? 1 : 0,
      r.storyId,
      r.now,
      item.ident ?? null,
    );
  }

  seenIndex(feedIds: number[], idents: string[]) {
    const items: { feedId: number; itemId: string; titleKey: string; link: string | null }[] = [];
    const byFeed = this.stmt('SELECT item_id, title_key, link FROM items WHERE feed_id = ?');
    for (const feedId of new Set(feedIds))
      for (const r of byFeed.all(feedId) as Row[])
        items.push({ feedId, itemId: String(r.item_id), titleKey: String(r.title_key), link: str(r.link) });
    const found: { ident: string; feedId: number; itemId: string; storyId: number | null }[] = [];
    const byIdent = this.stmt(
      'SELECT feed_id, item_id, story_id FROM items WHERE ident = ? ORDER BY feed_id, item_id',
    );
    for (const ident of new Set(idents))
      for (const r of byIdent.all(ident) as Row[])
        found.push({
          ident,
          feedId: Number(r.feed_id),
          itemId: String(r.item_id),
          storyId: r.story_id == null ? null : Number(r.story_id),
        });
    return { items, idents: found };
  }

  markSeenMany(
    marks: {
      feedId: number;
      item: Parameters<SqliteDb['markSeen']>[1];
      r: Parameters<SqliteDb['markSeen']>[2];
    }[],
  ): void {
    // A first cold poll of 25,000 items spent 40% less on these inserts in key order.
    for (const m of inKeyOrder(marks)) this.markSeen(m.feedId, m.item, m.r);
  }

  touchSeenMany(
    byId: { feedId: number; itemId: string }[],
    byTitle: { feedId: number; titleKey: string; link: string }[],
    now: string,
  ): void {
    const a = this.stmt('UPDATE items SET last_seen_at = ? WHERE feed_id = ? AND item_id = ?');
    for (const t of byId) a.run(now, t.feedId, t.itemId);
    const b = this.stmt('UPDATE items SET last_seen_at = ? WHERE feed_id = ? AND title_key = ? AND link = ?');
    for (const t of byTitle) b.run(now, t.feedId, t.titleKey, t.link);
  }

  /**
   * The same article already seen through another feed (same identity: an aggregator's guid, or the
   * canonical link), with the story it went to, if any.
   */
  seenElsewhere(feedId: number, ident: string): { storyId: number | null } | undefined {
    const r = this.stmt('SELECT story_id FROM items WHERE ident = ? AND feed_id <> ? LIMIT 1').get(
      ident,
      feedId,
    ) as Row | undefined;
    return r ? { storyId: r.story_id == null ? null : Number(r.story_id) } : undefined;
  }

  /**
   * Headlines of the alerting items first seen at or after `since`: what story clustering learns
   * word rarity from (how common a word is among the news the bot alerts on).
   */
  recentTitles(since: string): string[] {
    return (
      this.stmt('SELECT title FROM items WHERE first_seen_at >= ? AND alert = 1')
        .raw()
        .all(since) as unknown[][]
    ).map((r) => String(r[0]));
  }

  /**
   * A seen item is still listed by its feed: keep it past retention, so a feed that lists an item for
   * longer than the retention period never makes it new again.
   */
  touchSeen(feedId: number, itemId: string, titleKey: string, link: string | null, now: string): void {
    const byId = this.stmt('UPDATE items SET last_seen_at = ? WHERE feed_id = ? AND item_id = ?').run(
      now,
      feedId,
      itemId,
    );
    if (byId.changes === 0 && link && titleKey)
      this.stmt('UPDATE items SET last_seen_at = ? WHERE feed_id = ? AND title_key = ? AND link = ?').run(
        now,
        feedId,
        titleKey,
        link,
      );
  }

  countItems(): number {
    return Number((this.stmt('SELECT count(*) n FROM items').get() as Row).n);
  }

  /**
   * Drop seen items that no feed has listed since `olderThan` (the retention period); stories, roster
   * and audit log are kept.
   */
  pruneItems(olderThan: string): number {
    return this.stmt('DELETE FROM items WHERE last_seen_at < ?').run(olderThan).changes;
  }

  // ---- stories ----

  /** `eventAt` is when the news happened (publication date, never later than now). */
  createStory(s: NewStory, now: string, eventAt: string = now): StoryRow {
    const id = this.tx(() => {
      const info = this.stmt(
        `INSERT INTO stories (title, labs, programs, terms, summary, first_seen_at, last_seen_at, published)
           VALUES (?, ?, ?, '[]', ?, ?, ?, ?)`,
      ).run(
        s.title,
        JSON.stringify(s.labs),
        JSON.stringify(s.programs),
        s.summary,
        now,
        eventAt,
        s.published,
      );
      const storyId = Number(info.lastInsertRowid);
      this.insertSource(storyId, s.source, now);
      return storyId;
    });
    return this.story(id) as StoryRow;
  }

  /**
   * addSource, then the story as it now is. `known` (the same story as read or returned earlier in
   * this transaction) spares reading all its sources again, which for a story many outlets covered
   * made every further source cost more than the last: the new source is the latest one (added
   * `now`, inserted last), so it is appended. Read in full without `known`, or when a source was
   * added after `now` (a clock set back).
   */
  addSourceAndGet(
    storyId: number,
    source: NewSource,
    merge: { labs: string[]; programs: string[] },
    now: string,
    eventAt: string = now,
    known?: StoryRow,
  ): StoryRow | undefined {
    return this.tx(() => {
      const added = this.addSource(storyId, source, merge, now, eventAt);
      if (!known || known.id !== storyId || known.sources.some((x) => x.addedAt > now))
        return this.story(storyId);
      if (!added) return known;
      const r = this.stmt('SELECT labs, programs, last_seen_at FROM stories WHERE id = ?').get(
        storyId,
      ) as Row;
      const { feedId, itemId, outlet, title, link, published } = source;
      return {
        ...known,
        labs: json<string[]>(r.labs, []),
        programs: json<string[]>(r.programs, []),
        lastSeenAt: String(r.last_seen_at),
        sources: [...known.sources, { feedId, itemId, outlet, title, link, published, addedAt: now }],
      };
    });
  }

  /** Add another outlet's item to a story; merges its labs and programs. Returns false if already there. */
  addSource(
    storyId: number,
    source: NewSource,
    merge: { labs: string[]; programs: string[] },
    now: string,
    eventAt: string = now,
  ): boolean {
    return this.tx(() => {
      // Only what is merged: a story's sources can be many, and are not needed here.
      const r = this.stmt('SELECT labs, programs FROM stories WHERE id = ?').get(storyId) as Row | undefined;
      if (!r) return false;
      if (!this.insertSource(storyId, source, now)) return false;
      const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];
      this.stmt(
        'UPDATE stories SET labs = ?, programs = ?, last_seen_at = max(last_seen_at, ?) WHERE id = ?',
      ).run(
        JSON.stringify(union(json<string[]>(r.labs, []), merge.labs)),
        JSON.stringify(union(json<string[]>(r.programs, []), merge.programs)),
        eventAt,
        storyId,
      );
      return true;
    });
  }

  private insertSource(storyId: number, s: NewSource, now: string): boolean {
    return (
      this.stmt(
        `INSERT OR IGNORE INTO story_sources (story_id, feed_id, item_id, outlet, title, link, published, added_at, features)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        storyId,
        s.feedId,
        s.itemId,
        s.outlet,
        s.title,
        s.link,
        s.published,
        now,
        s.features === undefined ? null : JSON.stringify(s.features),
      ).changes > 0
    );
  }

  story(id: number): StoryRow | undefined {
    const r = this.stmt('SELECT * FROM stories WHERE id = ?').get(id) as Row | undefined;
    return r ? this.storyRow(r) : undefined;
  }

  /** Stories whose latest news is at or after `since`, newest first: the candidates a new item may join. */
  storiesSince(since: string): StoryRow[] {
    return (
      this.stmt('SELECT * FROM stories WHERE last_seen_at >= ? ORDER BY last_seen_at DESC').all(
        since,
      ) as Row[]
    ).map((r) => this.storyRow(r));
  }

  /**
   * What clustering needs of the stories whose latest news is at or after `since`: entities and each
   * member's features (sources in the order they were added), oldest story first. Two queries, not
   * one per story.
   */
  storyMembersSince(since: string): StoryMembers[] {
    const stories = new Map<number, StoryMembers>();
    for (const r of this.stmt(
      'SELECT id, labs, programs, first_seen_at, last_seen_at FROM stories WHERE last_seen_at >= ? ORDER BY id',
    ).all(since) as Row[]) {
      stories.set(Number(r.id), {
        id: Number(r.id),
        labs: json(r.labs, []),
        programs: json(r.programs, []),
        firstSeenAt: String(r.first_seen_at),
        lastSeenAt: String(r.last_seen_at),
        members: [],
      });
    }
    if (stories.size === 0) return [];
    for (const s of this.stmt(
      `SELECT ss.story_id, ss.feed_id, ss.item_id, ss.outlet, ss.title, ss.published, ss.added_at, ss.features
         FROM story_sources ss JOIN stories st ON st.id = ss.story_id
        WHERE st.last_seen_at >= ? ORDER BY ss.story_id, ss.added_at, ss.rowid`,
    ).all(since) as Row[]) {
      stories.get(Number(s.story_id))?.members.push(memberRow(s));
    }
    return [...stories.values()];
  }

  /** Latest stories, optionally only those naming a lab or program id. */
  latestStories(limit: number, entity?: string): StoryRow[] {
    const rows = entity
      ? (this.stmt(
          `SELECT * FROM stories WHERE EXISTS (SELECT 1 FROM json_each(stories.labs) WHERE value = @e)
               OR EXISTS (SELECT 1 FROM json_each(stories.programs) WHERE value = @e)
             ORDER BY first_seen_at DESC, id DESC LIMIT @limit`,
        ).all({ e: entity, limit }) as Row[])
      : (this.stmt('SELECT * FROM stories ORDER BY first_seen_at DESC, id DESC LIMIT ?').all(limit) as Row[]);
    return rows.map((r) => this.storyRow(r));
  }

  storiesBetween(from: string, to: string): StoryRow[] {
    return (
      this.stmt(
        'SELECT * FROM stories WHERE first_seen_at >= ? AND first_seen_at < ? ORDER BY first_seen_at',
      ).all(from, to) as Row[]
    ).map((r) => this.storyRow(r));
  }

  private storyRow(r: Row): StoryRow {
    const sources = (
      this.stmt('SELECT * FROM story_sources WHERE story_id = ? ORDER BY added_at, rowid').all(
        Number(r.id),
      ) as Row[]
    ).map(sourceRow);
    return {
      id: Number(r.id),
      title: String(r.title),
      labs: json(r.labs, []),
      programs: json(r.programs, []),
      summary: String(r.summary),
      firstSeenAt: String(r.first_seen_at),
      lastSeenAt: String(r.last_seen_at),
      published: str(r.published),
      sources,
    };
  }

  // ---- outbox ----

  /** Queue a delivery once: a second enqueue with the same key is ignored. */
  enqueue(
    d: {
      key: string;
      kind: DeliveryKind;
      storyId: number | null;
      channel: string;
      payload: Record<string, unknown>;
    },
    now: string,
  ): boolean {
    return (
      this.stmt(
        `INSERT OR IGNORE INTO outbox (delivery_key, kind, story_id, channel, payload, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(d.key, d.kind, d.storyId, d.channel, JSON.stringify(d.payload), now, now).changes > 0
    );
  }

  delivery(id: number): OutboxRow | undefined {
    const r = this.stmt('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return r ? outboxRow(r) : undefined;
  }

  claimDelivery(id: number): OutboxRow | undefined {
    const r = this.stmt(`SELECT * FROM outbox WHERE id = ? AND state = 'pending'`).get(id) as Row | undefined;
    return r ? outboxRow(r) : undefined;
  }

  /** Pending deliveries whose time has come, oldest first. */
  dueDeliveries(now: string, limit = 100): OutboxRow[] {
    return (
      this.stmt(
        `SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
      ).all(now, limit) as Row[]
    ).map(outboxRow);
  }

  /** Deliveries left in 'sending' by a crash: they may or may not have reached Slack. */
  inDoubtDeliveries(): OutboxRow[] {
    return (this.stmt(`SELECT * FROM outbox WHERE state = 'sending' ORDER BY id`).all() as Row[]).map(
      outboxRow,
    );
  }

  nextDeliveryTime(): string | null {
    const r = this.stmt(`SELECT min(next_attempt_at) t FROM outbox WHERE state = 'pending'`).get() as Row;
    return str(r.t);
  }

  markSending(id: number, now: string): void {
    this.stmt(
      `UPDATE outbox SET state = 'sending', sending_at = ?, attempts = attempts + 1 WHERE id = ?`,
    ).run(now, id);
  }

  markSent(id: number, ts: string | null, now: string): void {
    this.stmt(
      `UPDATE outbox SET state = 'sent', message_ts = COALESCE(?, message_ts), sent_at = ?, last_error = NULL WHERE id = ?`,
    ).run(ts, now, id);
  }

  retryLater(id: number, nextAttemptAt: string, error: string): void {
    this.stmt(`UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?`).run(
      nextAttemptAt,
      error,
      id,
    );
  }

  /** Merge fields into a delivery's payload (e.g. `fallback`, `inDoubt`). */
  patchPayload(id: number, patch: Record<string, unknown>): void {
    const row = this.delivery(id);
    if (row)
      this.stmt('UPDATE outbox SET payload = ? WHERE id = ?').run(
        JSON.stringify({ ...row.payload, ...patch }),
        id,
      );
  }

  park(id: number, error: string): void {
    this.stmt(`UPDATE outbox SET state = 'parked', last_error = ? WHERE id = ?`).run(error, id);
  }

  /** Put parked deliveries for a channel back in the queue (e.g. after the bot was invited). */
  unpark(channel: string | null, now: string): number {
    return this.stmt(
      `UPDATE outbox SET state = 'pending', next_attempt_at = ? WHERE state = 'parked' AND (? IS NULL OR channel = ?)`,
    ).run(now, channel, channel).changes;
  }

  /** Put parked deliveries whose error starts with `prefix` back in the queue (e.g. a missing scope, at start). */
  unparkByError(prefix: string, now: string): number {
    return this.stmt(
      `UPDATE outbox SET state = 'pending', next_attempt_at = ? WHERE state = 'parked' AND substr(last_error, 1, length(?)) = ?`,
    ).run(now, prefix, prefix).changes;
  }

  parkedDeliveries(): OutboxRow[] {
    return (this.stmt(`SELECT * FROM outbox WHERE state = 'parked' ORDER BY id`).all() as Row[]).map(
      outboxRow,
    );
  }

  outboxDepth(): number {
    return Number(
      (this.stmt(`SELECT count(*) n FROM outbox WHERE state IN ('pending','sending')`).get() as Row).n,
    );
  }

  /** The posted alert for a story in a channel, if it has been sent. */
  sentAlert(storyId: number, channel: string): OutboxRow | undefined {
    const r = this.stmt(
      `SELECT * FROM outbox WHERE story_id = ? AND channel = ? AND kind = 'alert' ORDER BY id LIMIT 1`,
    ).get(storyId, channel) as Row | undefined;
    return r ? outboxRow(r) : undefined;
  }

  deliveriesForStory(storyId: number): OutboxRow[] {
    return (this.stmt('SELECT * FROM outbox WHERE story_id = ? ORDER BY id').all(storyId) as Row[]).map(
      outboxRow,
    );
  }

  // ---- subscriptions ----

  subscribe(s: Omit<Subscription, 'createdAt'>, now: string): void {
    this.stmt(
      `INSERT INTO subscriptions (channel, target, mode, created_by, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(channel, target) DO UPDATE SET mode = excluded.mode`,
    ).run(s.channel, s.target, s.mode, s.createdBy, now);
  }

  unsubscribe(channel: string, target: string): boolean {
    return (
      this.stmt('DELETE FROM subscriptions WHERE channel = ? AND target = ?').run(channel, target).changes > 0
    );
  }

  subscriptions(channel?: string): Subscription[] {
    const rows = (
      channel
        ? this.stmt('SELECT * FROM subscriptions WHERE channel = ? ORDER BY target').all(channel)
        : this.stmt('SELECT * FROM subscriptions ORDER BY channel, target').all()
    ) as Row[];
    return rows.map(subscriptionRow);
  }

  // ---- roster edits and audit ----

  rosterEdits(): RosterEdit[] {
    return (this.stmt('SELECT * FROM roster_edits ORDER BY set_at').all() as Row[]).map(rosterEditRow);
  }

  /** Write a roster edit and its audit entry together, or neither. */
  setMembership(edit: RosterEdit, oldStatus: string | null, action: string): void {
    this.tx(() => {
      this.stmt(
        `INSERT INTO roster_edits (lab, program, status, since, source_url, source_title, set_by, set_at)
           VALUES (@lab, @program, @status, @since, @sourceUrl, @sourceTitle, @setBy, @setAt)
           ON CONFLICT(lab, program) DO UPDATE SET status = excluded.status, since = excluded.since,
             source_url = excluded.source_url, source_title = excluded.source_title, set_by = excluded.set_by, set_at = excluded.set_at`,
      ).run(edit);
      this.audit({
        at: edit.setAt,
        actor: edit.setBy,
        action,
        lab: edit.lab,
        program: edit.program,
        oldStatus,
        newStatus: edit.status,
        source: edit.sourceUrl ?? edit.sourceTitle,
        detail: edit.since ? `since ${edit.since}` : null,
      });
    });
  }

  audit(e: Omit<AuditEntry, 'id'>): void {
    this.stmt(
      `INSERT INTO audit_log (at, actor, action, lab, program, old_status, new_status, source, detail)
         VALUES (@at, @actor, @action, @lab, @program, @oldStatus, @newStatus, @source, @detail)`,
    ).run(e);
  }

  auditLog(lab?: string): AuditEntry[] {
    const rows = (
      lab
        ? this.stmt('SELECT * FROM audit_log WHERE lab = ? ORDER BY id').all(lab)
        : this.stmt('SELECT * FROM audit_log ORDER BY id').all()
    ) as Row[];
    return rows.map(auditRow);
  }

  // ---- proposed roster changes ----

  createProposal(p: Omit<Proposal, 'id' | 'state' | 'decidedBy' | 'decidedAt'>): Proposal {
    const info = this.stmt(
      `INSERT INTO proposals (story_id, lab, program, status, evidence, source_title, source_url, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(p.storyId, p.lab, p.program, p.status, p.evidence, p.sourceTitle, p.sourceUrl, p.createdAt);
    return this.proposal(Number(info.lastInsertRowid)) as Proposal;
  }

  proposal(id: number): Proposal | undefined {
    const r = this.stmt('SELECT * FROM proposals WHERE id = ?').get(id) as Row | undefined;
    return r ? proposalRow(r) : undefined;
  }

  proposalsForStory(storyId: number): Proposal[] {
    return (this.stmt('SELECT * FROM proposals WHERE story_id = ? ORDER BY id').all(storyId) as Row[]).map(
      proposalRow,
    );
  }

  /** Close an open proposal; false when it was already decided (a second click changes nothing). */
  decideProposal(id: number, state: 'confirmed' | 'dismissed', by: string, now: string): boolean {
    return (
      this.stmt(
        `UPDATE proposals SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'open'`,
      ).run(state, by, now, id).changes > 0
    );
  }

  storiesProposing(change: { lab: string; program: string; status: string }): Set<number> {
    return new Set(
      (
        this.stmt('SELECT DISTINCT story_id FROM proposals WHERE lab = ? AND program = ? AND status = ?')
          .raw()
          .all(change.lab, change.program, change.status) as unknown[][]
      ).map((r) => Number(r[0])),
    );
  }

  // ---- digests ----

  /** Claim a channel's digest for a day; false when it was already claimed. */
  claimDigest(channel: string, day: string, now: string): boolean {
    return (
      this.stmt('INSERT OR IGNORE INTO digests (channel, day, sent_at) VALUES (?, ?, ?)').run(
        channel,
        day,
        now,
      ).changes > 0
    );
  }

  // ---- the leader lease ----

  acquireLease(name: string, holder: string, nowMs: number, ttlMs: number): number | null {
    const r = this.stmt(
      `INSERT INTO leases (name, holder, token, expires_at) VALUES (@name, @holder, 1, @until)
       ON CONFLICT(name) DO UPDATE SET
         token = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > @now THEN leases.token ELSE leases.token + 1 END,
         holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= @now
       RETURNING token`,
    ).get({ name, holder, now: nowMs, until: nowMs + ttlMs }) as Row | undefined;
    return r ? Number(r.token) : null;
  }

  holdsLease(name: string, holder: string, token: number, nowMs: number): boolean {
    return !!this.stmt(
      'SELECT 1 FROM leases WHERE name = ? AND holder = ? AND token = ? AND expires_at > ?',
    ).get(name, holder, token, nowMs);
  }

  releaseLease(name: string, holder: string): void {
    this.stmt('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?').run(name, holder);
  }

  // ---- whole tables ----

  tableRows(table: TableName): Record<string, unknown>[] {
    const keys = (this.db.pragma(`table_info("${table}")`) as { name: string; pk: number }[])
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => `"${c.name}"`);
    // The order rows were written in (story sources are listed in it); items have no rowid.
    const order = table === 'items' ? keys.join(', ') : 'rowid';
    return this.db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).all() as Record<string, unknown>[];
  }

  importRows(table: TableName, rows: Record<string, unknown>[]): number {
    if (rows.length === 0) return 0;
    const cols = Object.keys(rows[0] as object);
    const insert = this.db.prepare(
      `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
    );
    return this.tx(() => {
      for (const r of rows) insert.run(...cols.map((c) => r[c] ?? null));
      return rows.length;
    });
  }

  countRows(table: TableName): number {
    return Number((this.db.prepare(`SELECT count(*) n FROM "${table}"`).get() as Row).n);
  }
}
