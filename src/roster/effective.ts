/**
 * The roster users see: the bundled seeds with the edits made in Slack on top.
 * An edit replaces the seed membership for its lab × program and cites its own source.
 */
import type { RosterEdit } from '../store/types.js';
import type { MembershipStatus, Roster, Source } from './schema.js';
import { membershipStatus } from './schema.js';

export function applyRosterEdits(seed: Roster, edits: RosterEdit[]): Roster {
  if (edits.length === 0) return seed;
  const sources: Source[] = [...seed.sources];
  const memberships = [...seed.memberships];
  for (const e of edits) {
    const status = membershipStatus.safeParse(e.status);
    if (!status.success) continue;
    const sourceId = `edit-${e.lab}-${e.program}`;
    let outlet = `roster edit by ${e.setBy}`;
    if (e.sourceUrl) {
      try {
        outlet = new URL(e.sourceUrl).hostname;
      } catch {
        /* keep the default outlet */
      }
    }
    sources.push({
      id: sourceId,
      outlet,
      title: e.sourceTitle ?? `Set in Slack by ${e.setBy}`,
      date: e.setAt.slice(0, 10),
      url: e.sourceUrl ?? undefined,
    });
    const replaced = {
      lab: e.lab,
      program: e.program,
      status: status.data as MembershipStatus,
      since: e.since ?? e.setAt.slice(0, 10),
      note: `Set by ${e.setBy} on ${e.setAt.slice(0, 10)}.`,
      versions: [],
      sources: [sourceId],
    };
    const i = memberships.findIndex((m) => m.lab === e.lab && m.program === e.program);
    if (i >= 0) memberships[i] = replaced;
    else memberships.push(replaced);
  }
  return { ...seed, sources, memberships };
}
