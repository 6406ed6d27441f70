/**
 * Scores story clustering against hand-labelled stories (test/fixtures/stories.jsonl). Pure: the
 * caller runs the pipeline and passes, per item, its gold story and the story it was put in.
 *
 * - B-cubed (Bagga & Baldwin): for each item, precision is the share of its predicted story that
 *   belongs to its gold story, recall the share of its gold story that is in its predicted story;
 *   both averaged over items. A wrong merge costs precision, a wrong split costs recall.
 * - Pairwise: over all pairs of items, a pair put together is right when both share a gold story.
 *
 * Labelling rule: one story is one real-world event (a decision, letter, filing, ruling, hearing,
 * signing, order, report). Coverage of it, same-day reactions and analysis mainly about it share its
 * label; a related but different event (the hearing after the filing, the signing after the
 * request) has its own.
 */

export interface ClusterAssignment {
  id: string;
  gold: string;
  predicted: string;
}

export interface ClusterScores {
  items: number;
  goldStories: number;
  predictedStories: number;
  bcubed: { precision: number; recall: number; f1: number };
  pairwise: { precision: number; recall: number; f1: number; truePairs: number; predictedPairs: number };
}

const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

export function scoreClusters(assignments: readonly ClusterAssignment[]): ClusterScores {
  const byGold = new Map<string, ClusterAssignment[]>();
  const byPred = new Map<string, ClusterAssignment[]>();
  for (const a of assignments) {
    byGold.set(a.gold, [...(byGold.get(a.gold) ?? []), a]);
    byPred.set(a.predicted, [...(byPred.get(a.predicted) ?? []), a]);
  }
  // Items of each (gold, predicted) cell: the overlap of an item's two clusters.
  const cell = new Map<string, number>();
  for (const a of assignments) {
    const k = `${a.gold}\u0000${a.predicted}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
  }
  let p = 0;
  let r = 0;
  for (const a of assignments) {
    const both = cell.get(`${a.gold}\u0000${a.predicted}`) ?? 0;
    p += both / (byPred.get(a.predicted)?.length ?? 1);
    r += both / (byGold.get(a.gold)?.length ?? 1);
  }
  const n = assignments.length;
  const pairs = (k: number) => (k * (k - 1)) / 2;
  let together = 0;
  for (const c of cell.values()) together += pairs(c);
  let predictedPairs = 0;
  for (const members of byPred.values()) predictedPairs += pairs(members.length);
  let truePairs = 0;
  for (const members of byGold.values()) truePairs += pairs(members.length);
  const bp = n ? p / n : 1;
  const br = n ? r / n : 1;
  const pp = predictedPairs ? together / predictedPairs : 1;
  const pr = truePairs ? together / truePairs : 1;
  return {
    items: n,
    goldStories: byGold.size,
    predictedStories: byPred.size,
    bcubed: { precision: bp, recall: br, f1: f1(bp, br) },
    pairwise: { precision: pp, recall: pr, f1: f1(pp, pr), truePairs, predictedPairs },
  };
}

/** Predicted stories that mix gold stories (wrong merges), largest first: what the report lists. */
export function wrongMerges(
  assignments: readonly ClusterAssignment[],
): { predicted: string; gold: string[] }[] {
  const byPred = new Map<string, Set<string>>();
  for (const a of assignments) byPred.set(a.predicted, (byPred.get(a.predicted) ?? new Set()).add(a.gold));
  return [...byPred]
    .filter(([, gold]) => gold.size > 1)
    .map(([predicted, gold]) => ({ predicted, gold: [...gold].sort() }))
    .sort((a, b) => b.gold.length - a.gold.length || a.predicted.localeCompare(b.predicted));
}

/** Gold stories spread over several predicted stories (wrong splits). */
export function wrongSplits(assignments: readonly ClusterAssignment[]): { gold: string; parts: number }[] {
  const byGold = new Map<string, Set<string>>();
  for (const a of assignments) byGold.set(a.gold, (byGold.get(a.gold) ?? new Set()).add(a.predicted));
  return [...byGold]
    .filter(([, parts]) => parts.size > 1)
    .map(([gold, parts]) => ({ gold, parts: parts.size }))
    .sort((a, b) => b.parts - a.parts || a.gold.localeCompare(b.gold));
}

export function formatScores(label: string, s: ClusterScores): string {
  const x = (v: number) => v.toFixed(3);
  return [
    `${label}: ${s.items} items, ${s.goldStories} gold stories, ${s.predictedStories} predicted`,
    `  B-cubed   precision ${x(s.bcubed.precision)}  recall ${x(s.bcubed.recall)}  F1 ${x(s.bcubed.f1)}`,
    `  pairwise  precision ${x(s.pairwise.precision)}  recall ${x(s.pairwise.recall)}  F1 ${x(s.pairwise.f1)}`,
  ].join('\n');
}
