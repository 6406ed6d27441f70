import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  evaluate,
  FixtureError,
  formatReport,
  type LabeledItem,
  parseLabeledItems,
} from '../../src/match/evaluate.js';
import { compileMatcher } from '../../src/match/matcher.js';
import type { MatchResult } from '../../src/match/types.js';
import { loadRoster } from '../../src/roster/load.js';
import type { Roster } from '../../src/roster/schema.js';

const FIXTURE = new URL('../fixtures/labeled-items.jsonl', import.meta.url);

let roster: Roster;
let items: LabeledItem[];
beforeAll(() => {
  roster = loadRoster();
  items = parseLabeledItems(readFileSync(FIXTURE, 'utf8'));
});

describe('labelled fixture set', () => {
  it('has at least 100 items with both classes in fair proportion', () => {
    expect(items.length).toBeGreaterThanOrEqual(100);
    const positives = items.filter((i) => i.alert).length;
    expect(positives).toBeGreaterThan(0);
    expect(items.length - positives).toBeGreaterThan(0);
    expect(positives / items.length).toBeGreaterThan(0.35);
    expect(positives / items.length).toBeLessThan(0.6);
  });

  it('labels with ids that exist in the roster', () => {
    const labs = new Set(roster.labs.map((l) => l.id));
    const programs = new Set(roster.programs.map((p) => p.id));
    for (const item of items) {
      for (const l of item.labs) expect(labs.has(l), `${item.id}: ${l}`).toBe(true);
      for (const p of item.programs) expect(programs.has(p), `${item.id}: ${p}`).toBe(true);
    }
  });

  it('reaches precision and recall of at least 0.9 on the alert decision', () => {
    const report = evaluate(items, compileMatcher(roster));
    expect(report.total).toBe(items.length);
    expect(report.precision, formatReport(report)).toBeGreaterThanOrEqual(0.9);
    expect(report.recall, formatReport(report)).toBeGreaterThanOrEqual(0.9);
    expect(report.labAccuracy, formatReport(report)).toBeGreaterThanOrEqual(0.9);
    expect(report.programAccuracy, formatReport(report)).toBeGreaterThanOrEqual(0.9);
  });
});

/** A labelled fixture set scored by the bundled matcher; at least `size` items. */
function scoreFixture(file: string, size: number) {
  const set = parseLabeledItems(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8'));
  expect(set.length).toBeGreaterThanOrEqual(size);
  return evaluate(set, compileMatcher(roster));
}

describe('state and foreign governments (labeled-items-world.jsonl)', () => {
  it('alerts on their actions on a lab’s AI and stays quiet on look-alikes', () => {
    const report = scoreFixture('labeled-items-world.jsonl', 80);
    // Measured when added: precision 0.917, recall 0.978 (0.905 and 0.844 before the vocabulary
    // learnt attorneys general, governors, regulators by name and government lawsuits).
    expect(report.precision, formatReport(report)).toBeGreaterThanOrEqual(0.9);
    expect(report.recall, formatReport(report)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('a government as the subject of a verb (labeled-items-acts.jsonl)', () => {
  it('alerts on "EU asks xAI…" and "Brazil tells Meta…" and stays quiet on the same verbs after others', () => {
    const report = scoreFixture('labeled-items-acts.jsonl', 40);
    // Written after the rule, never tuned on. Measured when added: precision 0.947, recall 0.900
    // (0.909 and 0.500 before it); the false alert is older (a Capitol Hill happy hour).
    expect(report.precision, formatReport(report)).toBeGreaterThanOrEqual(0.9);
    expect(report.recall, formatReport(report)).toBeGreaterThanOrEqual(0.85);
  });

  it('holds on a blind set written by a helper who saw neither the vocabulary nor the rule', () => {
    const report = scoreFixture('labeled-items-blind.jsonl', 60);
    // Scored once when added: precision 0.879, recall 0.967 (0.875 and 0.933 without the rule); the
    // four false alerts are older (a government buying or praising a product, a CEO on Congress).
    expect(report.precision, formatReport(report)).toBeGreaterThanOrEqual(0.85);
    expect(report.recall, formatReport(report)).toBeGreaterThanOrEqual(0.93);
  });
});

describe('evaluate', () => {
  const item = (id: string, alert: boolean, labs: string[] = []): LabeledItem => ({
    id,
    title: id,
    summary: '',
    alert,
    labs,
    programs: [],
  });
  const fake = (answers: Record<string, { alert: boolean; labs?: string[] }>) => ({
    match: ({ title }: { title: string }): MatchResult => ({
      labs: answers[title]?.labs ?? [],
      programs: [],
      topics: [],
      alert: answers[title]?.alert ?? false,
      reason: 'fake',
      evidence: [],
    }),
  });

  it('counts the confusion matrix and derives the figures', () => {
    const r = evaluate(
      [
        item('tp1', true, ['meta']),
        item('tp2', true),
        item('fn', true),
        item('fp', false),
        item('tn', false),
      ],
      fake({ tp1: { alert: true, labs: ['meta'] }, tp2: { alert: true }, fp: { alert: true } }),
    );
    expect(r).toMatchObject({ tp: 2, fn: 1, fp: 1, tn: 1, positives: 3, negatives: 2 });
    expect(r.precision).toBeCloseTo(2 / 3);
    expect(r.recall).toBeCloseTo(2 / 3);
    expect(r.f1).toBeCloseTo(2 / 3);
    expect(r.accuracy).toBeCloseTo(3 / 5);
    expect(r.labAccuracy).toBe(1);
    expect(r.misclassified.map((m) => m.id)).toEqual(['fn', 'fp']);
    const text = formatReport(r);
    expect(text).toContain('TP 2  FP 1  TN 1  FN 1');
    expect(text).toContain('FN fn: fn');
  });

  it('measures entity accuracy as exact set equality', () => {
    const r = evaluate([item('a', false, ['meta', 'xai'])], fake({ a: { alert: false, labs: ['xai'] } }));
    expect(r.labAccuracy).toBe(0);
    expect(r.entityMisses).toEqual([
      { id: 'a', title: 'a', kind: 'labs', expected: ['meta', 'xai'], got: ['xai'] },
    ]);
  });

  it('rejects a broken fixture line with its line number', () => {
    expect(() => parseLabeledItems('{"id":"a"}')).toThrow(FixtureError);
    expect(() => parseLabeledItems('\n{nope')).toThrow(/line 2/);
    const ok = '{"id":"a","title":"t","summary":"","alert":true,"labs":[],"programs":[]}';
    expect(() => parseLabeledItems(`${ok}\n${ok}`)).toThrow(/duplicate id/);
    expect(parseLabeledItems(`// comment\n\n${ok}\n`)).toHaveLength(1);
  });
});
