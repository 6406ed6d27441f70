/**
 * Matching throughput: items/s through compileMatcher(roster).match with the seed roster, and with
 * a synthetic roster of 1,000 labs × 5 aliases. Baseline: one whole-word, case-insensitive regular
 * expression per alias, tried in turn.
 *
 * Targets: ≥ 50,000 items/s with the seed roster; with 1,000 labs ≥ 10× the baseline.
 */
import { compileMatcher, type Matcher } from '../../src/match/matcher.js';
import { loadRoster } from '../../src/roster/load.js';
import { rosterSchema } from '../../src/roster/schema.js';
import { regexKeywords, regexMatch } from './baselines.js';
import { type Figures, isMain, round, runMain, verdict } from './common.js';
import { matchCorpus, syntheticCorpus, syntheticRoster } from './corpus.js';

type Item = { title: string; summary: string };

/** Items per second of `fn` over `items`, repeated until at least `minMs` have passed (at most `maxPasses`). */
function throughput(items: Item[], fn: (i: Item) => unknown, minMs = 1500, maxPasses = 20): number {
  // Warm-up: let the JIT settle before timing.
  for (let i = 0; i < Math.min(items.length, 2000); i++) fn(items[i] as Item);
  let n = 0;
  const t0 = performance.now();
  for (let pass = 0; pass < maxPasses; pass++) {
    for (const it of items) {
      fn(it);
      n++;
      // The baseline can be slow: stop mid-pass once the time is up.
      if ((n & 63) === 0 && performance.now() - t0 > minMs * 4) break;
    }
    if (performance.now() - t0 >= minMs) break;
  }
  return n / ((performance.now() - t0) / 1000);
}

const hits = (m: Matcher, items: Item[]) => items.filter((i) => m.match(i).labs.length > 0).length;

export async function main(): Promise<Figures> {
  console.log('\n== Matching ==');
  const seed = loadRoster();
  const seedMatcher = compileMatcher(seed);
  const corpus = matchCorpus(20_000);
  const seedRate = throughput(corpus, (i) => seedMatcher.match(i));
  const seedRegex = regexKeywords(seed);
  const seedBaseline = throughput(corpus, (i) => regexMatch(seedRegex, i), 1000);
  const seedAlerts = corpus.filter((i) => seedMatcher.match(i).alert).length;
  console.log(
    `  seed roster (${seed.labs.length} labs, ${seedMatcher.size} phrases): ${Math.round(seedRate).toLocaleString('en-US')} items/s — target ≥ 50,000 — ${verdict(seedRate >= 50_000)}`,
  );
  console.log(
    `    baseline (${seedRegex.length} regexes): ${Math.round(seedBaseline).toLocaleString('en-US')} items/s; ${seedAlerts} of ${corpus.length} items alert`,
  );

  const big = rosterSchema.parse(syntheticRoster(seed, 1000));
  const bigMatcher = compileMatcher(big);
  const bigCorpus = syntheticCorpus(20_000, 1000);
  const bigRate = throughput(bigCorpus, (i) => bigMatcher.match(i));
  const bigRegex = regexKeywords(big);
  const bigBaseline = throughput(bigCorpus, (i) => regexMatch(bigRegex, i), 2000, 1);
  const sample = bigCorpus.slice(0, 2000);
  const ourHits = hits(bigMatcher, sample);
  const baseHits = sample.filter((i) => regexMatch(bigRegex, i).some((id) => id.startsWith('lab-'))).length;
  const bigOk = bigRate >= 10 * bigBaseline;
  console.log(
    `  1,000 labs × 5 aliases (${bigMatcher.size} phrases): ${Math.round(bigRate).toLocaleString('en-US')} items/s; baseline (${bigRegex.length} regexes) ${Math.round(bigBaseline).toLocaleString('en-US')} items/s = ${(bigRate / bigBaseline).toFixed(1)}× — target ≥ 10× — ${verdict(bigOk)}`,
  );
  console.log(`    items naming a lab in the first 2,000: ours ${ourHits}, baseline ${baseHits}`);

  return {
    match_seed_items_per_s: Math.round(seedRate),
    match_seed_baseline_items_per_s: Math.round(seedBaseline),
    match_1k_items_per_s: Math.round(bigRate),
    match_1k_baseline_items_per_s: Math.round(bigBaseline),
    match_1k_ratio: round(bigRate / bigBaseline, 1),
    match_seed_ok: seedRate >= 50_000,
    match_1k_ok: bigOk,
  };
}

if (isMain(import.meta.url)) runMain(main);
