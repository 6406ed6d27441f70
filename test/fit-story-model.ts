/**
 * Fits the story model (seeds/story-model.json, named by seeds/stories.yaml `model.trees`) on
 * labelled story sets, and shows how it does on sets it was not fitted on. Run after the build:
 *   node dist/test/fit-story-model.js [--fit a.jsonl[,b.jsonl…]] [--check c.jsonl[,…]]
 *     [--write | --out file.json] [--loso]
 * Without --fit it fits on every story set in test/fixtures but the newest (`CHECK_SETS`), and
 * scores those; `--write` then writes seeds/story-model.json. (The bundled trees were written so at
 * commit 6dd52d3. Since then the matcher alerts on 23 more items of the fitted sets, so a default fit
 * now gives other trees; they scored worse on holdouts 28 to 30, and the bundled ones stay.)
 * `--loso` also fits once per
 * fitted set without it and reports, over the pairs each set's own fit never saw, the share of
 * same-story pairs found at a given precision.
 *
 * Pairs: each set is replayed in the order the news happened, with word rarity learnt online from
 * the alerting items as the bot does; every alerting item is paired with each earlier alerting item
 * of the last 72 hours (the index puts stories about other labs or none in front of it too, when
 * they share its rare words).
 * Label: same story or not. A pair is two items, so `sameOutlet` here is the member's outlet; the
 * index asks whether the story has any piece from the item's outlet.
 * Fit: boosted trees (test/fit/boost.ts, deterministic), with `OFFSETS` set by hand.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BoostedTrees, boostedScore } from '../src/cluster/boosted.js';
import {
  DEFAULT_CLUSTER_OPTIONS,
  PAIR_FEATURES,
  pairFeatures,
  StoryIndex,
  type StoryModel,
} from '../src/cluster/cluster.js';
import { scoreClusters } from '../src/cluster/evaluate.js';
import { itemFeatures, type StoryFeatures } from '../src/cluster/features.js';
import { loadStoryWords } from '../src/cluster/load-story-words.js';
import { rosterNameTerms } from '../src/cluster/members.js';
import { Rarity } from '../src/cluster/rarity.js';
import { compileMatcher } from '../src/match/matcher.js';
import { loadRoster, seedsDir } from '../src/roster/load.js';
import { DEFAULT_BOOST, fitBoosted } from './fit/boost.js';
import { parseStoryItems, type StoryItem } from './helpers/story-replay.js';

// The word lists; the bundled model may be about to be replaced.
const words = loadStoryWords(undefined, true);
/**
 * Set by hand, never asked about by the trees. `otherVersion` (both name a model, version or
 * codename with a number, and not the same one): the sets hold too few such pairs to learn it; on
 * the benchmark's corpus, whose events differ mainly by codename, it keeps them apart. (Different
 * actors are not set here: a fixed penalty only made the trees raise everything else to make up
 * for it. `otherActorJoin` in seeds/stories.yaml asks such pairs for near certainty instead.)
 */
const OFFSETS = { otherVersion: -1.5 };
const matcher = compileMatcher(loadRoster());
const HOUR = 3_600_000;

interface Prepared {
  item: StoryItem;
  features: StoryFeatures | null;
}

/** Replay in time order; call `visit` for each alerting item with the rarity as it then stood. */
function replay(corpus: StoryItem[], visit: (p: Prepared, rarity: Rarity) => void): void {
  const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
  const ordered = [...corpus].sort((a, b) => Date.parse(a.published) - Date.parse(b.published));
  for (const item of ordered) {
    const match = matcher.match({ title: item.title, summary: item.summary });
    const features = match.alert
      ? itemFeatures(
          { title: item.title, summary: item.summary, at: item.published, outlet: item.outlet },
          match,
          words,
        )
      : null;
    if (!features) continue;
    visit({ item, features }, rarity);
    rarity.add(features.title);
  }
}

function pairs(corpus: StoryItem[]): { x: number[]; y: number }[] {
  const out: { x: number[]; y: number }[] = [];
  const earlier: Prepared[] = [];
  replay(corpus, (p, rarity) => {
    const f = p.features as StoryFeatures;
    const at = Date.parse(f.at);
    for (const e of earlier) {
      const g = e.features as StoryFeatures;
      if (at - Date.parse(g.at) > 72 * HOUR) continue;
      const x = pairFeatures(f, g, rarity);
      if (!x) continue;
      out.push({ x: PAIR_FEATURES.map((k) => x[k]), y: e.item.story === p.item.story ? 1 : 0 });
    }
    earlier.push(p);
  });
  return out;
}

function modelOf(trees: BoostedTrees, join: number, settledJoin: number): StoryModel {
  return { ...words.model, trees, join, settledJoin };
}

/** Cluster one set with a model, in-process (no store, one item at a time): its assignments. */
function clusterWith(corpus: StoryItem[], model: StoryModel) {
  let index: StoryIndex | undefined;
  let next = 1;
  const assignments: { id: string; gold: string; predicted: string }[] = [];
  replay(corpus, (p, rarity) => {
    index ??= new StoryIndex(rarity, model, DEFAULT_CLUSTER_OPTIONS);
    const f = p.features as StoryFeatures;
    const chosen = index.assign(f);
    let id: number;
    if (chosen) {
      id = chosen.storyId;
      index.addMember(id, f);
    } else {
      id = next++;
      index.add({ id, labs: f.labs, programs: f.programs, settled: false, members: [f] });
    }
    assignments.push({ id: p.item.id, gold: p.item.story, predicted: String(id) });
  });
  return assignments;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = [path.join(here, 'fixtures'), path.resolve(here, '../../test/fixtures')].find((d) =>
  existsSync(path.join(d, 'stories.jsonl')),
) as string;
/** Written after the bundled model's features were chosen, to check them: never fitted on by default. */
const CHECK_SETS = [22, 23, 24, 25, 26, 27, 28, 29, 30].map((n) => `stories-holdout-${n}.jsonl`);
const storySets = readdirSync(fixtures)
  .filter((f) => /^stories.*\.jsonl$/.test(f))
  .sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
/**
 * Each set on its own, as the evaluation replays it (word rarity starts afresh), its stories and ids
 * named by file: two sets' slugs may coincide without being one story.
 */
const read = (files: string[]): StoryItem[][] =>
  files.map((f) => {
    const name = path.basename(f);
    return parseStoryItems(readFileSync(f, 'utf8'), name).map((i) => ({
      ...i,
      id: `${name}:${i.id}`,
      story: `${name}:${i.story}`,
    }));
  });
const list = (v: string | undefined, fallback: string[]) =>
  v ? v.split(',') : fallback.map((f) => path.join(fixtures, f));
const fitFiles = list(
  arg('--fit'),
  storySets.filter((f) => !CHECK_SETS.includes(f)),
);
const checkFiles = list(arg('--check'), CHECK_SETS);
const fitOn = read(fitFiles);
const checks: [string, StoryItem[][]][] = checkFiles.map((f) => [path.basename(f), read([f])]);
const joins = [0.5, 0.6, 0.7, 0.74, 0.8];
const x3 = (v: number) => v.toFixed(3);
const data = fitOn.flatMap((set) => pairs(set));
const fitTrees = (rows: { x: number[]; y: number }[]) =>
  fitBoosted(
    rows.map((d) => d.x),
    rows.map((d) => d.y),
    PAIR_FEATURES,
    { ...DEFAULT_BOOST, offsets: OFFSETS },
  );
const w = fitTrees(data);
process.stdout.write(
  `fitted on ${fitFiles.map((f) => path.basename(f)).join(', ')}: ${fitOn.flat().length} items (${data.length} pairs, ${data.filter((d) => d.y).length} same-story), ${w.trees.length} trees\n`,
);
if (process.argv.includes('--write') || arg('--out')) {
  const out = arg('--out') ?? path.join(seedsDir(), 'story-model.json');
  writeFileSync(out, `${JSON.stringify(w)}\n`);
  process.stdout.write(`  written to ${out}\n`);
}
if (process.argv.includes('--loso')) {
  // Leave one set out: fit on the others, score the pairs of the one left out; then the share of
  // same-story pairs found at a given precision, over all sets' left-out scores.
  const perSet = fitOn.map((set) => pairs(set));
  const scored = perSet.flatMap((rows, k) => {
    const m = fitTrees(perSet.filter((_, j) => j !== k).flat());
    return rows.map((r) => ({ p: boostedScore(m, r.x), y: r.y }));
  });
  scored.sort((a, b) => b.p - a.p);
  const positives = scored.filter((r) => r.y).length;
  for (const target of [0.9, 0.95, 0.97]) {
    let tp = 0;
    let best = 0;
    scored.forEach((r, i) => {
      tp += r.y;
      if (tp / (i + 1) >= target) best = Math.max(best, tp / positives);
    });
    process.stdout.write(`  leave-one-set-out pairwise recall at precision ${target}: ${x3(best)}\n`);
  }
}
for (const [label, sets] of [['the fitted sets', fitOn] as [string, StoryItem[][]], ...checks]) {
  process.stdout.write(`${label} (realistic dates, one item at a time):\n`);
  for (const join of joins) {
    const s = scoreClusters(
      sets.flatMap((set, k) =>
        clusterWith(set, modelOf(w, join, join)).map((a) => ({ ...a, predicted: `${k}:${a.predicted}` })),
      ),
    );
    process.stdout.write(
      `  join ${join.toFixed(2)}: B-cubed P ${x3(s.bcubed.precision)} R ${x3(s.bcubed.recall)} F1 ${x3(s.bcubed.f1)}\n`,
    );
  }
}
