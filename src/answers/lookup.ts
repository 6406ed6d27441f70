/**
 * The lookups (`status`, `roster`, `timeline`, `recent`, `history`), dispatched from their words:
 * the one place both `/caisi …` and the `caisi-watch …` command line get their answers from.
 */
import type { Roster } from '../roster/schema.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import {
  type Answer,
  historyAnswer,
  knownLabs,
  LookupError,
  recentAnswer,
  resolveLab,
  rosterAnswer,
  statusAnswer,
  timelineAnswer,
} from './answer.js';

export const LOOKUPS = new Set(['status', 'roster', 'timeline', 'recent', 'history']);

export interface LookupDeps {
  roster: () => Promise<Roster>;
  clock: Clock;
  /** The store, for matched news and the audit log; null when there is none yet (answers from the seeds). */
  store: Pick<Store, 'latestStories' | 'auditLog'> | null;
}

/** `recent [lab] [n]`: a trailing number is the count (1–50, default 5). */
export function parseRecentArgs(words: string[]): { lab: string | undefined; n: number } {
  const rest = [...words];
  let n = 5;
  const last = rest[rest.length - 1];
  if (last && /^\d+$/.test(last)) {
    n = Number(rest.pop());
    if (n < 1 || n > 50) throw new LookupError('The count must be between 1 and 50.');
  }
  return { lab: rest.join(' ').trim() || undefined, n };
}

/** Answer `words` (the subcommand, then its arguments); a LookupError says what was wrong. */
export async function lookup(words: string[], deps: LookupDeps): Promise<Answer> {
  const [sub = '', ...rest] = words;
  const r = await deps.roster();
  const arg = rest.join(' ').trim();
  switch (sub.toLowerCase()) {
    case 'status': {
      if (!arg) throw new LookupError(`Which lab? For example \`status meta\`. Known labs: ${knownLabs(r)}.`);
      const lab = resolveLab(r, arg);
      return statusAnswer(
        r,
        arg,
        (await deps.store?.latestStories(3, lab.id)) ?? [],
        new Date(deps.clock.now()),
      );
    }
    case 'roster':
      return rosterAnswer(r, arg || undefined);
    case 'timeline':
      return timelineAnswer(r, arg || undefined);
    case 'recent': {
      const { lab, n } = parseRecentArgs(rest);
      const found = lab ? resolveLab(r, lab) : undefined;
      return recentAnswer((await deps.store?.latestStories(n, found?.id)) ?? [], found?.name);
    }
    case 'history': {
      if (!arg)
        throw new LookupError(`Whose history? For example \`history meta\`. Known labs: ${knownLabs(r)}.`);
      const lab = resolveLab(r, arg);
      return historyAnswer(r, lab, (await deps.store?.auditLog(lab.id)) ?? []);
    }
    default:
      throw new LookupError(`Unknown lookup "${sub}".`);
  }
}
