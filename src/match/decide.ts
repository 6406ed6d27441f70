/**
 * The alert decision (design.md, "decide").
 *
 * What alerts: a lab's item alerts when government acts on or about the lab's AI: its models,
 * pre-release testing, AI policy, AI safety, export controls on AI, AI-related probes, fines and
 * lawsuits, national-security decisions about its models. An item that names a tracked program
 * always alerts, and so does one that describes the government's pre-release review of models
 * without naming the program. It does not alert for the lab's own business (product launches,
 * partnerships, hiring, investments, a government buying its product) unless a government also
 * acts in the item, nor for regulation that has nothing to do with AI (an antitrust case about
 * news payments, a child-safety fine about a social network).
 *
 * How:
 * 1. A tracked program named: alert.
 * 2. A lab with a government angle: the topic groups found add up to the threshold.

 * Topics come in weighted groups (seeds/vocabulary.yaml). A lab alerts when the groups found add
 * up to the vocabulary's threshold: one strong group is enough ("Commerce Department", "senators",
 * "export controls"), two weak ones together also are ("Italy" + "bans"), one weak group alone is
 * not ("Meta bans ...").
 * 3. …about AI: the lab is an AI lab (roster `scope: ai`), or it was named by an alias of its AI
 *    (Gemini, Llama, DeepMind), or the title has an AI word, or the summary has one and the item
 *    names none of the lab's non-AI businesses (Instagram, Android, Teams...).
 * 4. …and not the lab's own business: with business words in the title ("hires", "partners",
 *    "offers"), at least one group found must be a government act (role `act`), not only an actor.
 * 5. No lab: the described review (the vocabulary's `describedReview` groups together) alerts.
 * No group id is named here: the vocabulary says which groups are acts and describe the review.
 */
import type { Vocabulary } from '../roster/vocabulary.js';

export interface Decision {
  alert: boolean;
  reason: string;
}

/** What the matcher knows about an item beyond its topics, computed only when the decision asks. */
export interface ItemFacts {
  /** A lab was found by an alias that names its AI, or the lab is an AI lab. */
  aiLab: boolean;
  /** AI words (the vocabulary's `aiWords`) in the title / in the summary. */
  aiInTitle: boolean;
  aiInSummary: boolean;
  /** A non-AI business of a broad lab is named (its social network, its ad tech...). */
  notAi: boolean;
  /** The title reads as the lab's own business: a launch, a partnership, a hire, a sale. */
  business: boolean;
}

export interface DecisionInput {
  labs: readonly string[];
  programs: readonly string[];
  /** Topic group ids found in the item (each at most once). */
  topics: readonly string[];
  /** Looked up only when a lab would alert; absent means "about AI, not business news". */
  facts?: () => ItemFacts;
}

/** The decision's settings, compiled from the vocabulary. */
export interface DecisionRules {
  threshold: number;
  weights: ReadonlyMap<string, number>;
  /** Groups whose role is `act`: a government doing something, not only being there. */
  acts: ReadonlySet<string>;
  describedReview: { group: string; with: ReadonlySet<string> };
}

export function compileDecision(v: Vocabulary): DecisionRules {
  return {
    threshold: v.decision.threshold,
    weights: new Map(v.topics.map((g) => [g.id, g.weight])),
    acts: new Set(v.topics.filter((g) => g.role === 'act').map((g) => g.id)),
    describedReview: {
      group: v.decision.describedReview.group,
      with: new Set(v.decision.describedReview.with),
    },
  };
}

/** The summed weight of the distinct topic groups found. */
export function topicScore(topics: readonly string[], rules: DecisionRules): number {
  let score = 0;
  for (const id of new Set(topics)) score += rules.weights.get(id) ?? 0;
  return score;
}

const list = (ids: readonly string[]): string => ids.join(', ');

export function decide(input: DecisionInput, rules: DecisionRules): Decision {
  const { labs, programs, topics } = input;
  if (programs.length > 0) {
    return { alert: true, reason: `program mentioned: ${list(programs)}` };
  }
  const score = topicScore(topics, rules);
  if (labs.length > 0 && score >= rules.threshold) {
    const facts = input.facts?.();
    if (facts && !(facts.aiLab || facts.aiInTitle || (facts.aiInSummary && !facts.notAi))) {
      return {
        alert: false,
        reason: `lab ${list(labs)} with government angle (${list(topics)}), but not about AI`,
      };
    }
    if (facts?.business && !topics.some((t) => rules.acts.has(t))) {
      return {
        alert: false,
        reason: `lab ${list(labs)}'s own business, no government act (${list(topics)})`,
      };
    }
    return { alert: true, reason: `lab ${list(labs)} with government angle (${list(topics)})` };
  }
  const review = rules.describedReview;
  if (topics.includes(review.group) && topics.some((t) => review.with.has(t))) {
    return { alert: true, reason: `government pre-release review described (${list(topics)})` };
  }
  if (labs.length > 0 && topics.length > 0) {
    return { alert: false, reason: `lab ${list(labs)}, government angle too weak (${list(topics)})` };
  }
  if (labs.length > 0) return { alert: false, reason: `lab ${list(labs)} without government angle` };
  if (score >= rules.threshold) return { alert: false, reason: 'government topic without a tracked lab' };
  return { alert: false, reason: 'no tracked lab or program' };
}
