/**
 * Prints the alert decision's precision, recall and F1 on the labelled fixture set, and every item
 * it gets wrong. Run after the build: `node dist/test/eval-matching.js [file.jsonl]`.
 * Exits 1 when precision or recall is below 0.9.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, formatReport, parseLabeledItems } from '../src/match/evaluate.js';
import { compileMatcher } from '../src/match/matcher.js';
import { loadRoster } from '../src/roster/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const candidates = [
  path.join(here, 'fixtures', 'labeled-items.jsonl'),
  path.resolve(here, '..', '..', 'test', 'fixtures', 'labeled-items.jsonl'),
];
const file = process.argv[2] ?? candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);

const items = parseLabeledItems(readFileSync(file, 'utf8'));
const report = evaluate(items, compileMatcher(loadRoster()));
process.stdout.write(`${path.relative(process.cwd(), file)}\n${formatReport(report)}`);
process.exitCode = report.precision >= 0.9 && report.recall >= 0.9 ? 0 : 1;
