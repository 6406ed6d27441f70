import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SeedError } from '../../src/roster/load.js';
import { defaultVocabularyPath, loadVocabulary, parseVocabulary } from '../../src/roster/vocabulary.js';

const text = readFileSync(defaultVocabularyPath(), 'utf8');

describe('seeds/vocabulary.yaml', () => {
  it('loads, and is read once', () => {
    const v = loadVocabulary();
    expect(v.topics.length).toBeGreaterThan(5);
    expect(loadVocabulary()).toBe(v);
  });

  it('reports a broken file in one line: file, path, problem', () => {
    const broken = text.replace(/weight: 1\n/, 'weight: -1\n');
    expect(() => parseVocabulary(broken, 'vocab.yaml')).toThrow(SeedError);
    expect(() => parseVocabulary(broken, 'vocab.yaml')).toThrow(/^vocab\.yaml: at topics\[0\]\.weight: /);
    const unknown = text.replace(/group: pre-release-review/, 'group: pre-release-reviews');
    expect(() => parseVocabulary(unknown, 'vocab.yaml')).toThrow(
      'vocab.yaml: at decision.describedReview.group: unknown topic group "pre-release-reviews"',
    );
    expect(() => parseVocabulary('topics: [', 'vocab.yaml')).toThrow(/^vocab\.yaml: not valid YAML: /);
    // An `after:` entry is the one word before a term: a phrase there could never match.
    const phrase = text.replace(/after: &governmentSubjects \[/, 'after: &governmentSubjects [white house, ');
    expect(() => parseVocabulary(phrase, 'vocab.yaml')).toThrow(
      /^vocab\.yaml: at topics\[\d+\]\.after\[0\]: one word each/,
    );
  });
});
