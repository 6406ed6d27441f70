/**
 * What a typical RSS-to-Slack bot does, written plainly: the yardsticks the benchmarks compare
 * caisi-watch against, measured in the same run on the same data.
 */
import Parser from 'rss-parser';
import type { AliasInput, Roster } from '../../src/roster/schema.js';

const aliasText = (a: AliasInput) => (typeof a === 'string' ? a : a.text);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One regular expression per alias: whole word, case-insensitive. */
export function regexKeywords(roster: Roster): { id: string; re: RegExp }[] {
  const out: { id: string; re: RegExp }[] = [];
  for (const e of [...roster.labs, ...roster.programs])
    for (const a of [e.name, ...e.aliases.map(aliasText)])
      out.push({ id: e.id, re: new RegExp(`\\b${escapeRegExp(a)}\\b`, 'i') });
  return out;
}

/** Match an item by trying every keyword in turn. */
export function regexMatch(
  keywords: { id: string; re: RegExp }[],
  item: { title: string; summary: string },
): string[] {
  const text = `${item.title}\n${item.summary}`;
  const found: string[] = [];
  for (const k of keywords) if (!found.includes(k.id) && k.re.test(text)) found.push(k.id);
  return found;
}

/**
 * The poll loop of a typical bot: every feed with rss-parser's parseURL, one after another, no
 * conditional requests; new items are those whose guid/link is not in the seen set; an item alerts
 * when a keyword matches.
 */
export async function naivePoll(
  urls: string[],
  seen: Set<string>,
  keywords: { id: string; re: RegExp }[],
): Promise<{ items: number; newItems: number; alerts: number; failed: number }> {
  const parser = new Parser();
  let items = 0;
  let newItems = 0;
  let alerts = 0;
  let failed = 0;
  for (const url of urls) {
    try {
      const feed = await parser.parseURL(url);
      for (const item of feed.items) {
        items++;
        const key = item.guid || item.link || item.title || '';
        if (seen.has(key)) continue;
        seen.add(key);
        newItems++;
        if (regexMatch(keywords, { title: item.title ?? '', summary: item.contentSnippet ?? '' }).length)
          alerts++;
      }
    } catch {
      failed++;
    }
  }
  return { items, newItems, alerts, failed };
}
