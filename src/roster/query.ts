/**
 * Questions users ask of the roster (pure): which lab is "gdm", where does Meta stand,
 * what is the roster line for the CAISI review, what happened when.
 */
import type { Lab, Membership, MembershipStatus, Program, Roster, RosterEvent, Source } from './schema.js';

const squash = (s: string) =>
  s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[’']s\b/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** Words that do not tell labs apart ("Meta Platforms Inc" → "meta"). */
const FILLER = new Set(['inc', 'platforms', 'corp', 'corporation', 'ltd', 'llc', 'the', 'ai', 'labs', 'lab']);
const core = (s: string) =>
  squash(s)
    .split(' ')
    .filter((w) => w && !FILLER.has(w))
    .join(' ');

const aliasText = (a: Lab['aliases'][number]) => (typeof a === 'string' ? a : a.text);

/** Find a lab by id, name, alias or nickname, forgiving case, punctuation and company suffixes. */
export function findLab(roster: Roster, query: string): Lab | undefined {
  const q = squash(query);
  const qc = core(query);
  if (!q) return undefined;
  const names = (lab: Lab) => [
    lab.id.replace(/-/g, ' '),
    lab.name,
    ...lab.aliases.filter((a) => typeof a === 'string' || !a.weak).map(aliasText),
    ...lab.nicknames,
  ];
  for (const lab of roster.labs) if (names(lab).some((n) => squash(n) === q)) return lab;
  for (const lab of roster.labs) if (qc && names(lab).some((n) => core(n) === qc)) return lab;
  // A unique prefix of a name ("anthro", "micro") is accepted; an ambiguous one is not.
  const prefixed = roster.labs.filter((lab) =>
    names(lab).some((n) => q.length >= 3 && squash(n).startsWith(q)),
  );
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export function findProgram(roster: Roster, query: string): Program | undefined {
  const q = squash(query);
  if (!q) return undefined;
  const names = (p: Program) => [p.id.replace(/-/g, ' '), p.name, p.short, ...p.aliases.map(aliasText)];
  const exact = roster.programs.find((p) => names(p).some((n) => squash(n) === q));
  if (exact) return exact;
  const digits = q.replace(/\D/g, '');
  if (digits.length >= 4) return roster.programs.find((p) => p.id.replace(/\D/g, '') === digits);
  return undefined;
}

export const labById = (r: Roster, id: string) => r.labs.find((l) => l.id === id);
export const programById = (r: Roster, id: string) => r.programs.find((p) => p.id === id);
export const sourceById = (r: Roster, id: string): Source | undefined => r.sources.find((s) => s.id === id);

export function membership(r: Roster, lab: string, program: string): Membership | undefined {
  return r.memberships.find((m) => m.lab === lab && m.program === program);
}

/** Review programs that labs join: the ones a roster line is drawn for. */
export const joinablePrograms = (r: Roster) => r.programs.filter((p) => p.kind === 'voluntary-review');

const STATUS_WORDS: Record<MembershipStatus, string> = {
  signed: 'signed',
  'in-talks': 'in talks',
  'not-signed': 'not signed',
  suspended: 'suspended',
  withdrawn: 'withdrawn',
  subject: 'subject to it',
};
export const statusWords = (s: MembershipStatus) => STATUS_WORDS[s];

/** "CAISI review: 5 of 6 signed — not signed: Meta" */
export function rosterLine(r: Roster, programId: string): string {
  const program = programById(r, programId);
  if (!program) return '';
  const signed = r.labs.filter((l) => membership(r, l.id, programId)?.status === 'signed');
  const others = r.labs.filter((l) => membership(r, l.id, programId)?.status !== 'signed');
  const tail = others.length ? ` — not signed: ${others.map((l) => l.name).join(', ')}` : ' — all signed';
  return `${program.short}: ${signed.length} of ${r.labs.length} signed${tail}`;
}

/** Compare partial dates (2024 < 2024-08 < 2024-08-29) chronologically. */
export const compareDates = (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1);

export function timeline(r: Roster, filter?: { lab?: string; program?: string }): RosterEvent[] {
  return r.events
    .filter((e) => !filter?.lab || e.labs.includes(filter.lab))
    .filter((e) => !filter?.program || e.programs.includes(filter.program))
    .sort((a, b) => compareDates(a.date, b.date));
}

/** Whole days from a partial date to `now` (a month counts from its first day). */
export function daysSince(date: string, now: Date): number {
  const [y, m = '01', d = '01'] = date.split('-');
  const start = Date.UTC(Number(y), Number(m) - 1, Number(d));
  return Math.max(0, Math.floor((now.getTime() - start) / 86_400_000));
}
