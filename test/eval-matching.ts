/**
 * Prints the alert decision's precision, recall and F1 and the program mentions' precision and
 * recall on the labelled fixture sets, and every item it gets wrong. Run after the build:
 * `node dist/test/eval-matching.js [file.jsonl ...]`.
 *
 * Without arguments it reads test/fixtures/labeled-items.jsonl (the original set) and
 * test/fixtures/labeled-items-new.jsonl (items added with issue 9, each marked `written`:
 * `before-change` = labelled before the matcher was changed, `after-change` = labelled after it
 * was finished and never tuned on), test/fixtures/labeled-items-world.jsonl (`world`: state and
 * foreign governments, courts and look-alikes, written by a helper who never saw the vocabulary and
 * scored once after the vocabulary learnt those governments), test/fixtures/labeled-items-acts.jsonl
 * (`acts`: governments as the subject of a plain verb, and look-alikes, written after the
 * `government-acts` rule and never tuned on) and test/fixtures/labeled-items-blind.jsonl (`blind`:
 * the same kind of items and look-alikes, written by a helper who saw neither the vocabulary nor the
 * README, scored once). It reports the whole set, then each group separately.
 * Exits 1 when alert precision or recall on the whole set is below 0.9.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, formatReport, type LabeledItem, parseLabeledItems } from '../src/match/evaluate.js';
import { compileMatcher } from '../src/match/matcher.js';
import { loadRoster } from '../src/roster/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = [path.join(here, 'fixtures'), path.resolve(here, '..', '..', 'test', 'fixtures')].find(
  (d) => existsSync(path.join(d, 'labeled-items.jsonl')),
);
const args = process.argv.slice(2);
const files =
  args.length > 0
    ? args
    : [
        'labeled-items.jsonl',
        'labeled-items-new.jsonl',
        'labeled-items-world.jsonl',
        'labeled-items-acts.jsonl',
        'labeled-items-blind.jsonl',
      ]
        .map((f) => path.join(fixturesDir ?? 'test/fixtures', f))
        .filter((f) => existsSync(f));

const items: LabeledItem[] = [];
for (const file of files) {
  try {
    items.push(...parseLabeledItems(readFileSync(file, 'utf8')));
  } catch (err) {
    process.stderr.write(`${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
const matcher = compileMatcher(loadRoster());
const whole = evaluate(items, matcher);
const out: string[] = [`${files.map((f) => path.relative(process.cwd(), f)).join(' + ')}`];
out.push('== whole set ==', formatReport(whole));
const groups = new Map<string, LabeledItem[]>();
for (const item of items) {
  const key = item.written ?? 'original';
  groups.set(key, [...(groups.get(key) ?? []), item]);
}
if (groups.size > 1) {
  for (const [key, group] of groups) out.push(`== ${key} ==`, formatReport(evaluate(group, matcher)));
}
process.stdout.write(`${out.join('\n')}\n`);
process.exitCode = whole.precision >= 0.9 && whole.recall >= 0.9 ? 0 : 1;
