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
 * `threshold`, else to `right`. Cost per pair: one walk from root to leaf per tree, `MAX_DEPTH`
 * questions at most. For scoring, every tree is laid out complete to the model's depth (a leaf
 * higher up is repeated below a question whose answer it does not matter), so a walk is index
 * arithmetic, the same number of steps in every tree, with no jump to a stored child.
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

/** The most questions a tree may ask in a row (a complete tree this deep has 1,024 leaves). */
const MAX_DEPTH = 10;

/** Questions on the longest walk from the root to a leaf (children come after their parent). */
function treeDepth(t: Tree, node = 0): number {
  if ((t.feature[node] as number) < 0) return 0;
  return 1 + Math.max(treeDepth(t, t.left[node] as number), treeDepth(t, t.right[node] as number));
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
    let ok = true;
    if ([t.threshold, t.left, t.right, t.value].some((a) => a.length !== n) || n === 0) {
      ctx.addIssue({ code: 'custom', message: 'a tree needs one entry per node in every array' });
      return;
    }
    for (let i = 0; i < n; i++) {
      if ((t.feature[i] as number) < 0) continue;
      // Children come after their parent, so every walk ends at a leaf.
      const l = t.left[i] as number;
      const r = t.right[i] as number;
      if (l <= i || r <= i || l >= n || r >= n) {
        ctx.addIssue({ code: 'custom', message: `node ${i} points to a child that is not after it` });
        ok = false;
      }
    }
    if (ok && treeDepth(t) > MAX_DEPTH)
      ctx.addIssue({ code: 'custom', message: `a tree may ask at most ${MAX_DEPTH} questions in a row` });
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
 * A model laid out for scoring, worked out once per model: every tree complete to the model's depth
 * D, in one set of typed arrays. Tree k's questions are at k·(2^D − 1) onwards, in breadth-first
 * order (node i's children at 2i+1 and 2i+2), and its 2^D leaves' scores at k·2^D onwards. The
 * offsets are (feature index, log-odds) pairs.
 */
interface Compiled {
  depth: number;
  feature: Int32Array;
  threshold: Float64Array;
  leaf: Float64Array;
  offsets: [number, number][];
}
const compiledCache = new WeakMap<BoostedTrees, Compiled>();

function compiled(model: BoostedTrees): Compiled {
  const cached = compiledCache.get(model);
  if (cached) return cached;
  const depth = Math.max(0, ...model.trees.map((t) => treeDepth(t)));
  const inner = 2 ** depth - 1;
  const c: Compiled = {
    depth,
    feature: new Int32Array(model.trees.length * inner),
    threshold: new Float64Array(model.trees.length * inner),
    leaf: new Float64Array(model.trees.length * (inner + 1)),
    offsets: model.features.flatMap((f, i): [number, number][] => {
      const w = model.offsets[f];
      return w ? [[i, w]] : [];
    }),
  };
  model.trees.forEach((t, k) => {
    // Slot `slot` (breadth-first, complete) holds the tree's node `node`. A leaf above the bottom
    // fills every slot under it: the questions there ask nothing (always left), the leaves repeat it.
    const place = (node: number, slot: number) => {
      if (slot >= inner) {
        c.leaf[k * (inner + 1) + slot - inner] = t.value[node] as number;
        return;
      }
      const f = t.feature[node] as number;
      c.feature[k * inner + slot] = Math.max(f, 0);
      c.threshold[k * inner + slot] = f < 0 ? Number.POSITIVE_INFINITY : (t.threshold[node] as number);
      place(f < 0 ? node : (t.left[node] as number), 2 * slot + 1);
      place(f < 0 ? node : (t.right[node] as number), 2 * slot + 2);
    };
    place(0, 0);
  });
  compiledCache.set(model, c);
  return c;
}

/** The log-odds the trees give a pair whose features are `x` (in the model's feature order). */
export function boostedScore(model: BoostedTrees, x: ArrayLike<number>): number {
  const { depth, feature, threshold, leaf, offsets } = compiled(model);
  const inner = 2 ** depth - 1;
  const leaves = inner + 1;
  let z = model.base;
  for (const [f, w] of offsets) z += w * (x[f] as number);
  const n = model.trees.length;
  let k = 0;
  // Four trees walked side by side: their steps do not wait on each other, so the processor overlaps
  // them (twice the pairs per second of one walk at a time). Scores are added in the trees' order.
  for (; k + 3 < n; k += 4) {
    const q = k * inner;
    let a = 0;
    let b = 0;
    let c = 0;
    let e = 0;
    const q1 = q + inner;
    const q2 = q1 + inner;
    const q3 = q2 + inner;
    // Node i asks whether its feature is at most its threshold: yes goes to 2i+1, anything else (a
    // larger value, NaN) to 2i+2. Written as arithmetic on the answer, not as a branch.
    for (let d = 0; d < depth; d++) {
      a = 2 * a + 2 - +((x[feature[q + a] as number] as number) <= (threshold[q + a] as number));
      b = 2 * b + 2 - +((x[feature[q1 + b] as number] as number) <= (threshold[q1 + b] as number));
      c = 2 * c + 2 - +((x[feature[q2 + c] as number] as number) <= (threshold[q2 + c] as number));
      e = 2 * e + 2 - +((x[feature[q3 + e] as number] as number) <= (threshold[q3 + e] as number));
    }
    const l = k * leaves - inner;
    z += leaf[l + a] as number;
    z += leaf[l + leaves + b] as number;
    z += leaf[l + 2 * leaves + c] as number;
    z += leaf[l + 3 * leaves + e] as number;
  }
  for (; k < n; k++) {
    const q = k * inner;
    let i = 0;
    for (let d = 0; d < depth; d++)
      i = 2 * i + 2 - +((x[feature[q + i] as number] as number) <= (threshold[q + i] as number));
    z += leaf[k * leaves - inner + i] as number;
  }
  return z;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
