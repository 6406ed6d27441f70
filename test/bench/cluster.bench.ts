/**
 * Story clustering throughput: alerting items per second assigned against 10,000 stories in the
 * window (the index: rarest terms → stories, then the pair model on the candidates' members).
 * Baseline, in the same run: the same pair model against every member of every story in the window,
 * no index. Also how often the two choose the same story (the index only ever looks at fewer stories).
 */
import {
  DEFAULT_CLUSTER_OPTIONS,
  pairFeatures,
  pairProbability,
  StoryIndex,
} from '../../src/cluster/cluster.js';
import { itemFeatures, type StoryFeatures } from '../../src/cluster/features.js';
import { loadStoryWords } from '../../src/cluster/load-story-words.js';
import { rosterNameTerms } from '../../src/cluster/members.js';
import { Rarity } from '../../src/cluster/rarity.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { loadRoster } from '../../src/roster/load.js';
import { type Figures, isMain, round, runMain } from './common.js';
import { BENCH_NOW, matchCorpus } from './corpus.js';

const STORIES = 10_000;
const PROBES = 2_000;
const HOUR = 3_600_000;

export async function main(): Promise<Figures> {
  console.log('\n== Story clustering ==');
  const words = loadStoryWords();
  const matcher = compileMatcher(loadRoster());
  const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
  // Alerting items, spread over the 72-hour window, each of the first STORIES a story of its own.
  const items: StoryFeatures[] = [];
  const corpus = matchCorpus(400_000);
  for (let i = 0; i < corpus.length && items.length < STORIES + PROBES; i++) {
    const it = corpus[i] as { title: string; summary: string };
    const m = matcher.match(it);
    if (!m.alert) continue;
    const at = new Date(
      BENCH_NOW - 71 * HOUR + (items.length / (STORIES + PROBES)) * 71 * HOUR,
    ).toISOString();
    const f = itemFeatures({ title: `${it.title} ${items.length}`, summary: it.summary, at }, m, words);
    rarity.add(f.title);
    items.push(f);
  }
  const stories = items.slice(0, STORIES);
  const probes = items.slice(STORIES);
  const index = new StoryIndex(rarity, words.model, DEFAULT_CLUSTER_OPTIONS);
  stories.forEach((f, i) => {
    index.add({ id: i + 1, labs: f.labs, programs: f.programs, settled: false, members: [f] });
  });

  // Warm up, then time the index.
  for (const p of probes.slice(0, 200)) index.assign(p);
  const t0 = performance.now();
  const chosen = probes.map((p) => index.assign(p)?.storyId ?? null);
  const indexS = (performance.now() - t0) / 1000;
  const rate = probes.length / indexS;

  // Baseline: every story's member, no index (a sample of the probes: it is slow).
  const sample = probes.slice(0, 200);
  const naive = (p: StoryFeatures): number | null => {
    let best: { id: number; p: number } | null = null;
    stories.forEach((m, i) => {
      if (![...m.labs, ...m.programs].some((e) => p.labs.includes(e) || p.programs.includes(e))) return;
      const x = pairFeatures(p, m, rarity);
      const prob = x ? pairProbability(x, words.model) : 0;
      if (prob >= words.model.join && (!best || prob > best.p)) best = { id: i + 1, p: prob };
    });
    return (best as { id: number } | null)?.id ?? null;
  };
  const t1 = performance.now();
  const naiveChosen = sample.map(naive);
  const naiveS = (performance.now() - t1) / 1000;
  const naiveRate = sample.length / naiveS;
  const agree = naiveChosen.filter((id, i) => id === chosen[i]).length / sample.length;
  const sameDecision =
    naiveChosen.filter((id, i) => (id === null) === (chosen[i] === null)).length / sample.length;
  const ok = rate >= 10 * naiveRate;
  console.log(
    `  ${probes.length.toLocaleString('en-US')} items against ${STORIES.toLocaleString('en-US')} stories: ${Math.round(rate).toLocaleString('en-US')} items/s; baseline (every member, no index) ${Math.round(naiveRate).toLocaleString('en-US')} items/s = ${(rate / naiveRate).toFixed(1)}×; of ${sample.length}, the same join-or-new decision for ${(sameDecision * 100).toFixed(1)}%, the same story for ${(agree * 100).toFixed(1)}% (this corpus has many near-equal stories)`,
  );
  return {
    cluster_items_per_s: Math.round(rate),
    cluster_naive_items_per_s: Math.round(naiveRate),
    cluster_ratio: round(rate / naiveRate, 1),
    cluster_agreement: round(agree, 3),
    cluster_same_decision: round(sameDecision, 3),
    cluster_ok: ok,
  };
}

if (isMain(import.meta.url)) runMain(main);
