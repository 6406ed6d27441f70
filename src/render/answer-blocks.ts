/** Lookup answers as Block Kit (ephemeral replies, App Home), within Slack's limits. */
import type { Answer } from '../answers/answer.js';
import type { Block } from './alert.js';
import { MAX_HEADER_TEXT, MAX_SECTION_TEXT } from './limits.js';
import { escapeMrkdwn, mrkdwnText, plainText, safeLink, truncate } from './mrkdwn.js';

/** One section per heading; long sections are split so no block passes 3,000 characters. */
export function renderAnswerBlocks(a: Answer, maxBlocks = 45): Block[] {
  const blocks: Block[] = [{ type: 'header', text: plainText(a.title, MAX_HEADER_TEXT) }];
  for (const s of a.sections) {
    const rendered = s.lines.map((l) => {
      const main = l.url ? safeLink(l.url, l.text) : escapeMrkdwn(l.text);
      return l.detail ? `${main}\n      _${escapeMrkdwn(truncate(l.detail, 600))}_` : main;
    });
    let chunk = s.heading ? `*${escapeMrkdwn(s.heading)}*` : '';
    for (const line of rendered) {
      const next = chunk ? `${chunk}\n${line}` : line;
      if (next.length > MAX_SECTION_TEXT && chunk) {
        blocks.push({ type: 'section', text: mrkdwnText(chunk) });
        chunk = truncate(line, MAX_SECTION_TEXT);
      } else chunk = truncate(next, MAX_SECTION_TEXT);
    }
    if (chunk) blocks.push({ type: 'section', text: mrkdwnText(chunk) });
  }
  if (blocks.length > maxBlocks) {
    blocks.length = maxBlocks - 1;
    blocks.push({ type: 'context', elements: [mrkdwnText('… (cut to fit Slack)')] });
  }
  return blocks;
}

/** Plain-text fallback for notifications: the title and first lines, escaped. */
export function answerFallback(a: Answer): string {
  const first = a.sections[0]?.lines.slice(0, 3).map((l) => l.text) ?? [];
  return escapeMrkdwn(truncate([a.title, ...first].join(' — '), 300));
}
