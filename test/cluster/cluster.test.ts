import { describe, expect, it } from 'vitest';
import { chooseStory, itemTerms, type StorySignature } from '../../src/cluster/cluster.js';

const story = (over: Partial<StorySignature> = {}): StorySignature => ({
  id: 1,
  labs: ['meta'],
  programs: ['caisi'],
  terms: itemTerms(
    'US presses Meta to join federal AI safety review',
    'Officials emailed Meta about the voluntary review.',
    ['Meta'],
  ).all,
  lastSeenAt: '2026-06-23T14:00:00Z',
  ...over,
});

const item = (title: string, at = '2026-06-24T10:00:00Z', labs = ['meta']) => ({
  labs,
  programs: [],
  terms: itemTerms(title, '', ['Meta', 'OpenAI']),
  at,
});

describe('story clustering', () => {
  it('another outlet wording the same news joins the story', () => {
    expect(
      chooseStory(item('Washington presses Meta to accept federal safety review'), [story()])?.storyId,
    ).toBe(1);
  });

  it('different news about the same lab starts a new story', () => {
    expect(
      chooseStory(item('FTC opens inquiry into Meta chatbot ads aimed at teenagers'), [story()]),
    ).toBeNull();
  });

  it('the same wording outside the window starts a new story', () => {
    const late = item('Washington presses Meta to accept federal safety review', '2026-06-27T15:00:00Z');
    expect(chooseStory(late, [story()])).toBeNull();
    expect(chooseStory(late, [story()], { windowHours: 120, threshold: 0.25 })?.storyId).toBe(1);
  });

  it('a story about another lab is never joined, however close the wording', () => {
    const other = item('Washington presses OpenAI to accept federal safety review', '2026-06-24T10:00:00Z', [
      'openai',
    ]);
    expect(chooseStory(other, [story()])).toBeNull();
  });

  it('picks the closest of several candidate stories', () => {
    const ftc = story({
      id: 2,
      programs: [],
      terms: itemTerms(
        'FTC opens inquiry into Meta chatbot ads',
        'The Federal Trade Commission asked for records.',
        ['Meta'],
      ).all,
    });
    expect(chooseStory(item('FTC widens Meta chatbot ads inquiry'), [story(), ftc])?.storyId).toBe(2);
  });
});

describe('story clustering: chance overlaps', () => {
  it('one word in common is not the same story, even for a short headline', () => {
    // "questions" alone would be a quarter of this headline's words.
    const s = story({ terms: itemTerms('Senators send Meta questions on chatbots', '', ['Meta']).all });
    expect(chooseStory(item('Meta answers investor questions'), [s])).toBeNull();
  });
});
