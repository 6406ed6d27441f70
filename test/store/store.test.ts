import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { StoreError } from '../../src/store/store.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'caisi-store-'));
const NOW = '2026-06-25T12:00:00.000Z';

describe('SQLite store', () => {
  it('creates the file with WAL and the latest schema, and reopens it unchanged', async () => {
    const file = path.join(tmp, 'a', 'nested', 'caisi.db');
    const s = SqliteStore.open(file);
    expect(s.pragma('journal_mode')).toBe('wal');
    expect(s.pragma('user_version')).toBe(MIGRATIONS.length);
    await s.syncConfigFeeds(['https://example.org/feed'], NOW);
    await s.close();
    const again = SqliteStore.open(file);
    expect((await again.listFeeds()).map((f) => f.url)).toEqual(['https://example.org/feed']);
    again.close();
  });

  it('refuses a database from a newer version instead of guessing', async () => {
    const file = path.join(tmp, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => SqliteStore.open(file)).toThrowError(/written by a newer caisi-watch/);
  });

  it('a corrupt file is one clear error', async () => {
    const file = path.join(tmp, 'corrupt.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const err = (() => {
      try {
        SqliteStore.open(file);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('corrupt');
  });

  it('a second enqueue of the same delivery is ignored', async () => {
    const s = SqliteStore.open(':memory:');
    const d = { key: 'alert:1:C1', kind: 'alert' as const, storyId: 1, channel: 'C1', payload: {} };
    expect(await s.enqueue(d, NOW)).toBe(true);
    expect(await s.enqueue(d, NOW)).toBe(false);
    expect(await s.outboxDepth()).toBe(1);
  });

  it('a guid that changed is not new when the same title and link were seen', async () => {
    const s = SqliteStore.open(':memory:');
    await s.syncConfigFeeds(['https://example.org/feed'], NOW);
    const feed = (await s.listFeeds())[0]!;
    await s.markSeen(
      feed.id,
      { id: 'guid-1', titleKey: 'meta signs', link: 'https://e.org/a', title: 'Meta signs', published: null },
      { now: NOW, alert: false, storyId: null },
    );
    expect(await s.isSeen(feed.id, 'guid-2', 'meta signs', 'https://e.org/a')).toBe(true);
    expect(await s.isSeen(feed.id, 'guid-2', 'meta signs', 'https://e.org/b')).toBe(false);
  });

  it('prunes seen items past retention but keeps stories, roster edits and the audit log', async () => {
    const s = SqliteStore.open(':memory:');
    await s.syncConfigFeeds(['https://example.org/feed'], NOW);
    const feed = (await s.listFeeds())[0]!;
    await s.markSeen(
      feed.id,
      { id: 'old', titleKey: 'old', link: null, title: 'Old', published: null },
      { now: '2025-01-01T00:00:00Z', alert: false, storyId: null },
    );
    await s.markSeen(
      feed.id,
      { id: 'new', titleKey: 'new', link: null, title: 'New', published: null },
      { now: NOW, alert: false, storyId: null },
    );
    await s.createStory(
      {
        title: 'T',
        labs: ['meta'],
        programs: [],
        summary: '',
        published: null,
        source: { feedId: feed.id, itemId: 'old', outlet: 'O', title: 'T', link: null, published: null },
      },
      '2025-01-01T00:00:00Z',
    );
    await s.setMembership(
      {
        lab: 'meta',
        program: 'caisi',
        status: 'signed',
        since: null,
        sourceUrl: null,
        sourceTitle: null,
        setBy: 'U1',
        setAt: '2025-01-01T00:00:00Z',
      },
      'not-signed',
      'set',
    );
    expect(await s.pruneItems('2025-06-25T12:00:00Z')).toBe(1);
    expect(await s.countItems()).toBe(1);
    expect(await s.latestStories(5)).toHaveLength(1);
    expect(await s.auditLog('meta')).toHaveLength(1);
    expect(await s.rosterEdits()).toHaveLength(1);
  });

  it('a feed removed from the config is disabled, not deleted; feeds added in Slack stay', async () => {
    const s = SqliteStore.open(':memory:');
    await s.syncConfigFeeds(['https://a.example/feed', 'https://b.example/feed'], NOW);
    await s.addFeed('https://c.example/feed', 'U1', NOW);
    await s.syncConfigFeeds(['https://a.example/feed'], NOW);
    const byUrl = Object.fromEntries((await s.listFeeds()).map((f) => [f.url, f]));
    expect(byUrl['https://b.example/feed']?.enabled).toBe(false);
    expect(byUrl['https://b.example/feed']?.disabledReason).toBe('removed from config');
    expect(byUrl['https://c.example/feed']?.enabled).toBe(true);
    await s.syncConfigFeeds(['https://a.example/feed', 'https://b.example/feed'], NOW);
    expect((await s.feedByUrl('https://b.example/feed'))?.enabled).toBe(true);
  });
});
