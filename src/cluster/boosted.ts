/**
 * Boosted decision trees (pure): the story model's form. Each tree asks a few questions of a pair's
 * features ("are the headlines this alike?", "are they hours apart?") and answers with a score; the
 * scores of all trees, plus a base, are the log-odds that the two items report one event.
 *
 * Trees rather than one weight per feature because the evidence combines: two headlines that share
 * a little wording are one story when they come an hour apart from different outlets, and not when
 * they come a day apart or from one outlet. Fitted by test/fit/boost.ts (logistic loss, Newton
 * steps, shrinkage), stored as data in seeds/story-model.json.
 *
 * A tree is flat arrays indexed by node, the root at 0. A node with `feature` −1 is a leaf whose
 * `value` is its score; any other node sends a pair to `left` when the feature is at most
 * `threshold`, else to `right`. Cost per pair: one walk from root to leaf per tree.
 */
import { z } from 'zod';

export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface BoostedTrees {
  /** The pair features, in the order the trees' `feature` indices refer to. */
  features: string[];
  base: number;
  /** Log-odds added per unit of a feature, set by hand; the trees never ask about these features. */
  offsets: Record<string, number>;
  trees: Tree[];
}

const treeSchema = z
  .object({
    feature: z.array(z.number().int().min(-1)),
    threshold: z.array(z.number()),
    left: z.array(z.number().int().min(0)),
    right: z.array(z.number().int().min(0)),
    value: z.array(z.number()),
  })
  .strict()
  .superRefine((t, ctx) => {
    const n = t.feature.length;
    if ([t.threshold, t.left, t.right, t.value].some((a) => a.length !== n) || n === 0)
      ctx.addIssue({ code: 'custom', message: 'a tree needs one entry per node in every array' });
    for (let i = 0; i < n; i++) {
      if ((t.feature[i] as number) < 0) continue;
      // Children come after their parent, so every walk ends at a leaf.
      const l = t.left[i] as number;
      const r = t.right[i] as number;
      if (l <= i || r <= i || l >= n || r >= n)
        ctx.addIssue({ code: 'custom', message: `node ${i} points to a child that is not after it` });
    }
  });

export const boostedTreesSchema = z
  .object({
    features: z.array(z.string().min(1)).min(1),
    base: z.number(),
    offsets: z.record(z.string(), z.number()).default({}),
    trees: z.array(treeSchema),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const f of Object.keys(m.offsets))
      if (!m.features.includes(f))
        ctx.addIssue({ code: 'custom', path: ['offsets', f], message: 'an offset for an unknown feature' });
    m.trees.forEach((t, k) => {
      if (t.feature.some((f) => f >= m.features.length))
        ctx.addIssue({ code: 'custom', path: ['trees', k], message: 'a node asks about an unknown feature' });
    });
  });

/**
 * A model laid out for scoring, worked out once per model: every tree's nodes in one set of typed
 * arrays (children as absolute indices, a leaf's feature −1), each tree's root, and the offsets as
 * (feature index, log-odds) pairs.
 */
interface Compiled {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  offsets: [number, number][];
}
const compiledCache = new WeakMap<BoostedTrees, Compiled>();

function compiled(model: BoostedTrees): Compiled {
  const cached = compiledCache.get(model);
  if (cached) return cached;
  const size = model.trees.reduce((n, t) => n + t.feature.length, 0);
  const c: Compiled = {
    roots: new Int32Array(model.trees.length),
    feature: new Int32Array(size),
    threshold: new Float64Array(size),
    left: new Int32Array(size),
    right: new Int32Array(size),
    value: new Float64Array(size),
    offsets: model.features.flatMap((f, i): [number, number][] => {
      const w = model.offsets[f];
      return w ? [[i, w]] : [];
    }),
  };
  let at = 0;
  model.trees.forEach((t, k) => {
    c.roots[k] = at;
    for (let i = 0; i < t.feature.length; i++) {
      c.feature[at + i] = t.feature[i] as number;
      c.threshold[at + i] = t.threshold[i] as number;
      c.left[at + i] = at + (t.left[i] as number);
      c.right[at + i] = at + (t.right[i] as number);
      c.value[at + i] = t.value[i] as number;
    }
    at += t.feature.length;
  });
  compiledCache.set(model, c);
  return c;
}

/** The log-odds the trees give a pair whose features are `x` (in the model's feature order). */
export function boostedScore(model: BoostedTrees, x: ArrayLike<number>): number {
  const { roots, feature, threshold, left, right, value, offsets } = compiled(model);
  let z = model.base;
  for (const [f, w] of offsets) z += w * (x[f] as number);
  for (let k = 0; k < roots.length; k++) {
    let i = roots[k] as number;
    let f = feature[i] as number;
    while (f >= 0) {
      i = (x[f] as number) <= (threshold[i] as number) ? (left[i] as number) : (right[i] as number);
      f = feature[i] as number;
    }
    z += value[i] as number;
  }
  return z;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
