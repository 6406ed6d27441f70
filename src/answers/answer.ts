/**
 * Answers to lookups, as data: the same answer is rendered as terminal text by the CLI and as
 * Block Kit by the Slack handlers. Everything here is pure.
 */
import { AppError } from '../errors.js';
import {
  compareDates,
  daysSince,
  findLab,
  findProgram,
  joinablePrograms,
  membership,
  programById,
  rosterLine,
  sourceById,
  statusWords,
  timeline,
} from '../roster/query.js';
import type { Lab, Membership, Roster, RosterEvent } from '../roster/schema.js';
import type { AuditEntry, StoryRow } from '../store/types.js';

export interface AnswerLine {
  text: string;
  /** A link for the line, shown as a link in Slack and after the text in a terminal. */
  url?: string | null;
  /** Smaller print under the line: sources, notes. */
  detail?: string;
}

export interface AnswerSection {
  heading?: string;
  lines: AnswerLine[];
}

export interface Answer {
  title: string;
  sections: AnswerSection[];
}

export class LookupError extends AppError {
  constructor(message: string) {
    super(message, 'lookup', 'user');
    this.name = 'LookupError';
  }
}

export const knownLabs = (r: Roster) => r.labs.map((l) => l.id).join(', ');
export const knownPrograms = (r: Roster) => r.programs.map((p) => p.id).join(', ');

export function resolveLab(r: Roster, query: string): Lab {
  const lab = findLab(r, query);
  if (!lab) throw new LookupError(`Unknown lab "${query.slice(0, 80)}". Known labs: ${knownLabs(r)}.`);
  return lab;
}

/** "The New York Times (2026-06-23); Pondero Newsdesk (2026-06-24)" */
export function citeSources(r: Roster, ids: string[]): string {
  return ids
    .map((id) => sourceById(r, id))
    .filter((s) => s !== undefined)
    .map((s) => `${s.outlet} (${s.date})`)
    .join('; ');
}

function membershipLine(r: Roster, m: Membership, now: Date): AnswerLine {
  const program = programById(r, m.program);
  const name = program?.short ?? m.program;
  const since = m.since ? ` since ${m.since}` : '';
  const open = m.status === 'not-signed' || m.status === 'in-talks';
  const outstanding = open && m.since ? ` — request open ${daysSince(m.since, now)} days` : '';
  const versions = m.versions.length
    ? ` Accounts differ: ${m.versions.map((v) => `${v.says} [${citeSources(r, v.sources)}]`).join(' / ')}`
    : '';
  return {
    text: `${name}: ${statusWords(m.status)}${since}${outstanding}`,
    detail: `${m.note ? `${m.note} ` : ''}Sources: ${citeSources(r, m.sources)}.${versions}`,
  };
}

const eventLine = (r: Roster, e: RosterEvent): AnswerLine => ({
  text: `${e.date}  ${e.title}`,
  detail:
    `Sources: ${citeSources(r, e.sources)}.` +
    (e.versions.length
      ? ` Accounts differ: ${e.versions.map((v) => `${v.says} [${citeSources(r, v.sources)}]`).join(' / ')}`
      : ''),
});

const storyLine = (s: StoryRow): AnswerLine => {
  const first = s.sources[0];
  const outlets = [...new Set(s.sources.map((x) => x.outlet))];
  return {
    text: `${(s.published ?? s.firstSeenAt).slice(0, 10)}  ${s.title}`,
    url: first?.link ?? null,
    detail: `${outlets.length} source${outlets.length === 1 ? '' : 's'}: ${outlets.join(', ')}`,
  };
};

export function statusAnswer(r: Roster, query: string, latest: StoryRow[], now: Date): Answer {
  const lab = resolveLab(r, query);
  const memberships = r.memberships.filter((m) => m.lab === lab.id);
  const notIn = joinablePrograms(r).filter((p) => !memberships.some((m) => m.program === p.id));
  const lines = memberships.map((m) => membershipLine(r, m, now));
  for (const p of notIn)
    lines.push({ text: `${p.short}: no record`, detail: 'The sources say nothing about this lab here.' });
  const events = timeline(r, { lab: lab.id }).slice(-3).reverse();
  const sections: AnswerSection[] = [{ heading: 'Programs', lines }];
  if (events.length) sections.push({ heading: 'Last events', lines: events.map((e) => eventLine(r, e)) });
  sections.push({
    heading: 'Latest matched news',
    lines: latest.length ? latest.slice(0, 3).map(storyLine) : [{ text: 'No matched news yet.' }],
  });
  return { title: `${lab.name}: status`, sections };
}

export function rosterAnswer(r: Roster, programQuery?: string): Answer {
  const programs = programQuery
    ? [findProgram(r, programQuery) ?? throwUnknownProgram(r, programQuery)]
    : joinablePrograms(r);
  const sections = programs.map((p): AnswerSection => {
    const rows = r.labs
      .map((lab) => ({ lab, m: membership(r, lab.id, p.id) }))
      .filter(({ m }) => m || p.kind === 'voluntary-review')
      .sort(
        (a, b) => statusRank(a.m) - statusRank(b.m) || compareDates(a.m?.since ?? '9', b.m?.since ?? '9'),
      );
    return {
      heading: p.kind === 'voluntary-review' ? rosterLine(r, p.id) : p.name,
      lines: rows.map(({ lab, m }) => ({
        text: `${lab.name}: ${m ? statusWords(m.status) : 'no record'}${m?.since ? ` (since ${m.since})` : ''}`,
        detail: m ? `Sources: ${citeSources(r, m.sources)}` : undefined,
      })),
    };
  });
  return { title: programQuery ? `Roster: ${programs[0]?.name}` : 'Roster', sections };
}

const statusRank = (m?: Membership) => (m?.status === 'signed' ? 0 : m ? 1 : 2);

function throwUnknownProgram(r: Roster, q: string): never {
  throw new LookupError(`Unknown program "${q.slice(0, 80)}". Known programs: ${knownPrograms(r)}.`);
}

export function timelineAnswer(r: Roster, query?: string): Answer {
  if (!query) return { title: 'Timeline', sections: [{ lines: timeline(r).map((e) => eventLine(r, e)) }] };
  const program = findProgram(r, query);
  const lab = program ? undefined : findLab(r, query);
  if (!program && !lab)
    throw new LookupError(
      `Unknown lab or program "${query.slice(0, 80)}". Labs: ${knownLabs(r)}. Programs: ${knownPrograms(r)}.`,
    );
  const events = timeline(r, program ? { program: program.id } : { lab: lab?.id });
  return {
    title: `Timeline: ${program?.name ?? lab?.name}`,
    sections: [
      { lines: events.length ? events.map((e) => eventLine(r, e)) : [{ text: 'No dated events.' }] },
    ],
  };
}

export function recentAnswer(stories: StoryRow[], labName?: string): Answer {
  return {
    title: labName ? `Recent news: ${labName}` : 'Recent news',
    sections: [{ lines: stories.length ? stories.map(storyLine) : [{ text: 'No matched news yet.' }] }],
  };
}

export function historyAnswer(r: Roster, lab: Lab, entries: AuditEntry[]): Answer {
  return {
    title: `Roster history: ${lab.name}`,
    sections: [
      {
        lines: entries.length
          ? entries.map((e) => ({
              text: `${e.at.slice(0, 16).replace('T', ' ')} UTC  ${programById(r, e.program ?? '')?.short ?? e.program}: ${e.oldStatus ?? 'no record'} → ${e.newStatus}`,
              detail: `${e.action} by ${e.actor}${e.source ? `; source: ${e.source}` : ''}${e.detail ? `; ${e.detail}` : ''}`,
            }))
          : [{ text: 'No changes recorded: the roster is as the bundled sources give it.' }],
      },
    ],
  };
}
