/** `feeds check`, the pure part: format detection, verdicts and the text an admin reads. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkResult,
  detectFormat,
  type FeedObservation,
  formatCheckSummary,
  formatCheckText,
  verdictFor,
} from '../../src/feeds/check.js';
import { FIXTURE_DIR } from '../feed-server.js';

const NOW = Date.parse('2026-06-24T18:00:00Z');
const text = (name: string) => readFileSync(path.join(FIXTURE_DIR, name), 'utf8');

const seen = (o: Partial<FeedObservation> = {}): FeedObservation => ({
  url: 'https://wire.example/feed.xml',
  name: 'Wire',
  status: 200,
  error: null,
  format: 'RSS 2.0',
  items: 12,
  dated: 12,
  newest: '2026-06-24T09:00:00.000Z',
  etag: '"a1"',
  lastModified: null,
  conditional: 'honoured',
  movedTo: null,
  ms: 40,
  ...o,
});

describe('detectFormat', () => {
  it('names the formats of the fixture feeds', () => {
    expect(detectFormat(text('real/google-news-meta.xml'))).toBe('RSS 2.0');
    expect(detectFormat(text('real/nist-news.xml'))).toBe('RSS 2.0');
    expect(detectFormat(text('atom.xml'))).toBe('Atom');
    expect(detectFormat(text('rdf.xml'))).toBe('RDF (RSS 1.0)');
    expect(detectFormat(text('rss091.xml'))).toBe('RSS 0.9x');
    expect(detectFormat('<rss><channel/></rss>')).toBe('RSS');
    expect(detectFormat(text('html-error.html'))).toBeNull();
    expect(detectFormat('{"items": []}')).toBeNull();
  });
});

describe('verdictFor', () => {
  it('ok when the feed answers, parses, has recent dated items and honours its validators', () => {
    expect(verdictFor(seen(), NOW)).toEqual({ level: 'ok', reasons: [] });
    expect(verdictFor(seen({ etag: null, conditional: 'no-validators' }), NOW).level).toBe('ok');
  });

  it('warns, saying why, about empty, undated, stale, moved feeds and ignored validators', () => {
    expect(verdictFor(seen({ items: 0, dated: 0, newest: null }), NOW)).toEqual({
      level: 'warning',
      reasons: ['the feed has no items'],
    });
    expect(verdictFor(seen({ dated: 0, newest: null }), NOW).reasons[0]).toMatch(/no item has a date/);
    expect(verdictFor(seen({ newest: '2026-04-01T00:00:00.000Z' }), NOW).reasons).toEqual([
      'the newest item is 84 days old',
    ]);
    expect(verdictFor(seen({ conditional: 'ignored' }), NOW).reasons[0]).toMatch(
      /ignores its own validators/,
    );
    expect(verdictFor(seen({ movedTo: 'https://wire.example/new.xml' }), NOW).reasons).toEqual([
      'the feed has moved permanently: use https://wire.example/new.xml',
    ]);
  });

  it('unusable when the fetch or the parse failed', () => {
    expect(verdictFor(seen({ status: 403, error: 'HTTP 403 Forbidden' }), NOW)).toEqual({
      level: 'unusable',
      reasons: ['HTTP 403 Forbidden'],
    });
  });
});

describe('the text', () => {
  it('one block per feed and a summary line', () => {
    const ok = checkResult(seen({ lastModified: 'Tue, 23 Jun 2026 15:00:00 GMT' }), NOW);
    expect(formatCheckText(ok)).toBe(
      [
        'ok       Wire <https://wire.example/feed.xml>',
        '         HTTP 200 · RSS 2.0 · 12 items · newest 2026-06-24 09:00 UTC',
        '         validators: ETag "a1", Last-Modified Tue, 23 Jun 2026 15:00:00 GMT; conditional GET honoured (304 Not Modified)',
      ].join('\n'),
    );
    const bad = checkResult(
      seen({ status: null, error: 'could not resolve host wire.example', format: null }),
      NOW,
    );
    expect(formatCheckText(bad)).toBe(
      [
        'UNUSABLE Wire <https://wire.example/feed.xml>',
        '         no HTTP answer',
        '         unusable: could not resolve host wire.example',
      ].join('\n'),
    );
    expect(formatCheckSummary([ok, bad])).toBe('2 feeds checked: 1 ok, 0 with warnings, 1 unusable');
  });
});
