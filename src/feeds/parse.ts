import Parser from 'rss-parser';
import {
  canonicalLink,
  htmlToPlainText,
  normaliseItems,
  parseFeedDate,
  resolveBase,
  truncateAtWord,
} from './normalise.js';
import type { ParsedFeed } from './types.js';

/** The text is not an RSS/Atom/RDF feed. `message` is one line, starting with "not a feed: ". */
export class NotAFeedError extends Error {
  readonly code = 'not-a-feed' as const;

  constructor(reason: string) {
    super(`not a feed: ${reason}`);
    this.name = 'NotAFeedError';
  }
}

export interface ParseOptions {
  /** URL the text was fetched from: relative links are resolved against the feed's link, else this. */
  baseUrl?: string;
  /** Guard against a parser that never calls back (default 10 s). */
  timeoutMs?: number;
}

type Sniffed =
  | { kind: 'empty' }
  | { kind: 'json' }
  | { kind: 'html' }
  | { kind: 'text' }
  | { kind: 'xml'; root: string };

const FEED_ROOTS = new Set(['rss', 'feed', 'rdf:RDF']);
const HTML_ROOTS = new Set(['html', 'head', 'body', 'div', 'p', 'title', 'meta', 'script', 'table']);

/** Look at the start of the text: what is it, and if XML, what is the root element? */
export function sniffText(text: string): Sniffed {
  let rest = text.replace(/^\ufeff/, '').trimStart();
  if (rest === '') return { kind: 'empty' };
  if (rest.startsWith('{') || rest.startsWith('[')) return { kind: 'json' };
  if (!rest.startsWith('<')) return { kind: 'text' };
  // Skip the XML declaration, processing instructions, comments and a doctype (with internal subset).
  for (let guard = 0; guard < 100; guard++) {
    if (rest.startsWith('<?')) {
      const end = rest.indexOf('?>');
      if (end < 0) return { kind: 'xml', root: '' };
      rest = rest.slice(end + 2).trimStart();
    } else if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end < 0) return { kind: 'xml', root: '' };
      rest = rest.slice(end + 3).trimStart();
    } else if (/^<!doctype/i.test(rest)) {
      if (/^<!doctype\s+html\b/i.test(rest)) return { kind: 'html' };
      const subset = rest.indexOf('[');
      const close = rest.indexOf('>');
      const end = subset >= 0 && subset < close ? rest.indexOf(']>', subset) + 1 : close;
      if (end <= 0) return { kind: 'xml', root: '' };
      rest = rest.slice(end + 1).trimStart();
    } else {
      break;
    }
  }
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1];
  if (!root) return { kind: 'xml', root: '' };
  if (HTML_ROOTS.has(root.toLowerCase())) return { kind: 'html' };
  return { kind: 'xml', root };
}

/** Turn an xml2js/sax error ("Unclosed root tag\nLine: 9\nColumn: 3\nChar: ") into a one-line reason. */
function describeXmlError(err: unknown): string | null {
  const message = err instanceof Error ? err.message : String(err);
  const line = /Line:\s*(\d+)/.exec(message);
  if (!line) return null;
  const what = (message.split('\n')[0] ?? '').trim().toLowerCase();
  const lineNo = Number(line[1]) + 1; // sax counts lines from 0
  return /unclosed|unexpected end/.test(what)
    ? `XML is truncated or malformed at line ${lineNo} (${what})`
    : `XML is malformed at line ${lineNo} (${what})`;
}

type AtomEntry = Record<string, unknown>;

function newParser(): Parser {
  // A parser per call: xml2js parsers are stateful.
  const parser = new Parser({
    defaultRSS: 2,
    xml2js: { strict: true },
    // Publisher attribution (see attribution.ts). rss-parser drops <source> by default, and would
    // keep only its text: keepArray keeps the element (its url attribute, Atom's <title>).
    customFields: {
      item: [
        ['source', 'rss:source', { keepArray: true }],
        ['News:Source', 'news:source'],
        ['dc:source', 'dc:source'],
        ['dc:publisher', 'dc:publisher'],
        ['feedburner:origLink', 'feedburner:origLink'],
      ],
    },
  });
  // rss-parser calls `new Date(x).toISOString()` on Atom <published>/<updated>, which throws on a
  // garbage date and would fail the whole feed, and turns junk such as "2" into 2001. Drop values
  // that are not plausible dates before it looks at them (the item then simply has no date), and hand
  // it the others already in ISO form.
  const internals = parser as unknown as { parseItemAtom: (entry: AtomEntry) => unknown };
  const original = internals.parseItemAtom.bind(parser);
  internals.parseItemAtom = (entry: AtomEntry) => {
    for (const key of ['published', 'updated']) {
      const value = entry[key];
      if (Array.isArray(value)) {
        const iso = typeof value[0] === 'string' ? parseFeedDate(value[0]) : null;
        if (iso === null) delete entry[key];
        else entry[key] = [iso];
      }
    }
    return original(entry);
  };
  return parser;
}

type RawFeed = Record<string, unknown> & { items?: unknown[] };

async function runParser(text: string, timeoutMs: number): Promise<RawFeed> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NotAFeedError('the XML parser did not finish')), timeoutMs);
    timer.unref?.();
  });
  try {
    return (await Promise.race([newParser().parseString(text), timeout])) as unknown as RawFeed;
  } finally {
    clearTimeout(timer);
  }
}

/** Escape ampersands that do not start an entity or character reference ("AT&T", "Q&A"). */
function escapeBareAmpersands(text: string): string {
  return text.replace(/&(?!#\d{1,7};|#x[0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)/g, '&amp;');
}

function asString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { _?: unknown })._ === 'string') {
    return (value as { _: string })._;
  }
  return null;
}

function parseTtl(value: unknown): number | null {
  const raw = asString(value)?.trim();
  if (!raw || !/^\d{1,6}$/.test(raw)) return null;
  const minutes = Number(raw);
  return minutes > 0 ? minutes : null;
}

/**
 * Parse feed text (RSS 0.9x/2.0, Atom, RDF) into normalised items. Throws NotAFeedError, with a
 * one-line reason, for empty input, HTML pages, JSON, other XML and truncated or malformed XML.
 */
export async function parseFeedText(text: string, opts: ParseOptions = {}): Promise<ParsedFeed> {
  if (typeof text !== 'string') throw new NotAFeedError('empty body');
  const sniffed = sniffText(text);
  switch (sniffed.kind) {
    case 'empty':
      throw new NotAFeedError('empty body');
    case 'json':
      throw new NotAFeedError('looks like JSON, not RSS or Atom');
    case 'html':
      throw new NotAFeedError('looks like an HTML page');
    case 'text':
      throw new NotAFeedError('plain text, not XML');
    case 'xml':
      if (sniffed.root === '')
        throw new NotAFeedError('XML is truncated or malformed before the root element');
      if (!FEED_ROOTS.has(sniffed.root)) {
        throw new NotAFeedError(`root element <${sniffed.root.slice(0, 40)}> is not rss, feed or RDF`);
      }
  }

  const timeoutMs = opts.timeoutMs ?? 10_000;
  const body = text.replace(/^\ufeff/, '');
  let raw: RawFeed;
  try {
    raw = await runParser(body, timeoutMs);
  } catch (err) {
    if (err instanceof NotAFeedError) throw err;
    const firstError = err;
    // Bare "&" is the most common feed bug; try once more with those escaped before giving up.
    const repaired = escapeBareAmpersands(body);
    if (repaired !== body) {
      try {
        raw = await runParser(repaired, timeoutMs);
      } catch {
        throw toNotAFeed(firstError, sniffed.root);
      }
    } else {
      throw toNotAFeed(firstError, sniffed.root);
    }
  }

  const feedLinkRaw = asString(raw.link);
  const base = resolveBase(feedLinkRaw, opts.baseUrl ?? null);
  const title = truncateAtWord(htmlToPlainText(asString(raw.title) ?? ''), 300);
  const items = normaliseItems(Array.isArray(raw.items) ? raw.items : [], {
    baseUrl: base,
    feedTitle: title,
  });
  return {
    feed: {
      title,
      link: feedLinkRaw ? canonicalLink(feedLinkRaw, opts.baseUrl ?? null) : null,
      ttlMinutes: parseTtl(raw.ttl),
    },
    items,
  };
}

function toNotAFeed(err: unknown, root: string): NotAFeedError {
  const xml = describeXmlError(err);
  if (xml) return new NotAFeedError(xml);
  // rss-parser throws TypeErrors on structurally odd documents such as <rss> without a <channel>.
  if (root === 'rss') return new NotAFeedError('RSS document without a usable <channel>');
  if (root === 'rdf:RDF') return new NotAFeedError('RDF document without a usable <channel>');
  return new NotAFeedError('could not read the document as RSS or Atom');
}
