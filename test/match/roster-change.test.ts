import { beforeAll, describe, expect, it } from 'vitest';
import { compileMatcher, type Matcher } from '../../src/match/matcher.js';
import {
  detectRosterChange,
  detectRosterChanges,
  type ProposedChange,
} from '../../src/match/roster-change.js';
import { loadRoster } from '../../src/roster/load.js';
import { splitSentences } from '../../src/text/sentences.js';

let matcher: Matcher;
beforeAll(() => {
  matcher = compileMatcher(loadRoster());
});

const detect = (title: string, summary = ''): ProposedChange | null =>
  detectRosterChange({ title, summary }, matcher.match({ title, summary }));

describe('proposes a change', () => {
  const cases: [string, string, string, string, ProposedChange['status']][] = [
    ['Meta signs CAISI agreement', '', 'meta', 'caisi', 'signed'],
    ['Meta agrees to federal pre-release review', '', 'meta', 'caisi', 'signed'],
    ['Meta joins CAISI program', '', 'meta', 'caisi', 'signed'],
    ['Meta signs on to federal AI review', '', 'meta', 'caisi', 'signed'],
    ['Meta, the last holdout, signs CAISI agreement', '', 'meta', 'caisi', 'signed'],
    ['Meta, the last major lab that had not signed, joins CAISI review', '', 'meta', 'caisi', 'signed'],
    ['Meta says it has signed the voluntary review agreement', '', 'meta', 'caisi', 'signed'],
    [
      'Meta agrees to let government evaluators test its models before release',
      '',
      'meta',
      'caisi',
      'signed',
    ],
    ['META SIGNS CAISI DEAL', '', 'meta', 'caisi', 'signed'],
    [
      'Meta&#8217;s holdout ends',
      'Meta signed an agreement with CAISI on Tuesday.',
      'meta',
      'caisi',
      'signed',
    ],
    ['Meta becomes the last major lab to join federal AI testing', '', 'meta', 'caisi', 'signed'],
    ['xAI withdraws from CAISI review', '', 'xai', 'caisi', 'withdrawn'],
    ['xAI pulls out of federal AI safety testing program', '', 'xai', 'caisi', 'withdrawn'],
    ['xAI quits the government’s pre-release review', '', 'xai', 'caisi', 'withdrawn'],
    ['xAI ends its participation in the CAISI review', '', 'xai', 'caisi', 'withdrawn'],
    ['xAI suspends participation in CAISI review', '', 'xai', 'caisi', 'suspended'],
    ["xAI's participation in CAISI program suspended", '', 'xai', 'caisi', 'suspended'],
  ];
  it.each(cases)('%s', (title, summary, lab, program, status) => {
    const c = detect(title, summary);
    expect(c).not.toBeNull();
    expect(c).toMatchObject({ lab, program, status });
    expect(c?.evidence.length).toBeGreaterThan(0);
  });

  it('proposes one change per lab for coordinated subjects and program subjects', () => {
    const a = 'Google DeepMind, Microsoft and xAI sign CAISI agreements';
    expect(detectRosterChanges({ title: a }, matcher.match({ title: a })).map((c) => c.lab)).toEqual([
      'google-deepmind',
      'microsoft',
      'xai',
    ]);
    const b = 'U.S. AI Safety Institute signs agreements with OpenAI and Anthropic';
    expect(
      detectRosterChanges({ title: b }, matcher.match({ title: b })).map((c) => [c.lab, c.program]),
    ).toEqual([
      ['openai', 'caisi'],
      ['anthropic', 'caisi'],
    ]);
  });

  it('quotes the sentence as evidence', () => {
    const c = detect('Holdout no more', 'Meta joined the CAISI program on Tuesday. Analysts were surprised.');
    expect(c?.evidence).toBe('Meta joined the CAISI program on Tuesday.');
  });
});

describe('proposes nothing', () => {
  const cases: string[] = [
    'Meta hopes to sign the CAISI agreement soon',
    'Meta expects to sign CAISI deal',
    'Meta has not signed the CAISI agreement',
    'Meta is the only one that has not signed with CAISI',
    'Meta is the only major lab that has not joined the federal review',
    'Meta refuses to sign CAISI deal',
    'Meta may sign CAISI deal',
    'Meta is urged to sign the CAISI agreement',
    'White House urges Meta to sign CAISI agreement',
    'Meta in talks to sign CAISI agreement',
    'Will Meta sign the CAISI agreement?',
    'Meta to sign CAISI agreement?',
    'Meta said it would sign the CAISI agreement',
    'Meta to sign CAISI agreement',
    "Meta hasn't signed the federal review agreement",
    'Meta declines to join CAISI review',
    'Meta denies it signed a CAISI agreement',
    'If Meta signs the CAISI deal, Llama releases could slow',
    'Trump administration presses Meta to join AI model security review as every other major US lab has already signed on',
    "Meta's rivals signed CAISI agreements",
    'OpenAI and Anthropic signed CAISI agreements in 2024',
    'Meta signs deal with Scale AI',
    'Meta agrees to discuss CAISI review',
    'Anthropic suspends access to Fable 5 under June 12 directive',
    'xAI threatens to pull out of CAISI review',
    'xAI considers withdrawing from CAISI review',
    'Meta joins Linux Foundation project',
    'Meta Ends Holdout, Agrees to Let Government Vet Its AI',
    'Meta ends its months-long standoff with Washington over federal model testing',
  ];
  it.each(cases)('%s', (title) => {
    expect(detect(title)).toBeNull();
  });

  it('ignores background in later sentences of the summary', () => {
    expect(
      detect(
        'Washington presses Meta on AI reviews',
        'Officials emailed the company this week. Meta says it hopes to sign soon. xAI signed a CAISI agreement.',
      ),
    ).toBeNull();
  });

  it('needs a tracked lab', () => {
    expect(detect('Startup signs CAISI agreement')).toBeNull();
  });
});

describe('splitSentences', () => {
  it('does not split on abbreviations', () => {
    const text =
      'The U.S. AI Safety Institute signed deals. Meta Platforms Inc. did not. E.O. 14409 followed!';
    expect(splitSentences(text).map((s) => text.slice(s.start, s.end))).toEqual([
      'The U.S. AI Safety Institute signed deals.',
      'Meta Platforms Inc. did not.',
      'E.O. 14409 followed!',
    ]);
  });
});
