/**
 * Fits boosted decision trees (src/cluster/boosted.ts) for a yes/no label: gradient boosting with
 * the logistic loss, each tree grown level by level to a fixed depth on histograms of the features
 * (each feature cut at up to `bins` points between the values it takes), each leaf a Newton step
 * shrunk by `learningRate`. Deterministic: no sampling, ties go to the first feature and cut.
 *
 * Written here rather than taken from a library: the npm packages for boosting are bindings to
 * native or WebAssembly builds or unmaintained, and the fit is a development step (run by
 * test/fit-story-model.ts), not part of the bot.
 */
import { type BoostedTrees, sigmoid, type Tree } from '../../src/cluster/boosted.js';

export interface BoostOptions {
  trees: number;
  learningRate: number;
  /** Questions from root to leaf: a tree has at most 2^depth leaves. */
  depth: number;
  /** The fewest rows on either side of a split. */
  minLeaf: number;
  /** L2 shrinkage of the leaf scores. */
  lambda: number;
  bins: number;
  /**
   * Fixed log-odds per feature, set by hand rather than learnt: a feature named here is never
   * asked about by the trees, so they cannot learn to undo it.
   */
  offsets?: Readonly<Record<string, number>>;
}

export const DEFAULT_BOOST: BoostOptions = {
  trees: 200,
  learningRate: 0.05,
  depth: 4,
  minLeaf: 20,
  lambda: 0,
  bins: 255,
};

/** Cut points between the distinct values of one feature, at most `bins − 1`, by quantile. */
function cutsOf(values: number[], bins: number): number[] {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const mids: number[] = [];
  for (let i = 1; i < distinct.length; i++)
    mids.push(((distinct[i - 1] as number) + (distinct[i] as number)) / 2);
  if (mids.length < bins) return mids;
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  for (let k = 1; k < bins; k++) {
    const q = sorted[Math.floor((k * sorted.length) / bins)] as number;
    // The first cut at or above this quantile.
    const c = mids.find((m) => m >= q);
    if (c !== undefined && c !== out.at(-1)) out.push(c);
  }
  return out;
}

/** How many cuts lie below x: x ≤ cuts[b] exactly when its bin is at most b. */
function binOf(x: number, cuts: number[]): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x > (cuts[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const round = (v: number) => Number(v.toPrecision(8));

export function fitBoosted(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  features: readonly string[],
  o: BoostOptions = DEFAULT_BOOST,
): BoostedTrees {
  const n = rows.length;
  const d = features.length;
  const cuts = features.map((_, f) =>
    cutsOf(
      rows.map((r) => r[f] as number),
      o.bins,
    ),
  );
  const bins = features.map((_, f) =>
    Uint16Array.from(rows, (r) => binOf(r[f] as number, cuts[f] as number[])),
  );
  const offsets = o.offsets ?? {};
  const fixed = features.map((f) => offsets[f] ?? 0);
  const mean = labels.reduce((s, y) => s + y, 0) / n;
  const base = Math.log(mean / (1 - mean));
  const score = Float64Array.from(rows, (r) => fixed.reduce((z, w, f) => z + w * (r[f] as number), base));
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: Tree[] = [];

  for (let t = 0; t < o.trees; t++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(score[i] as number);
      grad[i] = p - (labels[i] as number);
      hess[i] = Math.max(p * (1 - p), 1e-12);
    }
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const grow = (members: Uint32Array, level: number): number => {
      const id = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(0);
      tree.right.push(0);
      tree.value.push(0);
      let G = 0;
      let H = 0;
      for (const i of members) {
        G += grad[i] as number;
        H += hess[i] as number;
      }
      let best = { gain: 1e-9, feature: -1, bin: -1 };
      if (level < o.depth && members.length >= 2 * o.minLeaf) {
        const parent = (G * G) / (H + o.lambda);
        for (let f = 0; f < d; f++) {
          const k = (cuts[f] as number[]).length + 1;
          if (k < 2 || fixed[f] !== 0) continue;
          const hg = new Float64Array(k);
          const hh = new Float64Array(k);
          const hc = new Uint32Array(k);
          const fb = bins[f] as Uint16Array;
          for (const i of members) {
            const b = fb[i] as number;
            hg[b] = (hg[b] as number) + (grad[i] as number);
            hh[b] = (hh[b] as number) + (hess[i] as number);
            hc[b] = (hc[b] as number) + 1;
          }
          let gl = 0;
          let hl = 0;
          let cl = 0;
          for (let b = 0; b < k - 1; b++) {
            gl += hg[b] as number;
            hl += hh[b] as number;
            cl += hc[b] as number;
            const cr = members.length - cl;
            if (cl < o.minLeaf) continue;
            if (cr < o.minLeaf) break;
            const gr = G - gl;
            const hr = H - hl;
            const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parent;
            if (gain > best.gain) best = { gain, feature: f, bin: b };
          }
        }
      }
      if (best.feature < 0) {
        const v = (-G / (H + o.lambda)) * o.learningRate;
        tree.value[id] = round(v);
        for (const i of members) score[i] = (score[i] as number) + (tree.value[id] as number);
        return id;
      }
      const fb = bins[best.feature] as Uint16Array;
      const left = members.filter((i) => (fb[i] as number) <= best.bin);
      const right = members.filter((i) => (fb[i] as number) > best.bin);
      tree.feature[id] = best.feature;
      tree.threshold[id] = round((cuts[best.feature] as number[])[best.bin] as number);
      tree.left[id] = grow(left, level + 1);
      tree.right[id] = grow(right, level + 1);
      return id;
    };
    grow(
      Uint32Array.from({ length: n }, (_, i) => i),
      0,
    );
    trees.push(tree);
  }
  return { features: [...features], base: round(base), offsets: { ...offsets }, trees };
}
