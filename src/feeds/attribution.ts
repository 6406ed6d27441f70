/**
 * Publisher attribution: who published an item, and whether it reached the feed through a news
 * aggregator (Google News, Bing News, or any feed that marks items with an RSS <source>). Pure
 * rules, no I/O; src/feeds/normalise.ts applies them to each item.
 *
 * - outlet: the item's own <source> (RSS, Bing's <News:Source>, Atom <source><title>), else a
 *   dc:source / dc:publisher that names an outlet (not a URL, an e-mail address or the item's author),
 *   else null (the poll then uses the feed's name).
 * - aggregator: the host of a known aggregator the item's link points at, else, for an item that
 *   carries an RSS <source>, the host of the feed that republished it; null for a publisher's own item.
 * - link: the publisher's URL where the aggregator's link carries it (Bing's `url` parameter),
 *   else the link as given.
 * - title: a trailing " - Outlet" (or " | ", " — ", " – ") is removed when it names the outlet.
 * - summary: an aggregator's description is cut to its lead text (no publisher names, no lists of
 *   related headlines; nothing when it only repeats the headline); WordPress's "The post … appeared
 *   first on …" footer is dropped.
 */
import { normaliseTitle } from '../text/title.js';

/**
 * Hosts of news aggregators whose item links are redirects, and the query parameter that carries
 * the publisher's URL when there is one. Google News tokens cannot be decoded offline (since 2024).
 */
const AGGREGATORS: { host: RegExp; path?: RegExp; urlParam: string | null }[] = [
  { host: /^news\.google\.[a-z.]+$/, urlParam: null },
  { host: /^(?:www\.)?bing\.com$/, path: /^\/news\//i, urlParam: 'url' },
];

function parseUrl(url: string | null): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The aggregator a link goes through (its host, e.g. "news.google.com"), or null. */
export function aggregatorOfLink(link: string | null): string | null {
  const u = parseUrl(link);
  if (!u) return null;
  const host = u.hostname.toLowerCase();
  const known = AGGREGATORS.find((a) => a.host.test(host) && (!a.path || a.path.test(u.pathname)));
  return known ? host : null;
}

/**
 * The item came through an aggregator: a known aggregator's link, else (for an item that names its
 * <source>) the host of the feed that republished it. Null for a publisher's own item.
 */
export function detectAggregator(
  link: string | null,
  hasSourceElement: boolean,
  feedBase: string | null,
): string | null {
  const fromLink = aggregatorOfLink(link);
  if (fromLink) return fromLink;
  if (!hasSourceElement) return null;
  return parseUrl(feedBase)?.hostname.toLowerCase() || null;
}

/** The publisher's URL carried by an aggregator's redirect link (Bing's `url=`), else null. */
export function publisherUrlFromLink(link: string | null): string | null {
  const u = parseUrl(link);
  if (!u) return null;
  const host = u.hostname.toLowerCase();
  const known = AGGREGATORS.find((a) => a.host.test(host) && (!a.path || a.path.test(u.pathname)));
  if (!known?.urlParam) return null;
  const target = u.searchParams.get(known.urlParam);
  const parsed = parseUrl(target);
  return parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:') ? parsed.href : null;
}

/** A key for comparing outlet names loosely: case, accents, punctuation, a leading "The", ".com". */
export function outletKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .trim()
    .replace(/\.(?:com|org|net|gov|co\.uk|io)$/, '')
    .replace(/['\u2018\u2019\u02bc`]/g, '')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^the /, '');
}

/** Do two strings name the same outlet (compared loosely)? */
export function sameOutlet(a: string, b: string): boolean {
  const ka = outletKey(a);
  return ka !== '' && ka === outletKey(b);
}

const MAX_OUTLET_CHARS = 120;

/**
 * A dc:source / dc:publisher value that names an outlet, cleaned, or null when it is a URL, a bare
 * domain, an e-mail address, a byline ("By …"), the item's own author, or not a name at all.
 */
export function outletName(value: string | null, authors: readonly string[] = []): string | null {
  if (!value) return null;
  const name = value.replace(/\s+/g, ' ').trim();
  if (name === '' || name.length > MAX_OUTLET_CHARS) return null;
  if (!/\p{L}/u.test(name)) return null;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name) || /^www\./i.test(name)) return null;
  if (/^[\w-]+(?:\.[\w-]+)+(?:\/\S*)?$/.test(name)) return null; // example.com, example.com/path
  if (/\S+@\S+\.\S+/.test(name)) return null;
  if (/^by\s/i.test(name)) return null;
  if (authors.some((a) => a.trim() !== '' && sameOutlet(a, name))) return null;
  return name;
}

/** The last " - " (or " | ", " — ", " – ") of a headline, and what follows it. */
const SUFFIX = /\s+[-|—–]\s+((?:(?!\s[-|—–]\s).)+?)\s*$/u;

/**
 * Remove a trailing " - Outlet" (or " | ", " — ", " – ") when it names one of `outlets`; the title
 * is returned unchanged when it does not, or when nothing would be left.
 */
export function stripOutletSuffix(title: string, outlets: readonly (string | null)[]): string {
  const names = outlets.filter((o): o is string => !!o && o.trim() !== '');
  if (names.length === 0) return title;
  const m = SUFFIX.exec(title);
  if (!m || m.index === 0) return title;
  const tail = m[1] ?? '';
  if (!names.some((n) => sameOutlet(n, tail))) return title;
  const rest = title.slice(0, m.index).trim();
  return rest === '' ? title : rest;
}

/**
 * An aggregator's description HTML without its publisher names (<font>, as Google News marks
 * them) and lists of related headlines (<ol>/<ul>): what is left is the lead text, if any.
 */
export function aggregatorLeadHtml(html: string): string {
  return html
    .replace(/<(ol|ul)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<font\b[^>]*>[\s\S]*?<\/font\s*>/gi, ' ');
}

/** The most related headlines kept per item. */
const MAX_RELATED = 12;

/**
 * The headlines an aggregator lists as other coverage of the item's story: the link text of each
 * entry of its description's lists (Google News: `<ol><li><a>headline</a> <font>outlet</font>`),
 * without the item's own headline. Not shown in alerts; they tell clustering that those headlines are one
 * story, as the aggregator grouped them. `toText` turns an HTML fragment into plain text.
 */
export function relatedHeadlines(
  html: string,
  own: string | null,
  toText: (html: string) => string,
): string[] {
  const ownKey = own ? normaliseTitle(own) : '';
  const out: string[] = [];
  const seen = new Set<string>();
  for (const list of html.matchAll(/<(ol|ul)\b[^>]*>([\s\S]*?)<\/\1\s*>/gi)) {
    for (const li of (list[2] ?? '').matchAll(/<li\b[^>]*>([\s\S]*?)(?=<li\b|$)/gi)) {
      const a = /<a\b[^>]*>([\s\S]*?)<\/a\s*>/i.exec(li[1] ?? '');
      const headline = a ? toText(a[1] ?? '').trim() : '';
      const key = normaliseTitle(headline);
      if (key === '' || key === ownKey || seen.has(key)) continue;
      seen.add(key);
      out.push(headline);
      if (out.length >= MAX_RELATED) return out;
    }
  }
  return out;
}

/**
 * The lead text of an aggregator's item: a trailing outlet name removed, and nothing at all when
 * what is left only repeats the headline.
 */
export function aggregatorLead(text: string, headline: string | null, outlet: string | null): string {
  let lead = text.replace(/\s+/g, ' ').trim();
  if (outlet) {
    // Drop the outlet when the text ends with it ("Headline  Reuters").
    const tokens = lead.split(' ');
    for (let k = 1; k <= Math.min(tokens.length, 12); k++) {
      if (sameOutlet(tokens.slice(-k).join(' '), outlet)) {
        lead = tokens.slice(0, -k).join(' ');
        break;
      }
    }
  }
  if (lead === '') return '';
  if (headline && repeats(lead, headline)) return '';
  return lead;
}

/** The text says nothing the headline does not: the same words, or the headline and a dash of outlet. */
function repeats(text: string, headline: string): boolean {
  const t = normaliseTitle(text);
  const h = normaliseTitle(headline);
  return t === '' || t === h || (h !== '' && t.startsWith(h) && t.length - h.length <= 2);
}

const FOOTER_TAIL = 'appeared first on';

/**
 * Drop WordPress's (Yoast's) footer, "The post <title> appeared first on <site>.", from the end of
 * an item's text, and write the "[…]" of a cut excerpt as "…".
 */
export function stripWordPressFooter(text: string): string {
  let out = text;
  const at = out.lastIndexOf(FOOTER_TAIL);
  const start = at < 0 ? -1 : out.lastIndexOf('The post ', at);
  // A footer ends the text: the site's name follows, nothing more.
  if (start >= 0 && out.length - (at + FOOTER_TAIL.length) <= 200) out = out.slice(0, start).trim();
  // WordPress ends a cut excerpt with " […]"; an ellipsis says the same.
  return out.replace(/\s*\[(?:…|&hellip;|\.\.\.)\]$/u, '…');
}
