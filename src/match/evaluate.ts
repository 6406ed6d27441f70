/**
 * Scores the alert decision against hand-labelled items (test/fixtures/labeled-items.jsonl).
 * Pure: the caller reads the file and passes the text or the items.
 *
 * Labelling rule used for the fixture sets (issue 9; README, "What alerts"):
 * - alert = true when the item names a tracked program (CAISI and its precursor, the *U.S.* AI
 *   Safety Institute; Executive Order 14409; the June 12 export-control directive), describes the
 *   government's pre-release review of models, or when a government (any country's, a US state's)
 *   acts on or about a tracked lab's AI: review or testing of its models, AI regulation and
 *   legislation, hearings, AI-related probes, fines and lawsuits, executive orders, export controls,
 *   national-security or defence decisions about its models (designations, bans from government
 *   networks, military use and defence contracts).
 * - alert = false for: the lab's own business (launches, earnings, hires, funding, partnerships,
 *   outages, a civilian government buying its product); regulation not about AI (antitrust about
 *   search, ads or news payments, privacy and child-safety cases about a social network); lawsuits
 *   between private parties; government AI news that names no tracked lab and no tracked program
 *   (another executive order, chip export rules, the UK AI Security Institute, Canada's AI Safety
 *   Institute, also "CAISI"); and look-alike words: meta-analysis, metadata, explainable AI (XAI),
 *   the anthropic principle, a llama, the Gemini zodiac sign, "grok" the verb, an airline copilot.
 *   Eight items of the original set were relabelled false under this rule (field `relabelled`).
 * - labs / programs list what the item is about in the roster's ids (a lab named only in passing
 *   still counts: entity accuracy measures the matcher, not the decision).
 */
import type { MatchResult } from './types.js';

export interface LabeledItem {
  id: string;
  title: string;
  summary: string;
  alert: boolean;
  labs: string[];
  programs: string[];
  /**
   * When the item was written, for honest reporting: `before-change` items were labelled before the
   * matcher was changed to meet them, `after-change` ones after it was finished (never tuned on).
   * Absent for the original set.
   */
  written?: string;
}

export interface Misclassified {
  id: string;
  title: string;
  expected: boolean;
  got: boolean;
  reason: string;
}

export interface EntityMiss {
  id: string;
  title: string;
  kind: 'labs' | 'programs';
  expected: string[];
  got: string[];
}

export interface EvaluationReport {
  total: number;
  positives: number;
  negatives: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  /** Share of items whose matched lab set equals the labelled one. */
  labAccuracy: number;
  /** Share of items whose matched program set equals the labelled one. */
  programAccuracy: number;
  /** Program mentions, counted per item and program id: found and labelled / found / labelled. */
  programTp: number;
  programFp: number;
  programFn: number;
  programPrecision: number;
  programRecall: number;
  misclassified: Misclassified[];
  entityMisses: EntityMiss[];
}

export class FixtureError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'FixtureError';
  }
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Parse labelled JSON lines; blank lines and lines starting with `//` are skipped. */
export function parseLabeledItems(text: string): LabeledItem[] {
  const items: LabeledItem[] = [];
  const ids = new Set<string>();
  text.split(/\r?\n/).forEach((line, index) => {
    const lineNo = index + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    let v: unknown;
    try {
      v = JSON.parse(trimmed);
    } catch (err) {
      throw new FixtureError(lineNo, `invalid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    const o = v as Record<string, unknown>;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new FixtureError(lineNo, 'not an object');
    if (typeof o.id !== 'string' || o.id === '')
      throw new FixtureError(lineNo, '"id" must be a non-empty string');
    if (ids.has(o.id)) throw new FixtureError(lineNo, `duplicate id "${o.id}"`);
    if (typeof o.title !== 'string') throw new FixtureError(lineNo, '"title" must be a string');
    if (typeof o.summary !== 'string') throw new FixtureError(lineNo, '"summary" must be a string');
    if (typeof o.alert !== 'boolean') throw new FixtureError(lineNo, '"alert" must be true or false');
    if (!isStringArray(o.labs)) throw new FixtureError(lineNo, '"labs" must be an array of ids');
    if (!isStringArray(o.programs)) throw new FixtureError(lineNo, '"programs" must be an array of ids');
    if (o.written !== undefined && typeof o.written !== 'string')
      throw new FixtureError(lineNo, '"written" must be a string when present');
    ids.add(o.id);
    items.push({
      id: o.id,
      title: o.title,
      summary: o.summary,
      alert: o.alert,
      labs: o.labs,
      programs: o.programs,
      ...(o.written === undefined ? {} : { written: o.written }),
    });
  });
  return items;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};

const ratio = (num: number, den: number, empty: number): number => (den === 0 ? empty : num / den);

/** Score a matcher (anything with `match`) on labelled items. */
export function evaluate(
  items: readonly LabeledItem[],
  matcher: { match(item: { title: string; summary: string }): MatchResult },
): EvaluationReport {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let labsRight = 0;
  let programsRight = 0;
  let programTp = 0;
  let programFp = 0;
  let programFn = 0;
  const misclassified: Misclassified[] = [];
  const entityMisses: EntityMiss[] = [];
  for (const item of items) {
    const r = matcher.match({ title: item.title, summary: item.summary });
    if (item.alert && r.alert) tp++;
    else if (!item.alert && r.alert) fp++;
    else if (!item.alert && !r.alert) tn++;
    else fn++;
    if (item.alert !== r.alert) {
      misclassified.push({
        id: item.id,
        title: item.title,
        expected: item.alert,
        got: r.alert,
        reason: r.reason,
      });
    }
    if (sameSet(item.labs, r.labs)) labsRight++;
    else
      entityMisses.push({ id: item.id, title: item.title, kind: 'labs', expected: item.labs, got: r.labs });
    const labelled = new Set(item.programs);
    const found = new Set(r.programs);
    for (const p of found) {
      if (labelled.has(p)) programTp++;
      else programFp++;
    }
    for (const p of labelled) if (!found.has(p)) programFn++;
    if (sameSet(item.programs, r.programs)) programsRight++;
    else
      entityMisses.push({
        id: item.id,
        title: item.title,
        kind: 'programs',
        expected: item.programs,
        got: r.programs,
      });
  }
  const precision = ratio(tp, tp + fp, 1);
  const recall = ratio(tp, tp + fn, 1);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    total: items.length,
    positives: tp + fn,
    negatives: tn + fp,
    tp,
    fp,
    tn,
    fn,
    precision,
    recall,
    f1,
    accuracy: ratio(tp + tn, items.length, 1),
    labAccuracy: ratio(labsRight, items.length, 1),
    programAccuracy: ratio(programsRight, items.length, 1),
    programTp,
    programFp,
    programFn,
    programPrecision: ratio(programTp, programTp + programFp, 1),
    programRecall: ratio(programTp, programTp + programFn, 1),
    misclassified,
    entityMisses,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A plain-text report: the figures, then every misclassified item and entity miss. */
export function formatReport(r: EvaluationReport): string {
  const lines = [
    `items: ${r.total} (${r.positives} alert, ${r.negatives} no alert)`,
    `confusion: TP ${r.tp}  FP ${r.fp}  TN ${r.tn}  FN ${r.fn}`,
    `precision ${r.precision.toFixed(3)}  recall ${r.recall.toFixed(3)}  F1 ${r.f1.toFixed(3)}  accuracy ${pct(r.accuracy)}`,
    `entities: labs exact ${pct(r.labAccuracy)}  programs exact ${pct(r.programAccuracy)}`,
    `programs: precision ${r.programPrecision.toFixed(3)}  recall ${r.programRecall.toFixed(3)}  (found and labelled ${r.programTp}, found only ${r.programFp}, labelled only ${r.programFn})`,
  ];
  if (r.misclassified.length > 0) {
    lines.push('', 'misclassified:');
    for (const m of r.misclassified) {
      lines.push(`  ${m.expected ? 'FN' : 'FP'} ${m.id}: ${m.title}`, `      (${m.reason})`);
    }
  }
  if (r.entityMisses.length > 0) {
    lines.push('', 'entity misses:');
    for (const m of r.entityMisses) {
      lines.push(
        `  ${m.id} ${m.kind}: expected [${m.expected.join(', ')}] got [${m.got.join(', ')}] — ${m.title}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
