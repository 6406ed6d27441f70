import { describe, expect, it } from 'vitest';
import {
  compileDecision,
  type DecisionInput,
  decide as decideWith,
  topicScore,
} from '../../src/match/decide.js';
import { loadVocabulary } from '../../src/roster/vocabulary.js';

const vocabulary = loadVocabulary();
const rules = compileDecision(vocabulary);
const decide = (input: DecisionInput) => decideWith(input, rules);

describe('decide', () => {
  it('alerts on any program', () => {
    const d = decide({ labs: [], programs: ['caisi'], topics: [] });
    expect(d).toEqual({ alert: true, reason: 'program mentioned: caisi' });
  });

  it('alerts on a lab with one strong topic group', () => {
    expect(decide({ labs: ['meta'], programs: [], topics: ['government'] }).alert).toBe(true);
    expect(decide({ labs: ['xai'], programs: [], topics: ['export-controls'] }).alert).toBe(true);
  });

  it('needs two weak groups next to a lab', () => {
    expect(decide({ labs: ['meta'], programs: [], topics: ['enforcement'] }).alert).toBe(false);
    expect(decide({ labs: ['openai'], programs: [], topics: ['jurisdiction', 'enforcement'] }).alert).toBe(
      true,
    );
  });

  it('does not alert on a topic without a lab', () => {
    const d = decide({ labs: [], programs: [], topics: ['government', 'executive-action'] });
    expect(d.alert).toBe(false);
    expect(d.reason).toBe('government topic without a tracked lab');
  });

  it('alerts on the government pre-release review described without a name', () => {
    expect(decide({ labs: [], programs: [], topics: ['pre-release-review', 'officials'] }).alert).toBe(true);
    expect(decide({ labs: [], programs: [], topics: ['pre-release-review'] }).alert).toBe(false);
    expect(decide({ labs: [], programs: [], topics: ['safety-institute', 'government'] }).alert).toBe(false);
  });

  it('explains a silent lab', () => {
    expect(decide({ labs: ['microsoft'], programs: [], topics: [] }).reason).toBe(
      'lab microsoft without government angle',
    );
    expect(decide({ labs: [], programs: [], topics: [] }).reason).toBe('no tracked lab or program');
  });

  it('counts each group once', () => {
    expect(topicScore(['enforcement', 'enforcement'], rules)).toBe(0.5);
    expect(topicScore(['unknown'], rules)).toBe(0);
  });

  it('has weights that make sense', () => {
    const ids = vocabulary.topics.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const g of vocabulary.topics) {
      expect([0.5, vocabulary.decision.threshold]).toContain(g.weight);
      expect(g.terms.length).toBeGreaterThan(0);
    }
  });
});
