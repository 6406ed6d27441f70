/**
 * An alert for one story, as Block Kit (for Slack) and as plain text (for the terminal and the
 * demo). Every piece of feed text is untrusted: escaped, verbatim, and cut to Block Kit's limits.
 */
import { joinablePrograms, labById, programById, rosterLine } from '../roster/query.js';
import type { Roster } from '../roster/schema.js';
import type { Proposal, StoryRow } from '../store/types.js';
import { MAX_SECTION_TEXT } from './limits.js';
import { escapeMrkdwn, mrkdwnText, safeLink, truncate } from './mrkdwn.js';

// biome-ignore lint/suspicious/noExplicitAny: Block Kit blocks are plain JSON objects
export type Block = Record<string, any>;

export interface RenderedMessage {
  text: string;
  blocks: Block[];
}

export const CONFIRM_ACTION = 'roster_change_confirm';
export const DISMISS_ACTION = 'roster_change_dismiss';
export const SHARE_ACTION = 'share_answer';

export const labNames = (r: Roster, ids: string[]) => ids.map((id) => labById(r, id)?.name ?? id);
export const programNames = (r: Roster, ids: string[]) => ids.map((id) => programById(r, id)?.short ?? id);

/** The roster lines that give a story its context: its review programs, or all of them for a lab story. */
export function contextLines(r: Roster, story: Pick<StoryRow, 'labs' | 'programs'>): string[] {
  const joinable = joinablePrograms(r);
  const own = joinable.filter((p) => story.programs.includes(p.id));
  const programs = own.length ? own : story.labs.length ? joinable : [];
  return programs.map((p) => rosterLine(r, p.id));
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : 'undated');
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function renderAlertBlocks(r: Roster, story: StoryRow, proposals: Proposal[] = []): RenderedMessage {
  const lead = story.sources[0];
  const headline = truncate(story.title, 280);
  const blocks: Block[] = [
    { type: 'section', text: mrkdwnText(`*${safeLink(lead?.link, headline)}*`) },
    {
      type: 'context',
      elements: [
        mrkdwnText(
          truncate(
            [
              lead ? `${escapeMrkdwn(lead.outlet)} · ${day(lead.published)}` : '',
              story.labs.length ? `Labs: ${escapeMrkdwn(labNames(r, story.labs).join(', '))}` : '',
              story.programs.length
                ? `Programs: ${escapeMrkdwn(programNames(r, story.programs).join(', '))}`
                : '',
            ]
              .filter(Boolean)
              .join('  ·  '),
            MAX_SECTION_TEXT,
          ),
        ),
      ],
    },
  ];
  if (story.summary)
    blocks.push({ type: 'section', text: mrkdwnText(escapeMrkdwn(truncate(story.summary, 700))) });
  const lines = contextLines(r, story);
  if (lines.length) blocks.push({ type: 'context', elements: [mrkdwnText(escapeMrkdwn(lines.join('\n')))] });
  const others = story.sources.slice(1);
  if (others.length) {
    const links = others.map((s) => safeLink(s.link, truncate(s.outlet, 80))).join(', ');
    blocks.push({
      type: 'context',
      elements: [
        mrkdwnText(
          truncate(
            `Also covered by ${others.length === 1 ? '' : `${others.length} outlets: `}${links}`,
            MAX_SECTION_TEXT,
          ),
        ),
      ],
    });
  }
  for (const p of proposals.slice(0, 5)) {
    const what = `${labNames(r, [p.lab])[0]} → ${p.status} (${programNames(r, [p.program])[0]})`;
    if (p.state === 'open') {
      blocks.push(
        {
          type: 'section',
          text: mrkdwnText(
            `*Proposed roster change:* ${escapeMrkdwn(what)}\n_${escapeMrkdwn(truncate(p.evidence, 300))}_`,
          ),
        },
        {
          type: 'actions',
          block_id: `proposal:${p.id}`,
          elements: [
            {
              type: 'button',
              action_id: CONFIRM_ACTION,
              style: 'primary',
              value: String(p.id),
              text: { type: 'plain_text', text: 'Confirm' },
            },
            {
              type: 'button',
              action_id: DISMISS_ACTION,
              value: String(p.id),
              text: { type: 'plain_text', text: 'Dismiss' },
            },
          ],
        },
      );
    } else {
      const by = p.decidedBy && USER_ID.test(p.decidedBy) ? p.decidedBy : 'an admin';
      blocks.push({
        type: 'context',
        elements: [
          mrkdwnText(
            `Roster change ${escapeMrkdwn(what)} ${p.state} by ${escapeMrkdwn(by)} on ${day(p.decidedAt)}.`,
          ),
        ],
      });
    }
  }
  const who = labNames(r, story.labs).concat(programNames(r, story.programs)).join(', ');
  const text = truncate(`${who ? `${who}: ` : ''}${story.title}${lead ? ` (${lead.outlet})` : ''}`, 300);
  return { text: escapeMrkdwn(text), blocks };
}

/** The same alert for a terminal: headline, outlet and date, entities, summary, roster line, sources. */
export function renderAlertText(r: Roster, story: StoryRow): string {
  const lead = story.sources[0];
  const out = [
    `■ ${story.title}`,
    `  ${lead ? `${lead.outlet} · ${day(lead.published)}` : ''}${story.labs.length ? `  ·  Labs: ${labNames(r, story.labs).join(', ')}` : ''}${
      story.programs.length ? `  ·  Programs: ${programNames(r, story.programs).join(', ')}` : ''
    }`,
  ];
  if (story.summary) out.push(`  ${story.summary}`);
  for (const line of contextLines(r, story)) out.push(`  ⓘ ${line}`);
  out.push(`  Sources (${story.sources.length}):`);
  for (const s of story.sources) out.push(`   - ${s.outlet}: ${s.title}${s.link ? ` <${s.link}>` : ''}`);
  return out.join('\n');
}

/** The `demo --json` / `poll --json` shape of an alert. */
export function alertJson(r: Roster, story: StoryRow) {
  return {
    story: story.id,
    title: story.title,
    labs: story.labs,
    programs: story.programs,
    roster: contextLines(r, story),
    summary: story.summary,
    sources: story.sources.map((s) => ({
      outlet: s.outlet,
      title: s.title,
      link: s.link,
      published: s.published,
    })),
  };
}
