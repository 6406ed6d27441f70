/**
 * The alert decision (design.md, "decide"): an item alerts when it names a tracked program, or a
 * tracked lab together with a government / regulatory / security topic, or (no lab needed) when
 * it describes the government's pre-release review of models without naming the program.
 *
 * Topics come in weighted groups (topics.ts). A lab alerts when the groups found add up to at least
 * 1: one strong group is enough ("Commerce Department", "senators", "export controls"), two weak
 * ones together also are ("Italy" + "bans"), one weak group alone is not ("Meta bans ...").
 */
import { TOPIC_GROUPS } from './topics.js';

export interface Decision {
  alert: boolean;
  reason: string;
}

export interface DecisionInput {
  labs: readonly string[];
  programs: readonly string[];
  /** Topic group ids found in the item (each at most once). */
  topics: readonly string[];
}

/** What a lab needs next to it to alert. */
export const TOPIC_THRESHOLD = 1;

/**
 * Groups that make "pre-release review" the government's review: an item that describes the
 * program without naming it ("Trump's AI order sets 30-day window for pre-release testing") is a
 * program mention in all but name.
 */
const GOVERNMENT_CONTEXT = new Set([
  'government',
  'officials',
  'executive-action',
  'legislature',
  'regulation',
]);

const WEIGHTS: ReadonlyMap<string, number> = new Map(TOPIC_GROUPS.map((g) => [g.id, g.weight]));

/** The summed weight of the distinct topic groups found. */
export function topicScore(topics: readonly string[]): number {
  let score = 0;
  for (const id of new Set(topics)) score += WEIGHTS.get(id) ?? 0;
  return score;
}

const list = (ids: readonly string[]): string => ids.join(', ');

export function decide(input: DecisionInput): Decision {
  const { labs, programs, topics } = input;
  if (programs.length > 0) {
    return { alert: true, reason: `program mentioned: ${list(programs)}` };
  }
  const score = topicScore(topics);
  if (labs.length > 0 && score >= TOPIC_THRESHOLD) {
    return { alert: true, reason: `lab ${list(labs)} with government angle (${list(topics)})` };
  }
  if (topics.includes('pre-release-review') && topics.some((t) => GOVERNMENT_CONTEXT.has(t))) {
    return { alert: true, reason: `government pre-release review described (${list(topics)})` };
  }
  if (labs.length > 0 && topics.length > 0) {
    return { alert: false, reason: `lab ${list(labs)}, government angle too weak (${list(topics)})` };
  }
  if (labs.length > 0) return { alert: false, reason: `lab ${list(labs)} without government angle` };
  if (score >= TOPIC_THRESHOLD) return { alert: false, reason: 'government topic without a tracked lab' };
  return { alert: false, reason: 'no tracked lab or program' };
}
