/**
 * Raw rss-parser items → FeedItem. Pure: no I/O, never throws on odd input.
 * Identity rules (see design.md): guid, else canonical link, else a hash of title and summary;
 * a guid repeated inside one feed is told apart by link.
 */
import { createHash } from 'node:crypto';
import { compile } from 'html-to-text';
import { normaliseTitle } from '../text/title.js';
import {
  aggregatorLead,
  aggregatorLeadHtml,
  detectAggregator,
  outletName,
  publisherUrlFromLink,
  relatedHeadlines,
  stripOutletSuffix,
  stripWordPressFooter,
} from './attribution.js';
import { simpleHtmlText } from './simple-html.js';
import type { FeedItem } from './types.js';

/** A raw item as rss-parser returns it: loosely typed, fields may be missing or not strings. */
export type RawItem = Record<string, unknown>;

export interface NormaliseContext {
  /** Absolute URL that relative item links are resolved against (feed link, else the fetched URL). */
  baseUrl?: string | null;
  /** The feed's own title: a trailing " | <feed title>" is removed from headlines that carry it. */
  feedTitle?: string | null;
}

export const MAX_SUMMARY_CHARS = 2000;
const MAX_TITLE_CHARS = 500;
const MAX_GUID_CHARS = 500;
/** HTML beyond this is not looked at: summaries are capped far below it anyway. */
const MAX_HTML_INPUT = 200_000;

const TRACKING_PARAMS = new Set(['fbclid', 'gclid', 'mc_cid', 'mc_eid', 'ref', 'cmpid']);

function isTrackingParam(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower);
}

function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return component;
  }
}

/**
 * The canonical form of an http(s) link: resolved against `base` when relative, host lower-cased,
 * fragment and credentials removed, tracking parameters (utm_*, fbclid, gclid, mc_cid, mc_eid, ref,
 * cmpid) stripped, other parameters kept as written and in order. Null for anything else.
 */
export function canonicalLink(url: string, base?: string | null): string | null {
  if (typeof url !== 'string') return null;
  const trimmed = url.trim();
  if (trimmed === '' || trimmed.length > 4096) return null;
  let parsed: URL;
  try {
    parsed = base ? new URL(trimmed, base) : new URL(trimmed);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (parsed.hostname === '') return null;
  parsed.hash = '';
  parsed.username = '';
  parsed.password = '';
  if (parsed.search !== '') {
    // Filter the raw query rather than going through URLSearchParams, which would re-encode it.
    const kept = parsed.search
      .slice(1)
      .split('&')
      .filter((pair) => pair !== '' && !isTrackingParam(safeDecode(pair.split('=')[0] ?? '')));
    parsed.search = kept.length > 0 ? `?${kept.join('&')}` : '';
  }
  return parsed.toString();
}

export { normaliseTitle } from '../text/title.js';

const htmlConverter = compile({
  wordwrap: false,
  decodeEntities: true,
  limits: { maxInputLength: MAX_HTML_INPUT, ellipsis: '…' },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'iframe', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'ul', options: { itemPrefix: '• ' } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
  ],
});

// C0/C1 control characters (other than whitespace) and zero-width/bidi formatting characters.
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\ufeff]/g;

function collapse(text: string): string {
  return text.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** html-to-text alone, without the fast path: the reference that simple-html.ts is held to. */
export function htmlToPlainTextByParser(html: string): string {
  return collapse(htmlConverter(html));
}

/** HTML (or text that may carry tags and entities) → one line of plain text. Never throws. */
export function htmlToPlainText(html: string): string {
  if (typeof html !== 'string' || html === '') return '';
  if (!/[<&]/.test(html)) return collapse(html);
  try {
    // Cut here rather than let html-to-text do it: it would also print a warning on stderr per item.
    const cut = html.length > MAX_HTML_INPUT ? html.slice(0, MAX_HTML_INPUT) : html;
    return collapse(simpleHtmlText(cut) ?? htmlConverter(cut));
  } catch {
    // Very unlikely with html-to-text, but a bad item must not fail the feed: fall back to crude stripping.
    return collapse(html.replace(/<[^>]*>/g, ' '));
  }
}

/** Cut text to at most `max` characters on a word boundary, adding an ellipsis when cut. */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  const base = space > max * 0.6 ? cut.slice(0, space) : cut;
  return `${base.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}

const TZ_OFFSETS: Record<string, string> = {
  CET: '+0100',
  CEST: '+0200',
  BST: '+0100',
  EET: '+0200',
  EEST: '+0300',
  WET: '+0000',
  WEST: '+0100',
  MSK: '+0300',
  JST: '+0900',
  KST: '+0900',
  HKT: '+0800',
  SGT: '+0800',
  AEST: '+1000',
  AEDT: '+1100',
  NZST: '+1200',
  NZDT: '+1300',
};

const MIN_YEAR = 1970;
const MAX_YEAR = 2200;

function plausible(ms: number, raw: string): boolean {
  if (!Number.isFinite(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  if (year < MIN_YEAR || year > MAX_YEAR) return false;
  // V8 reads almost anything as a date ("2" is February 2001). Require that the year the string
  // parsed to (±1 for time zones) is actually written in it, as 4 or 2 digits.
  const groups = new Set(raw.match(/\d+/g) ?? []);
  for (const y of [year - 1, year, year + 1]) {
    if (groups.has(String(y)) || groups.has(String(y % 100).padStart(2, '0'))) return true;
  }
  return false;
}

/** A feed date (RFC 822, ISO 8601, W3C-DTF…) → ISO 8601 string, or null when missing or garbage. */
export function parseFeedDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const raw = value.trim();
  if (raw === '' || raw.length > 100) return null;
  let ms = Date.parse(raw);
  if (!Number.isFinite(ms)) {
    const tz = /\s([A-Z]{3,4})$/.exec(raw);
    const offset = tz?.[1] ? TZ_OFFSETS[tz[1]] : undefined;
    if (offset) ms = Date.parse(`${raw.slice(0, -(tz?.[1]?.length ?? 0))}${offset}`);
  }
  if (!plausible(ms, raw)) return null;
  return new Date(ms).toISOString();
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  // xml2js shapes that rss-parser sometimes passes through: { _: text, $: attrs } or [text].
  if (value && typeof value === 'object') {
    const inner = (value as { _?: unknown })._;
    if (typeof inner === 'string') return inner;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return null;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The fields of one item before identity is settled across the whole feed. */
interface PreparedItem {
  guid: string | null;
  title: string | null;
  link: string | null;
  outlet: string | null;
  aggregator: string | null;
  published: string | null;
  summary: string;
  related: string[];
  contentHash: string;
}

function pickSummarySource(raw: RawItem): string {
  // Atom <summary> first (Atom <content> is often the whole article), then RSS <description>
  // (rss-parser calls it `content`), then the rest. Raw HTML is stripped here rather than using
  // rss-parser's contentSnippet, so that entities are decoded exactly once.
  for (const key of ['summary', 'content', 'description', 'content:encoded', 'contentSnippet']) {
    const value = str(raw[key]);
    if (value && value.trim() !== '') return value;
  }
  const itunes = raw.itunes as Record<string, unknown> | undefined;
  return str(itunes?.summary) ?? '';
}

/** The first value of an xml2js field that rss-parser kept as an array (customFields keepArray). */
function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The outlet an item names itself: RSS <source>Name</source> (Google News and other aggregators),
 * Bing's <News:Source>, Atom <source><title>; whether such an element is there at all.
 */
function sourceElement(raw: RawItem): { present: boolean; name: string | null } {
  const rss = first(raw['rss:source']);
  const bing = first(raw['news:source']);
  for (const value of [rss, bing]) {
    if (value === undefined || value === null) continue;
    let name = str(value);
    if (name === null && typeof value === 'object') {
      // Atom: <source><title>Outlet</title>…</source>
      name = str(first((value as Record<string, unknown>).title));
    }
    const clean = name ? htmlToPlainText(name).slice(0, 120) : '';
    return { present: true, name: clean === '' ? null : clean };
  }
  return { present: false, name: null };
}

/** The item's authors (dc:creator, author), so that a dc:publisher naming a person is not taken as the outlet. */
function authorsOf(raw: RawItem): string[] {
  return [raw.creator, raw['dc:creator'], raw.author]
    .map((v) => str(first(v)))
    .filter((v): v is string => !!v);
}

function prepare(raw: RawItem, base: string | null, feedTitle: string | null): PreparedItem {
  const rawTitle = truncateAtWord(htmlToPlainText(str(raw.title) ?? ''), MAX_TITLE_CHARS);
  const summaryHtml = pickSummarySource(raw);
  const plainSummary = htmlToPlainText(summaryHtml);
  const rawSummary = truncateAtWord(plainSummary, MAX_SUMMARY_CHARS);

  let guid = (str(raw.guid) ?? str(raw.id) ?? str(raw['rdf:about']) ?? '').trim();
  if (guid.length > MAX_GUID_CHARS) guid = `guid-sha256:${sha256Hex(guid).slice(0, 32)}`;

  let link = canonicalLink(str(raw.link) ?? '', base);
  // RSS guids are permalinks by default; use one when the item has no <link>.
  if (!link && guid !== '' && /^https?:\/\//i.test(guid)) link = canonicalLink(guid, base);

  // Who published it, and did it come through an aggregator?
  const source = sourceElement(raw);
  const aggregator = detectAggregator(link, source.present, base);
  const authors = authorsOf(raw);
  const outlet =
    source.name ??
    outletName(str(first(raw['dc:source'])), authors) ??
    outletName(str(first(raw['dc:publisher'])), authors);
  // The publisher's own URL where the feed gives it: an aggregator's redirect that carries it
  // (Bing's url=), or FeedBurner's original link.
  const publisherUrl = publisherUrlFromLink(link) ?? str(first(raw['feedburner:origLink']));
  if (publisherUrl) link = canonicalLink(publisherUrl, base) ?? link;

  // rss-parser's own `isoDate` is not used: it comes from `new Date(x)`, which accepts junk such as "2".
  let published: string | null = null;
  for (const key of ['pubDate', 'date', 'dc:date', 'published', 'updated']) {
    published = parseFeedDate(str(raw[key]));
    if (published) break;
  }

  // Identity hashes the item as the feed wrote it, so cleaning rules can change without new ids.
  const contentHash = sha256Hex(`${normaliseTitle(rawTitle)}\n${normaliseTitle(rawSummary)}`).slice(0, 32);
  const title = rawTitle === '' ? null : stripOutletSuffix(rawTitle, [outlet ?? feedTitle]);
  // The HTML is converted a second time only for an aggregator's item (its lead text differs).
  let summary = stripWordPressFooter(
    aggregator ? htmlToPlainText(aggregatorLeadHtml(summaryHtml)) : plainSummary,
  );
  if (aggregator) summary = aggregatorLead(summary, title, outlet);
  summary = truncateAtWord(summary, MAX_SUMMARY_CHARS);
  const related = aggregator ? relatedHeadlines(summaryHtml, title, htmlToPlainText) : [];
  return {
    guid: guid === '' ? null : guid,
    title,
    link,
    outlet,
    aggregator,
    published,
    summary,
    related,
    contentHash,
  };
}

/** Resolve the base for relative links: the feed's own link (itself resolved), else the fetched URL. */
export function resolveBase(
  feedLink: string | null | undefined,
  baseUrl: string | null | undefined,
): string | null {
  const fromFeed = feedLink ? canonicalLink(feedLink, baseUrl ?? null) : null;
  if (fromFeed) return fromFeed;
  return baseUrl ? canonicalLink(baseUrl) : null;
}

/** Normalise one item on its own (no cross-item guid disambiguation). */
export function normaliseItem(raw: RawItem, ctx: NormaliseContext = {}): FeedItem {
  return normaliseItems([raw], ctx)[0] as FeedItem;
}

/**
 * Normalise all items of one feed, in feed order. Items that end up with the same id as an earlier
 * item (true duplicates) are dropped, so ids are unique within the result.
 */
export function normaliseItems(raws: readonly unknown[], ctx: NormaliseContext = {}): FeedItem[] {
  const base = ctx.baseUrl ? canonicalLink(ctx.baseUrl) : null;
  const feedTitle = ctx.feedTitle?.trim() || null;
  const prepared = raws
    .filter((r): r is RawItem => r !== null && typeof r === 'object' && !Array.isArray(r))
    .map((raw) => prepare(raw, base, feedTitle));

  const guidCounts = new Map<string, number>();
  for (const p of prepared) if (p.guid) guidCounts.set(p.guid, (guidCounts.get(p.guid) ?? 0) + 1);

  const seen = new Set<string>();
  const out: FeedItem[] = [];
  for (const p of prepared) {
    let id: string;
    if (p.guid) {
      const repeated = (guidCounts.get(p.guid) ?? 0) > 1;
      // Every item of a repeated guid gets the suffix, so the ids do not depend on feed order.
      id = repeated ? `${p.guid}#${sha256Hex(p.link ?? p.contentHash).slice(0, 16)}` : p.guid;
    } else if (p.link) {
      id = p.link;
    } else {
      id = `sha256:${p.contentHash}`;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      id,
      title: p.title,
      link: p.link,
      published: p.published,
      summary: p.summary,
      outlet: p.outlet,
      aggregator: p.aggregator,
      related: p.related,
    });
  }
  return out;
}
