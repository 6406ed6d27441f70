/**
 * The story model's form: boosted trees, their fit, and how a bad model file is refused.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boostedScore, boostedTreesSchema, sigmoid } from '../../src/cluster/boosted.js';
import { PAIR_FEATURES } from '../../src/cluster/cluster.js';
import { defaultStoryWordsPath, loadStoryWords } from '../../src/cluster/load-story-words.js';
import { DEFAULT_BOOST, fitBoosted } from '../fit/boost.js';

/** Every corner of two yes/no features, many times over (one corner more often), labelled by `rule`. */
function grid(rule: (a: number, b: number) => number) {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const a of [0, 1])
    for (const b of [0, 1])
      for (let k = 0; k < (a && !b ? 90 : 60); k++) {
        rows.push([a, b]);
        labels.push(rule(a, b));
      }
  return { rows, labels };
}

describe('boosted trees', () => {
  it('learn evidence that only counts together, which one weight per feature cannot', () => {
    // Same story when exactly one of the two holds: no sum of per-feature weights gives this.
    const { rows, labels } = grid((a, b) => (a !== b ? 1 : 0));
    const model = fitBoosted(rows, labels, ['a', 'b']);
    const p = (a: number, b: number) => sigmoid(boostedScore(model, [a, b]));
    expect(p(1, 0)).toBeGreaterThan(0.9);
    expect(p(0, 1)).toBeGreaterThan(0.9);
    expect(p(0, 0)).toBeLessThan(0.1);
    expect(p(1, 1)).toBeLessThan(0.1);
  });

  it('never ask about a feature set by hand, and add its log-odds as given', () => {
    const { rows, labels } = grid((a) => a);
    const model = fitBoosted(rows, labels, ['a', 'b'], { ...DEFAULT_BOOST, trees: 20, offsets: { b: -3 } });
    expect(model.trees.flatMap((t) => t.feature)).not.toContain(1);
    expect(boostedScore(model, [1, 1]) - boostedScore(model, [1, 0])).toBeCloseTo(-3, 9);
    // A model read back from its file scores the same.
    const again = boostedTreesSchema.parse(JSON.parse(JSON.stringify(model)));
    expect(boostedScore(again, [1, 0])).toBe(boostedScore(model, [1, 0]));
  });

  it('a tree whose walk could loop, or an offset for an unknown feature, is refused', () => {
    const loop = { feature: [0, -1], threshold: [0.5, 0], left: [0, 0], right: [1, 0], value: [0, 1] };
    const bad = boostedTreesSchema.safeParse({ features: ['a'], base: 0, trees: [loop] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/child that is not after it/);
    const offset = boostedTreesSchema.safeParse({ features: ['a'], base: 0, offsets: { z: 1 }, trees: [] });
    expect(offset.error?.issues[0]?.message).toMatch(/unknown feature/);
  });

  it('a model fitted on other features than this build computes is one line asking for a refit', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'story-model-'));
    const words = path.join(dir, 'stories.yaml');
    copyFileSync(defaultStoryWordsPath(), words);
    const features = PAIR_FEATURES.filter((f) => f !== 'hours');
    writeFileSync(path.join(dir, 'story-model.json'), JSON.stringify({ features, base: 0, trees: [] }));
    expect(() => loadStoryWords(words)).toThrow(
      /story-model\.json: at features: the model was fitted on .* refit it \(node dist\/test\/fit-story-model\.js --write\)$/,
    );
    // The fit script itself can still read the word lists, to replace the model.
    expect(loadStoryWords(words, true).model.trees.trees).toEqual([]);
  });
});
