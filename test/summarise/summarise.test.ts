import { describe, expect, it } from 'vitest';
import { summarise } from '../../src/summarise/summarise.js';
import { sentences } from '../../src/text/sentences.js';

const TEXT =
  'Shares of chip makers rose on Tuesday. The U.S. Commerce Department said Meta had not yet signed the CAISI review. ' +
  'Analysts expect more earnings news this week. Mr. Kass said the outreach was routine. Meta hopes to sign soon.';

describe('extractive summary', () => {
  it('keeps "U.S." and "Mr." inside their sentences', () => {
    expect(sentences(TEXT)).toEqual([
      'Shares of chip makers rose on Tuesday.',
      'The U.S. Commerce Department said Meta had not yet signed the CAISI review.',
      'Analysts expect more earnings news this week.',
      'Mr. Kass said the outreach was routine.',
      'Meta hopes to sign soon.',
    ]);
  });

  it('prefers the sentences that name the matched entities, in their original order', () => {
    expect(summarise(TEXT, ['Meta', 'CAISI'])).toBe(
      'The U.S. Commerce Department said Meta had not yet signed the CAISI review. Meta hopes to sign soon.',
    );
  });

  it('falls back to the lead when no sentence names an entity', () => {
    expect(summarise(TEXT, ['OpenAI'])).toBe(
      'Shares of chip makers rose on Tuesday. The U.S. Commerce Department said Meta had not yet signed the CAISI review.',
    );
  });

  it('stays within the length limit, cutting a single long sentence on a word', () => {
    const long = `Meta ${'spoke with regulators again '.repeat(40)}today.`;
    const out = summarise(long, ['Meta'], { maxChars: 120 });
    expect(out.length).toBeLessThanOrEqual(120);
    expect(out.endsWith('…')).toBe(true);
    expect(summarise('', ['Meta'])).toBe('');
  });
});
