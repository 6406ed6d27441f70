/**
 * The Postgres backend behind the Store interface, for several replicas on one database. A
 * transaction holds one pooled connection from BEGIN to COMMIT; calls made inside it (found by
 * AsyncLocalStorage, whichever handle they use) run on that connection, and a nested `tx` is a
 * savepoint. Postgres's error codes become StoreError here, and nowhere else.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
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
import type {
  FetchFailure,
  FetchSuccess,
  NewDelivery,
  NewSource,
  NewStory,
  SeenItem,
  Store,
  StoryMembers,
  TableName,
} from '../store.js';
import { Rollback, rolledBack } from '../store.js';
import { StoreError } from '../store-error.js';
import type {
  AuditEntry,
  FeedRow,
  OutboxRow,
  Proposal,
  RosterEdit,
  StoryRow,
  Subscription,
} from '../types.js';
import { PG_MIGRATIONS } from './migrations.js';

/** The advisory lock key replicas take while migrating (any constant; "caisi" in ASCII). */
const MIGRATION_LOCK = 0x6361697369;

/** Thrown through a dry run's transaction to roll it back; never seen outside. */
type Queryable = Pick<pg.PoolClient, 'query'>;

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Turn Postgres's and the network's error codes into one sentence an operator can act on. */
export function describePgError(err: unknown, where: string): StoreError | null {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const msg = err instanceof Error ? err.message : String(err);
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)$/.test(code))
    return new StoreError(`cannot reach Postgres at ${where} (${code}); is it running?`, 'cannot-open');
  if (code === '28P01' || code === '28000')
    return new StoreError(`Postgres at ${where} refused the login (${msg})`, 'cannot-open');
  if (code === '3D000') return new StoreError(`Postgres at ${where}: ${msg}`, 'cannot-open');
  if (code === '53100') return new StoreError(`Postgres at ${where}: the disk is full`, 'disk-full');
  if (code === '25006') return new StoreError(`Postgres at ${where} is read-only (a standby?)`, 'read-only');
  if (code === '55P03' || code === '40P01')
    return new StoreError(`Postgres at ${where}: a lock is held by another session (${msg})`, 'locked');
  if (/^(08|57P)/.test(code))
    return new StoreError(`Postgres at ${where}: connection lost (${msg})`, 'cannot-open');
  return null;
}

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  private readonly inTx = new AsyncLocalStorage<{ client: pg.PoolClient; savepoints: number }>();

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {}

  /** Connect and migrate (under an advisory lock, so replicas starting together migrate once). */
  static async open(url: string, opts: { max?: number } = {}): Promise<PostgresStore> {
    const location = redactUrl(url);
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 10_000 });
    // An idle connection the server dropped must not crash the process.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, location);
    try {
      await store.migrate();
      return store;
    } catch (err) {
      await pool.end().catch(() => {});
      throw store.mapError(err);
    }
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
        );
        const r = await client.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
        const version = Number(r.rows[0]?.v ?? 0);
        if (version > PG_MIGRATIONS.length)
          throw new StoreError(
            `database ${this.location} was written by a newer caisi-watch (schema ${version}); upgrade the bot`,
            'too-new',
          );
        for (let v = version; v < PG_MIGRATIONS.length; v++) {
          await client.query('BEGIN');
          try {
            await client.query(PG_MIGRATIONS[v] as string);
            await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
              v + 1,
              new Date().toISOString(),
            ]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK');
            throw err;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  mapError(err: unknown): unknown {
    if (err instanceof StoreError || err instanceof Rollback) return err;
    return describePgError(err, this.location) ?? err;
  }

  private get conn(): Queryable {
    return this.inTx.getStore()?.client ?? this.pool;
  }

  private async q(sql: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
    try {
      return await this.conn.query<Row>(sql, params);
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.q(sql, params)).rows;
  }

  private async one(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    return (await this.q(sql, params)).rows[0];
  }

  private async changes(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.q(sql, params)).rowCount ?? 0;
  }

  async tx<T>(fn: (t: Store) => Promise<T>): Promise<T> {
    const current = this.inTx.getStore();
    if (current) {
      const name = `sp${++current.savepoints}`;
      await this.q(`SAVEPOINT ${name}`);
      try {
        const result = await fn(this);
        await this.q(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await this.q(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.q(`RELEASE SAVEPOINT ${name}`);
        throw this.mapError(err);
      }
    }
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.mapError(err);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await this.inTx.run({ client, savepoints: 0 }, () => fn(this));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw this.mapError(err);
    } finally {
      client.release(broken);
    }
  }

  /**
   * For this store's own multi-statement writes: a transaction of their own when called alone;
   * inside a caller's transaction, simply part of it (its rollback covers them), which spares
   * two round trips per call for a savepoint nobody rolls back to.
   */
  private atomic<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTx.getStore() ? fn() : this.tx(fn);
  }

  dryRun<T>(fn: (t: Store) => Promise<T>): Promise<T> {
    return rolledBack((f) => this.tx(f), fn);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Run raw SQL (tests and the leader lease); not part of the Store interface. */
  async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.rows(sql, params);
  }

  // ---- feeds ----

  async syncConfigFeeds(urls: string[], now: string): Promise<void> {
    const wanted = new Set(urls);
    await this.atomic(async () => {
      for (const url of wanted)
        await this.q(
          `INSERT INTO feeds (url, origin, added_at) VALUES ($1, 'config', $2)
           ON CONFLICT (url) DO UPDATE SET enabled = CASE WHEN feeds.origin = 'config' AND feeds.disabled_reason = 'removed from config' THEN 1 ELSE feeds.enabled END,
             disabled_reason = CASE WHEN feeds.disabled_reason = 'removed from config' THEN NULL ELSE feeds.disabled_reason END`,
          [url, now],
        );
      for (const f of await this.listFeeds())
        if (f.origin === 'config' && f.enabled && !wanted.has(f.url))
          await this.q(
            `UPDATE feeds SET enabled = 0, disabled_reason = 'removed from config' WHERE id = $1`,
            [f.id],
          );
    });
  }

  async addFeed(url: string, addedBy: string, now: string): Promise<{ feed: FeedRow; created: boolean }> {
    const existing = await this.feedByUrl(url);
    if (existing) {
      if (!existing.enabled)
        await this.q(
          'UPDATE feeds SET enabled = 1, disabled_reason = NULL, consecutive_errors = 0 WHERE id = $1',
          [existing.id],
        );
      return { feed: (await this.feedByUrl(url)) as FeedRow, created: false };
    }
    const inserted = await this.changes(
      `INSERT INTO feeds (url, origin, added_by, added_at) VALUES ($1, 'slack', $2, $3) ON CONFLICT (url) DO NOTHING`,
      [url, addedBy, now],
    );
    return { feed: (await this.feedByUrl(url)) as FeedRow, created: inserted > 0 };
  }

  async removeFeed(id: number): Promise<FeedRow | undefined> {
    const feed = await this.feed(id);
    if (feed) await this.q(`UPDATE feeds SET enabled = 0, disabled_reason = 'removed' WHERE id = $1`, [id]);
    return feed;
  }

  async feed(id: number): Promise<FeedRow | undefined> {
    const r = await this.one('SELECT * FROM feeds WHERE id = $1', [id]);
    return r ? feedRow(r) : undefined;
  }

  async feedByUrl(url: string): Promise<FeedRow | undefined> {
    const r = await this.one('SELECT * FROM feeds WHERE url = $1', [url]);
    return r ? feedRow(r) : undefined;
  }

  async listFeeds(): Promise<FeedRow[]> {
    return (await this.rows('SELECT * FROM feeds ORDER BY id')).map(feedRow);
  }

  async dueFeeds(now: string): Promise<FeedRow[]> {
    return (
      await this.rows(
        'SELECT * FROM feeds WHERE enabled = 1 AND (next_fetch_at IS NULL OR next_fetch_at <= $1) ORDER BY id',
        [now],
      )
    ).map(feedRow);
  }

  async recordFetchSuccess(id: number, r: FetchSuccess): Promise<void> {
    await this.q(
      `UPDATE feeds SET last_fetch_at = $2, last_success_at = $2, consecutive_errors = 0,
         etag = COALESCE($3, etag), last_modified = COALESCE($4, last_modified),
         title = COALESCE($5, title), next_fetch_at = $6,
         first_polled_at = COALESCE(first_polled_at, $2) WHERE id = $1`,
      [id, r.now, r.etag ?? null, r.lastModified ?? null, r.title ?? null, r.nextFetchAt],
    );
    if (r.newUrl && !(await this.feedByUrl(r.newUrl)))
      await this.q('UPDATE feeds SET url = $1 WHERE id = $2', [r.newUrl, id]);
  }

  async recordFetchSuccessMany(rows: (FetchSuccess & { id: number })[]): Promise<void> {
    const simple = rows.filter((r) => !r.newUrl);
    if (simple.length)
      await this.q(
        `UPDATE feeds SET last_fetch_at = u.n, last_success_at = u.n, consecutive_errors = 0,
           etag = COALESCE(u.e, feeds.etag), last_modified = COALESCE(u.m, feeds.last_modified),
           title = COALESCE(u.t, feeds.title), next_fetch_at = u.x,
           first_polled_at = COALESCE(feeds.first_polled_at, u.n)
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(i, n, e, m, t, x)
         WHERE feeds.id = u.i`,
        [
          simple.map((r) => r.id),
          simple.map((r) => r.now),
          simple.map((r) => r.etag ?? null),
          simple.map((r) => r.lastModified ?? null),
          simple.map((r) => r.title ?? null),
          simple.map((r) => r.nextFetchAt),
        ],
      );
    for (const r of rows) if (r.newUrl) await this.recordFetchSuccess(r.id, r);
  }

  async recordFetchError(id: number, r: FetchFailure): Promise<void> {
    await this.q(
      `UPDATE feeds SET last_fetch_at = $2, last_error_at = $2, last_error_code = $3, last_error = $4,
         consecutive_errors = consecutive_errors + 1, next_fetch_at = $5,
         enabled = CASE WHEN $6::text IS NULL THEN enabled ELSE 0 END,
         disabled_reason = COALESCE($6::text, disabled_reason) WHERE id = $1`,
      [id, r.now, r.code, r.message, r.nextFetchAt, r.disable ?? null],
    );
  }

  // ---- seen items ----

  async isSeen(feedId: number, itemId: string, titleKey: string, link: string | null): Promise<boolean> {
    if (await this.one('SELECT 1 FROM items WHERE feed_id = $1 AND item_id = $2', [feedId, itemId]))
      return true;
    if (!link || !titleKey) return false;
    return !!(await this.one(
      'SELECT 1 FROM items WHERE feed_id = $1 AND title_key = $2 AND link = $3 LIMIT 1',
      [feedId, titleKey, link],
    ));
  }

  async markSeen(
    feedId: number,
    item: SeenItem,
    r: { now: string; alert: boolean; storyId: number | null },
  ): Promise<void> {
    await this.q(
      `INSERT INTO items (feed_id, item_id, title_key, link, title, published, first_seen_at, alert, story_id, last_seen_at, ident)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $10) ON CONFLICT DO NOTHING`,
      [
        feedId,
        item.id,
        item.titleKey,
        item.link,
        item.title,
        item.published,
        r.now,
        r.alert ? 1 : 0,
        r.storyId,
        item.ident ?? null,
      ],
    );
  }

  async seenElsewhere(feedId: number, ident: string): Promise<{ storyId: number | null } | undefined> {
    const r = await this.one('SELECT story_id FROM items WHERE ident = $1 AND feed_id <> $2 LIMIT 1', [
      ident,
      feedId,
    ]);
    return r ? { storyId: r.story_id == null ? null : Number(r.story_id) } : undefined;
  }

  async seenIndex(feedIds: number[], idents: string[]) {
    const items = (
      await this.rows(
        'SELECT feed_id, item_id, title_key, link FROM items WHERE feed_id = ANY($1::bigint[])',
        [[...new Set(feedIds)]],
      )
    ).map((r) => ({
      feedId: Number(r.feed_id),
      itemId: String(r.item_id),
      titleKey: String(r.title_key),
      link: str(r.link),
    }));
    const found = idents.length
      ? (
          await this.rows(
            'SELECT ident, feed_id, item_id, story_id FROM items WHERE ident = ANY($1::text[]) ORDER BY feed_id, item_id',
            [[...new Set(idents)]],
          )
        ).map((r) => ({
          ident: String(r.ident),
          feedId: Number(r.feed_id),
          itemId: String(r.item_id),
          storyId: r.story_id == null ? null : Number(r.story_id),
        }))
      : [];
    return { items, idents: found };
  }

  async markSeenMany(
    marks: { feedId: number; item: SeenItem; r: { now: string; alert: boolean; storyId: number | null } }[],
  ): Promise<void> {
    // In chunks, each one statement: unnest() turns the columns' arrays back into rows.
    const ordered = inKeyOrder(marks);
    for (let i = 0; i < ordered.length; i += 5000) {
      const chunk = ordered.slice(i, i + 5000);
      await this.q(
        `INSERT INTO items (feed_id, item_id, title_key, link, title, published, first_seen_at, alert, story_id, last_seen_at, ident)
         SELECT f, i, k, l, t, p, n, a, s, n, d FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::text[], $8::int[], $9::bigint[], $10::text[]) AS u(f, i, k, l, t, p, n, a, s, d)
         ON CONFLICT DO NOTHING`,
        [
          chunk.map((m) => m.feedId),
          chunk.map((m) => m.item.id),
          chunk.map((m) => m.item.titleKey),
          chunk.map((m) => m.item.link),
          chunk.map((m) => m.item.title),
          chunk.map((m) => m.item.published),
          chunk.map((m) => m.r.now),
          chunk.map((m) => (m.r.alert ? 1 : 0)),
          chunk.map((m) => m.r.storyId),
          chunk.map((m) => m.item.ident ?? null),
        ],
      );
    }
  }

  async touchSeenMany(
    byId: { feedId: number; itemId: string }[],
    byTitle: { feedId: number; titleKey: string; link: string }[],
    now: string,
  ): Promise<void> {
    if (byId.length)
      await this.q(
        `UPDATE items SET last_seen_at = $3 FROM unnest($1::bigint[], $2::text[]) AS u(f, i)
          WHERE items.feed_id = u.f AND items.item_id = u.i`,
        [byId.map((t) => t.feedId), byId.map((t) => t.itemId), now],
      );
    if (byTitle.length)
      await this.q(
        `UPDATE items SET last_seen_at = $4 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(f, k, l)
          WHERE items.feed_id = u.f AND items.title_key = u.k AND items.link = u.l`,
        [byTitle.map((t) => t.feedId), byTitle.map((t) => t.titleKey), byTitle.map((t) => t.link), now],
      );
  }

  async recentTitles(since: string): Promise<string[]> {
    return (await this.rows('SELECT title FROM items WHERE first_seen_at >= $1 AND alert = 1', [since])).map(
      (r) => String(r.title),
    );
  }

  async touchSeen(
    feedId: number,
    itemId: string,
    titleKey: string,
    link: string | null,
    now: string,
  ): Promise<void> {
    const byId = await this.changes(
      'UPDATE items SET last_seen_at = $1 WHERE feed_id = $2 AND item_id = $3',
      [now, feedId, itemId],
    );
    if (byId === 0 && link && titleKey)
      await this.q('UPDATE items SET last_seen_at = $1 WHERE feed_id = $2 AND title_key = $3 AND link = $4', [
        now,
        feedId,
        titleKey,
        link,
      ]);
  }

  async countItems(): Promise<number> {
    return this.countRows('items');
  }

  async pruneItems(olderThan: string): Promise<number> {
    return this.changes('DELETE FROM items WHERE last_seen_at < $1', [olderThan]);
  }

  // ---- stories ----

  async createStory(s: NewStory, now: string, eventAt: string = now): Promise<StoryRow> {
    const id = await this.atomic(async () => {
      const r = await this.one(
        `INSERT INTO stories (title, labs, programs, terms, summary, first_seen_at, last_seen_at, published)
           VALUES ($1, $2, $3, '[]', $4, $5, $6, $7) RETURNING id`,
        [s.title, JSON.stringify(s.labs), JSON.stringify(s.programs), s.summary, now, eventAt, s.published],
      );
      const storyId = Number(r?.id);
      await this.insertSource(storyId, s.source, now);
      return storyId;
    });
    return (await this.story(id)) as StoryRow;
  }

  private async insertSource(storyId: number, s: NewSource, now: string): Promise<boolean> {
    return (
      (await this.changes(
        `INSERT INTO story_sources (story_id, feed_id, item_id, outlet, title, link, published, added_at, features)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [
          storyId,
          s.feedId,
          s.itemId,
          s.outlet,
          s.title,
          s.link,
          s.published,
          now,
          s.features === undefined ? null : JSON.stringify(s.features),
        ],
      )) > 0
    );
  }

  async addSource(
    storyId: number,
    source: NewSource,
    merge: { labs: string[]; programs: string[] },
    now: string,
    eventAt: string = now,
  ): Promise<boolean> {
    return this.atomic(async () => {
      const r = await this.one('SELECT labs, programs FROM stories WHERE id = $1 FOR UPDATE', [storyId]);
      if (!r) return false;
      if (!(await this.insertSource(storyId, source, now))) return false;
      const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];
      await this.q(
        'UPDATE stories SET labs = $1, programs = $2, last_seen_at = GREATEST(last_seen_at, $3) WHERE id = $4',
        [
          JSON.stringify(union(json<string[]>(r.labs, []), merge.labs)),
          JSON.stringify(union(json<string[]>(r.programs, []), merge.programs)),
          eventAt,
          storyId,
        ],
      );
      return true;
    });
  }

  async addSourceAndGet(
    storyId: number,
    source: NewSource,
    merge: { labs: string[]; programs: string[] },
    now: string,
    eventAt: string = now,
    known?: StoryRow,
  ): Promise<StoryRow | undefined> {
    return this.atomic(async () => {
      const added = await this.addSource(storyId, source, merge, now, eventAt);
      if (!known || known.id !== storyId || known.sources.some((x) => x.addedAt > now))
        return this.story(storyId);
      if (!added) return known;
      const r = (await this.one('SELECT labs, programs, last_seen_at FROM stories WHERE id = $1', [
        storyId,
      ])) as Row;
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

  async story(id: number): Promise<StoryRow | undefined> {
    const r = await this.one('SELECT * FROM stories WHERE id = $1', [id]);
    return r ? (await this.storyRows([r]))[0] : undefined;
  }

  /** Stories with their sources: one query for all the sources, not one per story. */
  private async storyRows(rows: Row[]): Promise<StoryRow[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const sources = new Map<number, ReturnType<typeof sourceRow>[]>(ids.map((id) => [id, []]));
    for (const s of await this.rows(
      'SELECT * FROM story_sources WHERE story_id = ANY($1::bigint[]) ORDER BY story_id, added_at, seq',
      [ids],
    ))
      sources.get(Number(s.story_id))?.push(sourceRow(s));
    return rows.map((r) => ({
      id: Number(r.id),
      title: String(r.title),
      labs: json(r.labs, []),
      programs: json(r.programs, []),
      summary: String(r.summary),
      firstSeenAt: String(r.first_seen_at),
      lastSeenAt: String(r.last_seen_at),
      published: str(r.published),
      sources: sources.get(Number(r.id)) ?? [],
    }));
  }

  async storiesSince(since: string): Promise<StoryRow[]> {
    return this.storyRows(
      await this.rows('SELECT * FROM stories WHERE last_seen_at >= $1 ORDER BY last_seen_at DESC', [since]),
    );
  }

  async storyMembersSince(since: string): Promise<StoryMembers[]> {
    const stories = new Map<number, StoryMembers>();
    for (const r of await this.rows(
      'SELECT id, labs, programs, first_seen_at, last_seen_at FROM stories WHERE last_seen_at >= $1 ORDER BY id',
      [since],
    ))
      stories.set(Number(r.id), {
        id: Number(r.id),
        labs: json(r.labs, []),
        programs: json(r.programs, []),
        firstSeenAt: String(r.first_seen_at),
        lastSeenAt: String(r.last_seen_at),
        members: [],
      });
    if (stories.size === 0) return [];
    for (const s of await this.rows(
      `SELECT ss.story_id, ss.feed_id, ss.item_id, ss.outlet, ss.title, ss.published, ss.added_at, ss.features
         FROM story_sources ss JOIN stories st ON st.id = ss.story_id
        WHERE st.last_seen_at >= $1 ORDER BY ss.story_id, ss.added_at, ss.seq`,
      [since],
    ))
      stories.get(Number(s.story_id))?.members.push(memberRow(s));
    return [...stories.values()];
  }

  async latestStories(limit: number, entity?: string): Promise<StoryRow[]> {
    const rows = entity
      ? await this.rows(
          `SELECT * FROM stories WHERE labs::jsonb ? $1 OR programs::jsonb ? $1
            ORDER BY first_seen_at DESC, id DESC LIMIT $2`,
          [entity, limit],
        )
      : await this.rows('SELECT * FROM stories ORDER BY first_seen_at DESC, id DESC LIMIT $1', [limit]);
    return this.storyRows(rows);
  }

  async storiesBetween(from: string, to: string): Promise<StoryRow[]> {
    return this.storyRows(
      await this.rows(
        'SELECT * FROM stories WHERE first_seen_at >= $1 AND first_seen_at < $2 ORDER BY first_seen_at',
        [from, to],
      ),
    );
  }

  // ---- outbox ----

  async enqueue(d: NewDelivery, now: string): Promise<boolean> {
    return (
      (await this.changes(
        `INSERT INTO outbox (delivery_key, kind, story_id, channel, payload, next_attempt_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING`,
        [d.key, d.kind, d.storyId, d.channel, JSON.stringify(d.payload), now],
      )) > 0
    );
  }

  /** Inside a transaction the row is locked until it ends: see the deliverer's render-and-mark. */
  async delivery(id: number): Promise<OutboxRow | undefined> {
    const lock = this.inTx.getStore() ? ' FOR UPDATE' : '';
    const r = await this.one(`SELECT * FROM outbox WHERE id = $1${lock}`, [id]);
    return r ? outboxRow(r) : undefined;
  }

  async claimDelivery(id: number): Promise<OutboxRow | undefined> {
    const r = await this.one(
      `SELECT * FROM outbox WHERE id = $1 AND state = 'pending' FOR UPDATE SKIP LOCKED`,
      [id],
    );
    return r ? outboxRow(r) : undefined;
  }

  async dueDeliveries(now: string, limit = 100): Promise<OutboxRow[]> {
    return (
      await this.rows(
        `SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2`,
        [now, limit],
      )
    ).map(outboxRow);
  }

  async inDoubtDeliveries(): Promise<OutboxRow[]> {
    return (await this.rows(`SELECT * FROM outbox WHERE state = 'sending' ORDER BY id`)).map(outboxRow);
  }

  async nextDeliveryTime(): Promise<string | null> {
    const r = await this.one(`SELECT min(next_attempt_at) AS t FROM outbox WHERE state = 'pending'`);
    return str(r?.t);
  }

  async markSending(id: number, now: string): Promise<void> {
    await this.q(
      `UPDATE outbox SET state = 'sending', sending_at = $1, attempts = attempts + 1 WHERE id = $2`,
      [now, id],
    );
  }

  async markSent(id: number, ts: string | null, now: string): Promise<void> {
    await this.q(
      `UPDATE outbox SET state = 'sent', message_ts = COALESCE($1, message_ts), sent_at = $2, last_error = NULL WHERE id = $3`,
      [ts, now, id],
    );
  }

  async retryLater(id: number, nextAttemptAt: string, error: string): Promise<void> {
    await this.q(`UPDATE outbox SET state = 'pending', next_attempt_at = $1, last_error = $2 WHERE id = $3`, [
      nextAttemptAt,
      error,
      id,
    ]);
  }

  async patchPayload(id: number, patch: Record<string, unknown>): Promise<void> {
    await this.atomic(async () => {
      const r = await this.one('SELECT payload FROM outbox WHERE id = $1 FOR UPDATE', [id]);
      if (r)
        await this.q('UPDATE outbox SET payload = $1 WHERE id = $2', [
          JSON.stringify({ ...json<Record<string, unknown>>(r.payload, {}), ...patch }),
          id,
        ]);
    });
  }

  async park(id: number, error: string): Promise<void> {
    await this.q(`UPDATE outbox SET state = 'parked', last_error = $1 WHERE id = $2`, [error, id]);
  }

  async unpark(channel: string | null, now: string): Promise<number> {
    return this.changes(
      `UPDATE outbox SET state = 'pending', next_attempt_at = $1 WHERE state = 'parked' AND ($2::text IS NULL OR channel = $2)`,
      [now, channel],
    );
  }

  async unparkByError(prefix: string, now: string): Promise<number> {
    return this.changes(
      `UPDATE outbox SET state = 'pending', next_attempt_at = $1 WHERE state = 'parked' AND left(last_error, length($2::text)) = $2`,
      [now, prefix],
    );
  }

  async parkedDeliveries(): Promise<OutboxRow[]> {
    return (await this.rows(`SELECT * FROM outbox WHERE state = 'parked' ORDER BY id`)).map(outboxRow);
  }

  async outboxDepth(): Promise<number> {
    const r = await this.one(`SELECT count(*) AS n FROM outbox WHERE state IN ('pending','sending')`);
    return Number(r?.n ?? 0);
  }

  /**
   * Inside a transaction the alert's row is locked until it ends, so a poll adding a source and a
   * deliverer rendering the alert take turns: the source is in the message, or an update is queued.
   */
  async sentAlert(storyId: number, channel: string): Promise<OutboxRow | undefined> {
    const lock = this.inTx.getStore() ? ' FOR UPDATE' : '';
    const r = await this.one(
      `SELECT * FROM outbox WHERE story_id = $1 AND channel = $2 AND kind = 'alert' ORDER BY id LIMIT 1${lock}`,
      [storyId, channel],
    );
    return r ? outboxRow(r) : undefined;
  }

  async deliveriesForStory(storyId: number): Promise<OutboxRow[]> {
    return (await this.rows('SELECT * FROM outbox WHERE story_id = $1 ORDER BY id', [storyId])).map(
      outboxRow,
    );
  }

  // ---- subscriptions ----

  async subscribe(s: Omit<Subscription, 'createdAt'>, now: string): Promise<void> {
    await this.q(
      `INSERT INTO subscriptions (channel, target, mode, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (channel, target) DO UPDATE SET mode = excluded.mode`,
      [s.channel, s.target, s.mode, s.createdBy, now],
    );
  }

  async unsubscribe(channel: string, target: string): Promise<boolean> {
    return (
      (await this.changes('DELETE FROM subscriptions WHERE channel = $1 AND target = $2', [
        channel,
        target,
      ])) > 0
    );
  }

  async subscriptions(channel?: string): Promise<Subscription[]> {
    const rows = channel
      ? await this.rows('SELECT * FROM subscriptions WHERE channel = $1 ORDER BY target', [channel])
      : await this.rows('SELECT * FROM subscriptions ORDER BY channel, target');
    return rows.map(subscriptionRow);
  }

  // ---- roster edits and audit ----

  async rosterEdits(): Promise<RosterEdit[]> {
    return (await this.rows('SELECT * FROM roster_edits ORDER BY set_at')).map(rosterEditRow);
  }

  async setMembership(edit: RosterEdit, oldStatus: string | null, action: string): Promise<void> {
    await this.atomic(async () => {
      await this.q(
        `INSERT INTO roster_edits (lab, program, status, since, source_url, source_title, set_by, set_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (lab, program) DO UPDATE SET status = excluded.status, since = excluded.since,
             source_url = excluded.source_url, source_title = excluded.source_title, set_by = excluded.set_by, set_at = excluded.set_at`,
        [
          edit.lab,
          edit.program,
          edit.status,
          edit.since,
          edit.sourceUrl,
          edit.sourceTitle,
          edit.setBy,
          edit.setAt,
        ],
      );
      await this.audit({
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

  async audit(e: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.q(
      `INSERT INTO audit_log (at, actor, action, lab, program, old_status, new_status, source, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.at, e.actor, e.action, e.lab, e.program, e.oldStatus, e.newStatus, e.source, e.detail],
    );
  }

  async auditLog(lab?: string): Promise<AuditEntry[]> {
    const rows = lab
      ? await this.rows('SELECT * FROM audit_log WHERE lab = $1 ORDER BY id', [lab])
      : await this.rows('SELECT * FROM audit_log ORDER BY id');
    return rows.map(auditRow);
  }

  // ---- proposed roster changes ----

  async createProposal(p: Omit<Proposal, 'id' | 'state' | 'decidedBy' | 'decidedAt'>): Promise<Proposal> {
    const r = await this.one(
      `INSERT INTO proposals (story_id, lab, program, status, evidence, source_title, source_url, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [p.storyId, p.lab, p.program, p.status, p.evidence, p.sourceTitle, p.sourceUrl, p.createdAt],
    );
    return proposalRow(r as Row);
  }

  async proposal(id: number): Promise<Proposal | undefined> {
    const r = await this.one('SELECT * FROM proposals WHERE id = $1', [id]);
    return r ? proposalRow(r) : undefined;
  }

  async proposalsForStory(storyId: number): Promise<Proposal[]> {
    return (await this.rows('SELECT * FROM proposals WHERE story_id = $1 ORDER BY id', [storyId])).map(
      proposalRow,
    );
  }

  async storiesProposing(change: { lab: string; program: string; status: string }): Promise<Set<number>> {
    const rows = await this.rows(
      'SELECT DISTINCT story_id FROM proposals WHERE lab = $1 AND program = $2 AND status = $3',
      [change.lab, change.program, change.status],
    );
    return new Set(rows.map((r) => Number(r.story_id)));
  }

  async decideProposal(
    id: number,
    state: 'confirmed' | 'dismissed',
    by: string,
    now: string,
  ): Promise<boolean> {
    return (
      (await this.changes(
        `UPDATE proposals SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'open'`,
        [state, by, now, id],
      )) > 0
    );
  }

  // ---- digests ----

  async claimDigest(channel: string, day: string, now: string): Promise<boolean> {
    return (
      (await this.changes(
        'INSERT INTO digests (channel, day, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [channel, day, now],
      )) > 0
    );
  }

  // ---- the leader lease ----

  async acquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<number | null> {
    const r = await this.one(
      `INSERT INTO leases (name, holder, token, expires_at) VALUES ($1, $2, 1, $4)
       ON CONFLICT (name) DO UPDATE SET
         token = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > $3 THEN leases.token ELSE leases.token + 1 END,
         holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= $3
       RETURNING token`,
      [name, holder, nowMs, nowMs + ttlMs],
    );
    return r ? Number(r.token) : null;
  }

  async holdsLease(name: string, holder: string, token: number, nowMs: number): Promise<boolean> {
    const lock = this.inTx.getStore() ? ' FOR SHARE' : '';
    return !!(await this.one(
      `SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > $4${lock}`,
      [name, holder, token, nowMs],
    ));
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.q('UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2', [name, holder]);
  }

  // ---- whole tables ----

  async tableRows(table: TableName): Promise<Record<string, unknown>[]> {
    const order = ORDER[table];
    const rows = await this.rows(`SELECT * FROM ${table} ORDER BY ${order}`);
    // `seq` only orders story sources here; SQLite keeps that order in its rowid.
    return rows.map((r) => {
      if (table !== 'story_sources') return normalise(r);
      const { seq: _seq, ...rest } = r;
      return normalise(rest);
    });
  }

  async countRows(table: TableName): Promise<number> {
    const r = await this.one(`SELECT count(*) AS n FROM ${table}`);
    return Number(r?.n ?? 0);
  }

  async importRows(table: TableName, rows: Record<string, unknown>[]): Promise<number> {
    if (rows.length === 0) return 0;
    const cols = Object.keys(rows[0] as object);
    const BATCH = Math.max(1, Math.floor(30_000 / cols.length));
    await this.atomic(async () => {
      for (let i = 0; i < rows.length; i += BATCH) {
        const chunk = rows.slice(i, i + BATCH);
        const params: unknown[] = [];
        const values = chunk.map((r) => `(${cols.map((c) => `$${params.push(r[c] ?? null)}`).join(', ')})`);
        await this.q(
          `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${values.join(', ')}`,
          params,
        );
      }
      if (HAS_ID.has(table))
        await this.q(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`,
        );
    });
    return rows.length;
  }
}

const ORDER: Record<TableName, string> = {
  feeds: 'id',
  items: 'feed_id, item_id',
  stories: 'id',
  story_sources: 'seq',
  outbox: 'id',
  subscriptions: 'channel, target',
  roster_edits: 'lab, program',
  audit_log: 'id',
  proposals: 'id',
  digests: 'channel, day',
};
const HAS_ID = new Set<TableName>(['feeds', 'stories', 'outbox', 'audit_log', 'proposals']);

/** Numbers as numbers (Postgres hands 64-bit integers out as strings). */
function normalise(r: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r))
    out[k] = typeof v === 'string' && INT_COLUMNS.has(k) ? Number(v) : v;
  return out;
}
const INT_COLUMNS = new Set(['id', 'feed_id', 'story_id']);
