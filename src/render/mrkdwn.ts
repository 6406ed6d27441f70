/**
 * Safe text for Slack: escaping untrusted strings (feed titles, summaries, outlet names) so they can be
 * shown in Block Kit without pinging anyone or breaking the layout. Pure functions, no I/O.
 *
 * Slack's rules (notes/slack-platform.md §5, [FMT]):
 * - Only `&`, `<` and `>` are control characters; they are escaped as `&amp;`, `&lt;`, `&gt;` and nothing
 *   else is encoded. Every mention and link form (`<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`,
 *   `<!subteam^…>`, `<#C…>`, `<url|label>`) starts with `<`, so escaping `<` disarms all of them.
 * - Plain-word mentions (`@everyone`, `@here`, `@channel`, `#general`) and bare URLs are only turned into
 *   live mentions/links by Slack's *automatic parsing*. In blocks, `verbatim: true` turns that off (the
 *   default is `false`); in top-level `text` it only happens with `link_names`, which this app never
 *   sends. So we leave those words as they are: with `mrkdwnText()` (verbatim) or `plainText()` they are
 *   inert text. Do not render untrusted text in a mrkdwn object without `verbatim: true`.
 * - mrkdwn emphasis (`*bold*`, `_it_`, `~strike~`, `` `code` ``) in untrusted text is harmless formatting;
 *   it is kept as is.
 */

import { MAX_URL } from './limits.js';

export interface MrkdwnTextObject {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}

export interface PlainTextObject {
  type: 'plain_text';
  text: string;
  emoji: false;
}

const ELLIPSIS = '…';
const ENTITIES = ['&amp;', '&lt;', '&gt;'] as const;

/** Escape the three mrkdwn control characters (`&`, `<`, `>`) and nothing else. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/**
 * Return the URL as it may appear inside `<…|…>`, or `undefined` when it is not a usable http(s) URL.
 * The URL is normalised by the WHATWG parser (what we validated is what we emit); credentials
 * (`https://good.example@evil.example/`) are refused because they make a link lie about its target.
 * `|`, `<`, `>`, whitespace and control characters are percent-encoded; `&` becomes `&amp;`, which
 * Slack decodes back to `&` in the link target.
 */
export function mrkdwnUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (!parsed.hostname || parsed.username || parsed.password) return undefined;
  const encoded = parsed.href
    .replace(
      /[|<>\s\u0000-\u001f\u007f]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .replace(/&/g, '&amp;');
  return encoded.length <= MAX_URL ? encoded : undefined;
}

/**
 * `<url|label>` when `url` is a valid http(s) URL, else just the escaped label. The label is escaped and
 * flattened to one line. An empty label gives `<url>` (Slack shows the URL itself).
 */
export function safeLink(url: string | undefined | null, label: string): string {
  const cleanLabel = escapeMrkdwn(label.replace(/\s+/g, ' ').trim());
  const target = url ? mrkdwnUrl(url) : undefined;
  if (target === undefined) return cleanLabel;
  return cleanLabel ? `<${target}|${cleanLabel}>` : `<${target}>`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Shorten `text` to at most `max` UTF-16 units, ending with `…` when something was cut.
 * Cuts on a word boundary when one is reasonably close (within the last 40%), never splits a surrogate
 * pair, never leaves half an entity (`&am`) and never leaves an unclosed `<…>` link/mention built by
 * `safeLink` — so it is safe on already-escaped mrkdwn as well as on plain text.
 */
export function truncate(text: string, max: number): string {
  if (!Number.isFinite(max) || max <= 0) return '';
  if (text.length <= max) return text;
  if (max === 1) return ELLIPSIS;

  let cut = max - 1; // keep text[0, cut), leaving room for the ellipsis
  if (isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;

  // Prefer a word boundary: the last whitespace at or before `cut` (text[cut] itself may be a space).
  for (let i = cut; i >= Math.floor(cut * 0.6) && i > 0; i--) {
    if (/\s/.test(text.charAt(i))) {
      cut = i;
      break;
    }
  }

  // Do not split an entity.
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - 5) {
    for (const entity of ENTITIES) {
      if (text.startsWith(entity, amp) && amp + entity.length > cut) {
        cut = amp;
        break;
      }
    }
  }

  // Do not leave an unclosed `<…>` link or mention (as built by `safeLink`): cut before it.
  const lt = text.lastIndexOf('<', cut - 1);
  if (lt >= 0 && text.indexOf('>', lt) >= cut && /^<(?:https?:|mailto:|[@#!])/.test(text.slice(lt, lt + 8))) {
    cut = lt;
  }

  if (cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
  return `${text.slice(0, cut).trimEnd()}${ELLIPSIS}`;
}

/**
 * A mrkdwn text object with automatic parsing off (`verbatim: true`). `text` must already be safe
 * mrkdwn: untrusted parts escaped with `escapeMrkdwn`/`safeLink`. Slack rejects empty text objects.
 */
export function mrkdwnText(text: string): MrkdwnTextObject {
  return { type: 'mrkdwn', text, verbatim: true };
}

/**
 * A plain_text object (never parsed for mentions or links; `:emoji:` codes shown literally), truncated
 * to `max`. Plain text is shown as is, so it is NOT escaped. Slack rejects empty text objects.
 */
export function plainText(text: string, max: number): PlainTextObject {
  return { type: 'plain_text', text: truncate(text, max), emoji: false };
}
