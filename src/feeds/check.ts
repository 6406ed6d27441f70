/**
 * `feeds check`, the pure part: what one fetch of a feed showed (FeedObservation), the verdict an
 * admin acts on (ok / warning / unusable, with why), and the text both the CLI and Slack print.
 * The fetching is in check-run.ts.
 */
import { sniffText } from './parse.js';

export type FeedFormat = 'RSS 2.0' | 'RSS 0.9x' | 'RSS' | 'Atom' | 'RDF (RSS 1.0)';

/** Whether the server answers a conditional request (If-None-Match / If-Modified-Since) with a 304. */
export type ConditionalResult =
  | 'honoured' // 304 Not Modified
  | 'ignored' // 200 with the whole feed again
  | 'no-validators' // the server sent neither ETag nor Last-Modified
  | 'not-tested' // the first fetch failed, or the feed is a local file
  | 'failed'; // the second request itself failed

export interface FeedObservation {
  url: string;
  name: string | null;
  /** HTTP status of the first request (null for a network failure or a local file). */
  status: number | null;
  /** The fetch or the parse failed: one line, why. */
  error: string | null;
  format: FeedFormat | null;
  items: number;
  /** Items with a usable date. */
  dated: number;
  /** ISO date of the newest item, or null. */
  newest: string | null;
  etag: string | null;
  lastModified: string | null;
  conditional: ConditionalResult;
  /** Where every redirect hop was permanent: the URL to put in the config instead. */
  movedTo: string | null;
  ms: number;
}

export type VerdictLevel = 'ok' | 'warning' | 'unusable';

export interface Verdict {
  level: VerdictLevel;
  reasons: string[];
}

export interface FeedCheck extends FeedObservation {
  verdict: Verdict;
}

/** A feed whose newest item is older than this is probably dead or moved. */
export const STALE_DAYS = 30;

/** The feed format from the text's root element (and RSS's version attribute), or null. */
export function detectFormat(text: string): FeedFormat | null {
  const sniffed = sniffText(text);
  if (sniffed.kind !== 'xml') return null;
  if (sniffed.root === 'feed') return 'Atom';
  if (sniffed.root === 'rdf:RDF') return 'RDF (RSS 1.0)';
  if (sniffed.root !== 'rss') return null;
  const tag = /<rss\b[^>]*>/.exec(text)?.[0] ?? '';
  const version = /\bversion\s*=\s*["']([^"']*)["']/.exec(tag)?.[1]?.trim();
  if (!version) return 'RSS';
  if (version.startsWith('2')) return 'RSS 2.0';
  if (version.startsWith('0.9')) return 'RSS 0.9x';
  return 'RSS';
}

const DAY_MS = 86_400_000;

/** ok, warning (usable, but something to look at) or unusable, and why. */
export function verdictFor(o: FeedObservation, nowMs: number): Verdict {
  if (o.error) return { level: 'unusable', reasons: [o.error] };
  const reasons: string[] = [];
  if (o.items === 0) reasons.push('the feed has no items');
  else if (o.dated === 0) reasons.push('no item has a date, so the first poll cannot tell old news from new');
  if (o.newest) {
    const age = Math.floor((nowMs - Date.parse(o.newest)) / DAY_MS);
    if (age > STALE_DAYS) reasons.push(`the newest item is ${age} days old`);
  }
  if (o.conditional === 'ignored')
    reasons.push(
      'the server ignores its own validators (a conditional request got the whole feed again), so every poll downloads it in full',
    );
  if (o.conditional === 'failed') reasons.push('the second, conditional request failed');
  if (o.movedTo) reasons.push(`the feed has moved permanently: use ${o.movedTo}`);
  return { level: reasons.length ? 'warning' : 'ok', reasons };
}

export function checkResult(o: FeedObservation, nowMs: number): FeedCheck {
  return { ...o, verdict: verdictFor(o, nowMs) };
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

const CONDITIONAL_TEXT: Record<ConditionalResult, string> = {
  honoured: 'honoured (304 Not Modified)',
  ignored: 'not honoured (200 again)',
  'no-validators': 'not testable',
  'not-tested': 'not tested',
  failed: 'second request failed',
};

/** The facts of one check as short phrases: "HTTP 200", "RSS 2.0", "3 items", "newest …". */
export function checkFacts(c: FeedCheck): { fetched: string; validators: string } {
  const parts: string[] = [];
  parts.push(
    c.status === null ? (c.url.startsWith('file:') ? 'local file' : 'no HTTP answer') : `HTTP ${c.status}`,
  );
  if (c.format) parts.push(c.format);
  if (!c.error || c.format) {
    parts.push(`${c.items} item${c.items === 1 ? '' : 's'}`);
    parts.push(c.newest ? `newest ${when(c.newest)}` : 'no dated item');
  }
  const validators =
    c.etag || c.lastModified
      ? [c.etag ? `ETag ${c.etag}` : null, c.lastModified ? `Last-Modified ${c.lastModified}` : null]
          .filter(Boolean)
          .join(', ')
      : 'none';
  return {
    fetched: parts.join(' · '),
    validators: `validators: ${validators}; conditional GET ${CONDITIONAL_TEXT[c.conditional]}`,
  };
}

const LABEL: Record<VerdictLevel, string> = { ok: 'ok', warning: 'warning', unusable: 'UNUSABLE' };

/** One feed's check as plain text lines (the CLI's output). */
export function formatCheckText(c: FeedCheck): string {
  const facts = checkFacts(c);
  const lines = [`${LABEL[c.verdict.level].padEnd(8)} ${c.name ? `${c.name} ` : ''}<${c.url}>`];
  lines.push(`         ${facts.fetched}`);
  if (!c.error) lines.push(`         ${facts.validators}`);
  for (const r of c.verdict.reasons)
    lines.push(`         ${c.verdict.level === 'unusable' ? 'unusable' : 'warning'}: ${r}`);
  return lines.join('\n');
}

/** "13 feeds: 11 ok, 2 with warnings, 0 unusable". */
export function formatCheckSummary(checks: readonly FeedCheck[]): string {
  const n = (level: VerdictLevel) => checks.filter((c) => c.verdict.level === level).length;
  return `${checks.length} feed${checks.length === 1 ? '' : 's'} checked: ${n('ok')} ok, ${n('warning')} with warnings, ${n('unusable')} unusable`;
}
