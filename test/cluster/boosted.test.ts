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

  it('score trees of uneven shapes and any count as their walks from root to leaf say', () => {
    const leaf = (value: number) => ({
      feature: [-1],
      threshold: [0],
      left: [0],
      right: [0],
      value: [value],
    });
    const stump = (feature: number, threshold: number, low: number, high: number) => ({
      feature: [feature, -1, -1],
      threshold: [threshold, 0, 0],
      left: [1, 0, 0],
      right: [2, 0, 0],
      value: [0, low, high],
    });
    // a ≤ 0.5 → 1; else b ≤ 2 → (a ≤ 3 → 10, else 20); else 30. A leaf one question deep beside a
    // walk three deep; then a lone leaf, two stumps and a leaf (five trees: not a multiple of four).
    const uneven = {
      feature: [0, -1, 1, 0, -1, -1, -1],
      threshold: [0.5, 0, 2, 3, 0, 0, 0],
      left: [1, 0, 3, 5, 0, 0, 0],
      right: [2, 0, 4, 6, 0, 0, 0],
      value: [0, 1, 0, 0, 30, 10, 20],
    };
    const model = boostedTreesSchema.parse({
      features: ['a', 'b'],
      base: 0,
      trees: [uneven, leaf(0.25), stump(1, 0, -1, 2), stump(0, 1, 100, 200), leaf(0.5)],
    });
    expect(boostedScore(model, [0, 0])).toBe(1 + 0.25 - 1 + 100 + 0.5);
    expect(boostedScore(model, [1, 1])).toBe(10 + 0.25 + 2 + 100 + 0.5);
    expect(boostedScore(model, [4, 1])).toBe(20 + 0.25 + 2 + 200 + 0.5);
    expect(boostedScore(model, [1, 5])).toBe(30 + 0.25 + 2 + 100 + 0.5);
    // A missing value (NaN) is not "at most" anything: it goes right at every question.
    expect(boostedScore(model, [Number.NaN, 0])).toBe(20 + 0.25 - 1 + 200 + 0.5);
  });

  it('a tree asking more than ten questions in a row is refused', () => {
    // Node 2i asks a ≤ i: yes is the leaf 2i+1, no the next question; eleven questions, then a leaf.
    const n = 23;
    const chain = {
      feature: Array.from({ length: n }, (_, i) => (i % 2 === 0 && i < n - 1 ? 0 : -1)),
      threshold: Array.from({ length: n }, (_, i) => i / 2),
      left: Array.from({ length: n }, (_, i) => (i % 2 === 0 && i < n - 1 ? i + 1 : 0)),
      right: Array.from({ length: n }, (_, i) => (i % 2 === 0 && i < n - 1 ? i + 2 : 0)),
      value: Array.from({ length: n }, (_, i) => i),
    };
    const deep = boostedTreesSchema.safeParse({ features: ['a'], base: 0, trees: [chain] });
    expect(deep.error?.issues[0]?.message).toMatch(/at most 10 questions in a row/);
    const ten = {
      ...chain,
      feature: chain.feature.map((f, i) => (i === n - 3 ? -1 : f)),
    };
    expect(boostedTreesSchema.safeParse({ features: ['a'], base: 0, trees: [ten] }).success).toBe(true);
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
