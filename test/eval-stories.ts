/**
 * Prints story clustering's B-cubed and pairwise precision, recall and F1 on the labelled story
 * corpus, in "busy week" mode (every item inside one 72-hour window: only content separates
 * stories) and with the corpus's realistic dates, then the wrong merges and splits.
 * Run after the build: `node dist/test/eval-stories.js [file.jsonl ...] [--quiet]`.
 * Exits 1 when a target is missed (busy: precision ≥ 0.92 and F1 ≥ 0.90; realistic: precision ≥
 * 0.97 and recall ≥ 0.90).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatScores, scoreClusters, wrongMerges, wrongSplits } from '../src/cluster/evaluate.js';
import { compileMatcher } from '../src/match/matcher.js';
import { loadRoster } from '../src/roster/load.js';
import { parseStoryItems, replayStories, type StoryItem } from './helpers/story-replay.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = [path.join(here, 'fixtures'), path.resolve(here, '..', '..', 'test', 'fixtures')].find((d) =>
  existsSync(path.join(d, 'stories.jsonl')),
);
const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0 && fixtures) files.push(path.join(fixtures, 'stories.jsonl'));

const corpus: StoryItem[] = files.flatMap((f) => parseStoryItems(readFileSync(f, 'utf8'), path.basename(f)));
const matcher = compileMatcher(loadRoster());
const byId = new Map(corpus.map((i) => [i.id, i]));
let failed = false;
process.stdout.write(
  `${files.map((f) => path.relative(process.cwd(), f)).join(', ')}: ${corpus.length} items, ${new Set(corpus.map((i) => i.story)).size} stories, ${new Set(corpus.map((i) => i.outlet)).size} outlets\n`,
);
for (const mode of ['busy', 'realistic'] as const) {
  const { assignments, notAlerting } = await replayStories(corpus, { mode, matcher });
  const s = scoreClusters(assignments);
  process.stdout.write(`\n${formatScores(mode === 'busy' ? 'busy week' : 'realistic dates', s)}\n`);
  if (notAlerting.length)
    process.stdout.write(`  (${notAlerting.length} items did not alert and are not scored)\n`);
  const ok =
    mode === 'busy'
      ? s.bcubed.precision >= 0.92 && s.bcubed.f1 >= 0.9
      : s.bcubed.precision >= 0.97 && s.bcubed.recall >= 0.9;
  if (!ok) failed = true;
  if (quiet) continue;
  const predictedOf = new Map(assignments.map((a) => [a.id, a.predicted]));
  for (const m of wrongMerges(assignments)) {
    process.stdout.write(`  merged: ${m.gold.join(' + ')}\n`);
    for (const a of assignments.filter((x) => x.predicted === m.predicted))
      process.stdout.write(`      [${a.gold}] ${byId.get(a.id)?.title}\n`);
  }
  for (const sp of wrongSplits(assignments)) {
    process.stdout.write(`  split into ${sp.parts}: ${sp.gold}\n`);
    const members = assignments.filter((x) => x.gold === sp.gold);
    for (const a of members)
      process.stdout.write(`      (${predictedOf.get(a.id)}) ${byId.get(a.id)?.title}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
