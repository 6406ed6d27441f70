/**
 * Regression floor for story clustering: the labelled corpora replayed through the real poll cycle
 * (test/helpers/story-replay.ts), scored with B-cubed. The floors sit a little below the figures
 * measured when the clustering was last changed (README, "How stories are formed"), so a change
 * that merges different events or splits coverage of one event more than today fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scoreClusters } from '../../src/cluster/evaluate.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { loadRoster } from '../../src/roster/load.js';
import { parseStoryItems, replayStories } from '../helpers/story-replay.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const matcher = compileMatcher(loadRoster());
const corpus = (name: string) => parseStoryItems(readFileSync(path.join(fixtures, name), 'utf8'), name);

const FLOORS = [
  { file: 'stories.jsonl', mode: 'busy', precision: 0.78, recall: 0.78 },
  { file: 'stories.jsonl', mode: 'realistic', precision: 0.95, recall: 0.67 },
  { file: 'stories-holdout.jsonl', mode: 'busy', precision: 0.97, recall: 0.83 },
  { file: 'stories-holdout.jsonl', mode: 'realistic', precision: 0.98, recall: 0.79 },
  { file: 'stories-holdout-2.jsonl', mode: 'busy', precision: 0.98, recall: 0.84 },
  { file: 'stories-holdout-2.jsonl', mode: 'realistic', precision: 0.98, recall: 0.81 },
  { file: 'stories-holdout-3.jsonl', mode: 'busy', precision: 0.93, recall: 0.86 },
  { file: 'stories-holdout-3.jsonl', mode: 'realistic', precision: 0.98, recall: 0.82 },
  { file: 'stories-holdout-4.jsonl', mode: 'busy', precision: 0.91, recall: 0.84 },
  { file: 'stories-holdout-4.jsonl', mode: 'realistic', precision: 0.94, recall: 0.84 },
  { file: 'stories-holdout-5.jsonl', mode: 'busy', precision: 0.84, recall: 0.86 },
  { file: 'stories-holdout-5.jsonl', mode: 'realistic', precision: 0.9, recall: 0.77 },
  { file: 'stories-holdout-6.jsonl', mode: 'busy', precision: 0.91, recall: 0.91 },
  { file: 'stories-holdout-6.jsonl', mode: 'realistic', precision: 0.96, recall: 0.89 },
  { file: 'stories-holdout-7.jsonl', mode: 'busy', precision: 0.91, recall: 0.81 },
  { file: 'stories-holdout-7.jsonl', mode: 'realistic', precision: 0.96, recall: 0.79 },
  { file: 'stories-holdout-8.jsonl', mode: 'busy', precision: 0.97, recall: 0.84 },
  { file: 'stories-holdout-8.jsonl', mode: 'realistic', precision: 0.95, recall: 0.82 },
  { file: 'stories-holdout-9.jsonl', mode: 'busy', precision: 0.92, recall: 0.87 },
  { file: 'stories-holdout-9.jsonl', mode: 'realistic', precision: 0.93, recall: 0.84 },
  { file: 'stories-holdout-10.jsonl', mode: 'busy', precision: 0.95, recall: 0.89 },
  { file: 'stories-holdout-10.jsonl', mode: 'realistic', precision: 0.95, recall: 0.84 },
  { file: 'stories-holdout-11.jsonl', mode: 'busy', precision: 0.84, recall: 0.84 },
  { file: 'stories-holdout-11.jsonl', mode: 'realistic', precision: 0.89, recall: 0.79 },
  { file: 'stories-holdout-12.jsonl', mode: 'busy', precision: 0.9, recall: 0.86 },
  { file: 'stories-holdout-12.jsonl', mode: 'realistic', precision: 0.94, recall: 0.84 },
  { file: 'stories-holdout-13.jsonl', mode: 'busy', precision: 0.88, recall: 0.84 },
  { file: 'stories-holdout-13.jsonl', mode: 'realistic', precision: 0.92, recall: 0.81 },
  { file: 'stories-holdout-14.jsonl', mode: 'busy', precision: 0.97, recall: 0.8 },
  { file: 'stories-holdout-14.jsonl', mode: 'realistic', precision: 0.97, recall: 0.8 },
  { file: 'stories-holdout-15.jsonl', mode: 'busy', precision: 0.91, recall: 0.83 },
  { file: 'stories-holdout-15.jsonl', mode: 'realistic', precision: 0.96, recall: 0.82 },
  { file: 'stories-holdout-16.jsonl', mode: 'busy', precision: 0.96, recall: 0.84 },
  { file: 'stories-holdout-16.jsonl', mode: 'realistic', precision: 0.96, recall: 0.8 },
  { file: 'stories-holdout-17.jsonl', mode: 'busy', precision: 0.95, recall: 0.78 },
  { file: 'stories-holdout-17.jsonl', mode: 'realistic', precision: 0.96, recall: 0.75 },
  { file: 'stories-holdout-18.jsonl', mode: 'busy', precision: 0.94, recall: 0.87 },
  { file: 'stories-holdout-18.jsonl', mode: 'realistic', precision: 0.95, recall: 0.84 },
  { file: 'stories-holdout-19.jsonl', mode: 'busy', precision: 0.9, recall: 0.73 },
  { file: 'stories-holdout-19.jsonl', mode: 'realistic', precision: 0.92, recall: 0.71 },
  { file: 'stories-holdout-20.jsonl', mode: 'busy', precision: 0.92, recall: 0.91 },
  { file: 'stories-holdout-20.jsonl', mode: 'realistic', precision: 0.97, recall: 0.88 },
  { file: 'stories-holdout-21.jsonl', mode: 'busy', precision: 0.89, recall: 0.84 },
  { file: 'stories-holdout-21.jsonl', mode: 'realistic', precision: 0.92, recall: 0.77 },
  { file: 'stories-holdout-22.jsonl', mode: 'busy', precision: 0.91, recall: 0.82 },
  { file: 'stories-holdout-22.jsonl', mode: 'realistic', precision: 0.98, recall: 0.81 },
  { file: 'stories-holdout-23.jsonl', mode: 'busy', precision: 0.81, recall: 0.83 },
  { file: 'stories-holdout-23.jsonl', mode: 'realistic', precision: 0.93, recall: 0.83 },
  { file: 'stories-holdout-24.jsonl', mode: 'busy', precision: 0.9, recall: 0.87 },
  { file: 'stories-holdout-24.jsonl', mode: 'realistic', precision: 0.96, recall: 0.87 },
  { file: 'stories-holdout-25.jsonl', mode: 'busy', precision: 0.89, recall: 0.85 },
  { file: 'stories-holdout-25.jsonl', mode: 'realistic', precision: 0.95, recall: 0.86 },
  { file: 'stories-holdout-26.jsonl', mode: 'busy', precision: 0.9, recall: 0.78 },
  { file: 'stories-holdout-26.jsonl', mode: 'realistic', precision: 0.92, recall: 0.79 },
  { file: 'stories-holdout-27.jsonl', mode: 'busy', precision: 0.97, recall: 0.8 },
  { file: 'stories-holdout-27.jsonl', mode: 'realistic', precision: 0.98, recall: 0.79 },
  // Holdouts 28 to 30: scored once, clean (never fitted on, their errors not read), when added.
  { file: 'stories-holdout-28.jsonl', mode: 'busy', precision: 0.88, recall: 0.87 },
  { file: 'stories-holdout-28.jsonl', mode: 'realistic', precision: 0.93, recall: 0.84 },
  { file: 'stories-holdout-29.jsonl', mode: 'busy', precision: 0.94, recall: 0.82 },
  { file: 'stories-holdout-29.jsonl', mode: 'realistic', precision: 0.94, recall: 0.76 },
  { file: 'stories-holdout-30.jsonl', mode: 'busy', precision: 0.89, recall: 0.84 },
  { file: 'stories-holdout-30.jsonl', mode: 'realistic', precision: 0.94, recall: 0.79 },
] as const;

describe('story clustering on the labelled corpora', () => {
  for (const f of FLOORS) {
    it(`${f.file}, ${f.mode}: B-cubed precision ≥ ${f.precision}, recall ≥ ${f.recall}`, async () => {
      const { assignments } = await replayStories(corpus(f.file), { mode: f.mode, matcher });
      const s = scoreClusters(assignments);
      expect(s.bcubed.precision).toBeGreaterThanOrEqual(f.precision);
      expect(s.bcubed.recall).toBeGreaterThanOrEqual(f.recall);
    }, 60_000);
  }
});
