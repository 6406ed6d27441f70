import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLUSTER_OPTIONS,
  pairFeatures,
  StoryIndex,
  sameDocument,
} from '../../src/cluster/cluster.js';
import { scoreClusters } from '../../src/cluster/evaluate.js';
import {
  actorsOf,
  identifiersOf,
  itemFeatures,
  lawmakerSubject,
  type StoryFeatures,
  termsOf,
} from '../../src/cluster/features.js';
import {
  defaultStoryWordsPath,
  loadStoryWords,
  parseStoryWords,
} from '../../src/cluster/load-story-words.js';
import { readFeatures, rosterNameTerms, titleFeatures } from '../../src/cluster/members.js';
import { Rarity } from '../../src/cluster/rarity.js';
import { stem } from '../../src/cluster/words.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { loadRoster } from '../../src/roster/load.js';

const words = loadStoryWords();
const matcher = compileMatcher(loadRoster());

const features = (title: string, at: string, summary = '', outlet?: string): StoryFeatures =>
  itemFeatures({ title, summary, at, outlet }, matcher.match({ title, summary }), words);

/** An index over the given stories (one item each, ids from 1), rarity learnt from their headlines. */
function indexOf(...members: StoryFeatures[][]) {
  const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
  const index = new StoryIndex(rarity, words.model, DEFAULT_CLUSTER_OPTIONS);
  members.forEach((list, i) => {
    for (const m of list) rarity.add(m.title);
    index.add({
      id: i + 1,
      labs: list[0]?.labs ?? [],
      programs: list[0]?.programs ?? [],
      settled: false,
      members: list,
    });
  });
  return index;
}

describe('words', () => {
  it('meets the forms one story’s coverage uses', () => {
    expect(new Set(['presses', 'pressed', 'pressing'].map(stem)).size).toBe(1);
    expect(stem('hearings')).toBe(stem('hearing'));
    expect(stem('banned')).toBe(stem('ban'));
    expect(stem('testers')).toBe(stem('test'));
  });

  it('keeps model versions and dates as terms, drops stop words and lone years', () => {
    const t = termsOf('OpenAI to Submit GPT-5 by June 12, 2026, for the Review', words);
    expect(t).toContain('gpt5');
    expect(t).toContain('june12');
    expect(t).not.toContain('2026');
    expect(t).not.toContain('the');
  });

  it('a month shortened before a day names the same date as the month spelt out', () => {
    expect(termsOf('The Aug. 25 order sets a Sept. 3 deadline', words)).toEqual(
      expect.arrayContaining(['august25', 'september3']),
    );
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    const wire = features('What the Aug. 25 AI order asks of Meta', '2026-08-27T10:00:00Z');
    const register = features('Meta and the AI order of August 25: what it asks', '2026-08-27T12:00:00Z');
    expect(pairFeatures(wire, register, rarity)).toMatchObject({ sameVersion: 1, otherVersion: 0 });
  });

  it('reworded words of one meaning meet as a concept', () => {
    const kids = termsOf('FTC asks about chatbots and kids', words);
    const minors = termsOf('FTC asks about AI companions and minors', words);
    const shared = kids.filter((t) => t.startsWith('=') && minors.includes(t));
    expect(shared).toContain('=chatbot');
    expect(shared).toContain('=children');
  });

  it('names documents: bills keep their chamber letters, orders are their number', () => {
    expect(identifiersOf('Senate passes SB 512 while AB 77 stalls', words)).toEqual([
      'bill:ab77',
      'bill:sb512',
    ]);
    expect(identifiersOf('What Executive Order 14409 asks', words)).toEqual(
      identifiersOf('EO 14409 explained', words),
    );
    expect(identifiersOf('H.R. 4522 clears committee', words)).toEqual(['bill:hr4522']);
    // A count after "order" is not an order's number.
    expect(identifiersOf("OpenAI first to use Trump order's 30-day review", words)).toEqual([]);
  });

  it('a number that counts something is not a version: "30-day" is not "order 30"', () => {
    expect(termsOf("OpenAI first to use Trump order's 30-day review", words)).not.toContain('order30');
    expect(termsOf('Lutnick gives Meta 10 days to answer', words)).not.toContain('meta10');
    expect(termsOf('xAI delays Grok 5 launch', words)).toContain('grok5');
  });

  it('two reports of one submission that both mention the 30-day clock are not told apart by it', () => {
    const a = features(
      "OpenAI Hands Next Model to Government Testers, First Under Trump's 30-Day Review",
      '2026-08-06T13:00:00Z',
    );
    const b = features("OpenAI first to use Trump order's 30-day AI review window", '2026-08-06T15:00:00Z');
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    const x = pairFeatures(b, a, rarity);
    // Read as "order 30" and "Trump 30", they were different documents and different versions.
    expect(x).not.toBeNull();
    expect(x?.otherVersion).toBe(0);
  });

  it('names who acts: the White House is not the House, the FTC not the European Commission', () => {
    expect(actorsOf('White House tells agencies to buy only tested AI models', words)).toEqual([
      'white-house',
    ]);
    expect(actorsOf('House Oversight chair questions Microsoft over engineers', words)).toEqual(['house']);
    expect(actorsOf('Federal Trade Commission seeks OpenAI chatbot records', words)).toEqual(['ftc']);
    expect(actorsOf('Commission opens Digital Services Act case against X over Grok', words)).toEqual([
      'european-union',
    ]);
    // "The Trump administration" is whichever agency acted: it names no one.
    expect(actorsOf('Trump administration defends Anthropic order before judge', words)).toEqual(['court']);
  });

  it('members of Congress who lead a headline by name are the actor, not the agency they write to', () => {
    expect(lawmakerSubject('Ortega, Lindqvist Press Commerce on Who Tests Gemini First', words)).toEqual([
      'house',
      'senate',
    ]);
    expect(lawmakerSubject('Sen. Abernathy presses Altman over ChatGPT data retention', words)).toEqual([
      'senate',
    ]);
    expect(lawmakerSubject('Rep. Okafor, Colleagues Demand Briefing on Grok Contract', words)).toEqual([
      'house',
    ]);
    expect(lawmakerSubject('Tanaka Demands Answers From xAI on Grok Age Checks', words)).toEqual([
      'house',
      'senate',
    ]);
    // Agencies, the President, capitalised common words and companies are not members of Congress.
    expect(lawmakerSubject('GAO Warns Commerce Lacks Evaluators', words)).toBeNull();
    expect(lawmakerSubject('Trump Demands Answers on AI Chips', words)).toBeNull();
    expect(lawmakerSubject('Regulators want to know how Copilot uses customer data', words)).toBeNull();
    expect(lawmakerSubject('Feds want first look at Llama 5 weights', words)).toBeNull();
    expect(lawmakerSubject('Commerce Names New CAISI Director', words)).toBeNull();
    const title = 'Meta, Google Urge Congress to Keep Reviews Voluntary';
    const item = features(title, '2026-07-02T10:00:00Z');
    // Capitalised names before the verb, but the tracked labs among them make them companies.
    expect(lawmakerSubject(title, words)).toEqual(['house', 'senate']);
    expect(item.actors).toEqual([]);
  });

  it('a headline’s context clause and the object of a chamber’s action name no actor', () => {
    expect(actorsOf('FTC opens Grok companion probe as senators pile on', words)).toEqual(['ftc']);
    expect(actorsOf('Irish regulator fines Meta amid EU push on AI training', words)).toEqual(['ireland']);
    expect(actorsOf('House panel grills Pentagon over Anthropic label', words)).toEqual(['house']);
    // Without an actor before it, what follows "after" is still read…
    expect(actorsOf('Meta relents after White House pressure on testing', words)).toEqual(['white-house']);
    expect(
      features('Deal reached after White House pressure on testing', '2026-07-02T10:00:00Z').actors,
    ).toEqual(['white-house']);
    // …unless a tracked lab leads the headline: then it is the lab's event, and the rest context.
    expect(
      features('Meta relents after White House pressure on testing', '2026-07-02T10:00:00Z').actors,
    ).toEqual([]);
    expect(
      features(
        'Meta joins federal AI testing program after months of White House pressure',
        '2026-07-02T10:00:00Z',
      ).actors,
    ).toEqual([]);
  });

  it('a bill about an agency is Congress’s event, and the Commerce Committee is the Senate', () => {
    // The center a bill would authorize is what the bill is about, not who acts.
    const release = features(
      'Committee Advances Bipartisan Bill to Authorize the Center for AI Standards and Innovation',
      '2026-09-09T15:00:00Z',
    );
    const coverage = features(
      'House Science panel advances bill to put CAISI into law',
      '2026-09-09T17:00:00Z',
    );
    expect(release.actors).toEqual([]);
    expect(coverage.actors).toEqual(['house']);
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    expect(pairFeatures(coverage, release, rarity)?.otherActor).toBe(0);
    // Outside legislation an agency still acts.
    expect(features('Commerce Department names new CAISI director', '2026-09-09T12:00:00Z').actors).toEqual([
      'commerce',
    ]);
    expect(actorsOf('Frontier Review Act clears Commerce Committee on 15-13 vote', words)).toEqual([
      'senate',
    ]);
    expect(actorsOf('Energy and Commerce panel grills Meta over Llama testing', words)).toEqual(['house']);
  });

  it('a capital names its government and is no lawmaker; New Mexico is a state, not Mexico', () => {
    const dublin = "Dublin slams Meta's plan to train AI on Europeans' posts";
    expect(lawmakerSubject(dublin, words)).toBeNull();
    expect(actorsOf(dublin, words)).toEqual(['ireland']);
    expect(actorsOf('DPC tells Meta to pause AI training on EU posts', words)).toEqual([
      'european-union',
      'ireland',
    ]);
    expect(actorsOf('New Mexico sues Meta over AI companion bots', words)).toEqual(['new-mexico']);
    expect(actorsOf('Mexico fines Meta over AI ads', words)).toEqual(['mexico']);
  });

  it('a broken word-list file is one line naming the file, the path and the problem', () => {
    expect(() =>
      parseStoryWords('stop: a\nbackground: {documents: -1}\nkinds: {}\nmodel: {}', 'x.yaml'),
    ).toThrow(/^x\.yaml: at background\.documents: /);
    const bundled = readFileSync(defaultStoryWordsPath(), 'utf8');
    expect(() =>
      parseStoryWords(bundled.replace('  - [court, justice]', '  - [court, justise]'), 'y.yaml'),
    ).toThrow(/^y\.yaml: at compatibleActors\[0\]\[1\]: "justise" is not an actor/);
  });
});

describe('story assignment', () => {
  const seed = features(
    'US presses Meta to join federal AI safety review',
    '2026-06-23T14:00:00Z',
    'Officials emailed Meta asking it to let the Center for AI Standards and Innovation test its models before release.',
  );

  it('another outlet wording the same news the same day joins the story', () => {
    const index = indexOf([seed]);
    const item = features(
      'Washington presses Meta to accept federal AI safety review',
      '2026-06-23T18:00:00Z',
      'The administration asked Meta by email to submit its models to the CAISI review before release.',
    );
    expect(index.assign(item)?.storyId).toBe(1);
  });

  it('different news about the same lab the same day starts a new story', () => {
    const index = indexOf([seed]);
    const ftc = features(
      'FTC opens inquiry into Meta chatbot ads aimed at teenagers',
      '2026-06-23T16:00:00Z',
      'The Federal Trade Commission asked Meta for records on how its assistant shows ads to users under 18.',
    );
    expect(index.assign(ftc)).toBeNull();
  });

  it('an agency’s inquiry and senators’ letter on one subject the same day stay two stories', () => {
    const index = indexOf([
      features('FTC opens inquiry into Microsoft bundling of Copilot with Office', '2026-07-14T10:00:00Z'),
    ]);
    const letter = features(
      'Senators press Microsoft over bundling of Copilot with Office',
      '2026-07-14T13:00:00Z',
    );
    expect(index.assign(letter)).toBeNull();
    const wire = features(
      'FTC inquiry targets Microsoft bundling of Copilot with Office',
      '2026-07-14T12:00:00Z',
    );
    expect(index.assign(wire)?.storyId).toBe(1);
  });

  it('a letter from named senators to an agency does not join the agency’s own story', () => {
    const index = indexOf([
      features(
        'Commerce eases export curbs on Anthropic Fable 5 for allied countries',
        '2026-08-04T09:00:00Z',
      ),
    ]);
    const letter = features(
      "Whitcombe, Alvarado Press Lutnick on Which Allies Get Anthropic's Fable 5",
      '2026-08-04T15:00:00Z',
    );
    // Read as Commerce acting (Lutnick), the letter shared the story's actor and joined it on the
    // subject's words alone. (Worded closer still, it can join: actors are one feature among several.)
    expect(letter.actors).toEqual(['house', 'senate', 'member:alvarado', 'member:whitcombe']);
    expect(index.assign(letter)).toBeNull();
    const wire = features(
      'Commerce relaxes curbs on Anthropic Fable 5 for allied countries',
      '2026-08-04T11:00:00Z',
    );
    expect(index.assign(wire)?.storyId).toBe(1);
  });

  it('letters from different members of Congress are two events; one member’s letter is one', () => {
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    const first = features(
      'Okafor Presses Commerce on Pre-Release Review of Meta’s Llama 6',
      '2026-09-02T14:00:00Z',
    );
    const other = features(
      'Lindqvist Warns Commerce Against Waiving Review for Meta’s Llama 6',
      '2026-09-02T16:00:00Z',
    );
    const cosigned = features(
      'Okafor, Brandt Press Commerce Over Meta Llama 6 Review',
      '2026-09-02T17:00:00Z',
    );
    expect(first.actors).toEqual(['house', 'senate', 'member:okafor']);
    expect(pairFeatures(other, first, rarity)?.otherActor).toBe(1);
    expect(pairFeatures(cosigned, first, rarity)?.otherActor).toBe(0);
    // Without a surname on one side, the chamber decides as before.
    const senators = features('Senators press Commerce on Meta Llama 6 review', '2026-09-02T18:00:00Z');
    expect(pairFeatures(senators, first, rarity)?.otherActor).toBe(0);
    const index = indexOf([first]);
    expect(index.assign(other)).toBeNull();
  });

  it('the Justice Department and the court name one case', () => {
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    const doj = features(
      'Justice Department asks judge to bar Google Gemini default deals',
      '2026-08-11T10:00:00Z',
    );
    const court = features('Judge weighs bar on Google Gemini default deals', '2026-08-11T16:00:00Z');
    expect(doj.actors).toEqual(['court', 'justice']);
    const brief = features(
      'Justice Department files brief on Google Gemini default deals',
      '2026-08-11T12:00:00Z',
    );
    expect(brief.actors).toEqual(['justice']);
    expect(pairFeatures(brief, court, rarity)?.otherActor).toBe(0);
  });

  it('coverage that names no one stands for its story’s actor', () => {
    const index = indexOf([
      features('FTC opens inquiry into Microsoft bundling of Copilot with Office', '2026-07-14T10:00:00Z'),
      features('Microsoft confirms Copilot probe, says it will cooperate', '2026-07-14T11:00:00Z'),
    ]);
    // Closest to the second item, which names no one; the story's actor is the FTC.
    expect(
      index.assign(features('Senators press Microsoft on Copilot probe', '2026-07-14T13:00:00Z')),
    ).toBeNull();
  });

  it('coverage of one order that names only the program meets the coverage that names the labs', () => {
    // One order, two headlines: one names the labs it binds, the other only CAISI. They share no lab
    // or program, so only the stories "about none of the item's labs" bring them together.
    const order = features(
      'Trump signs order requiring OpenAI and Anthropic to let federal testers vet new models',
      '2026-08-04T14:00:00Z',
    );
    const caisiOnly = features(
      'Trump order puts CAISI in charge of vetting new frontier models',
      '2026-08-04T15:30:00Z',
    );
    expect(order.programs).toEqual([]);
    expect(caisiOnly.labs).toEqual([]);
    expect(indexOf([order]).assign(caisiOnly)?.storyId).toBe(1);
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    rarity.add(order.title);
    const without = new StoryIndex(rarity, words.model, { ...DEFAULT_CLUSTER_OPTIONS, maxUnrelated: 0 });
    without.add({ id: 1, labs: order.labs, programs: order.programs, settled: false, members: [order] });
    expect(without.assign(caisiOnly)).toBeNull();
    // A different event in alike words, from another actor, stays apart.
    const hearing = features(
      'Senate panel grills OpenAI and Anthropic over federal testers vetting new models',
      '2026-08-04T13:00:00Z',
    );
    expect(indexOf([hearing]).assign(caisiOnly)).toBeNull();
  });

  it('a story about another lab is never joined, however close the wording', () => {
    const index = indexOf([seed]);
    const other = features('US presses OpenAI to join federal AI safety review', '2026-06-23T15:00:00Z');
    expect(index.assign(other)).toBeNull();
  });

  it('two different bills never join, whatever they share', () => {
    const index = indexOf([
      features('California Senate passes SB 512 on frontier AI safety for OpenAI', '2026-07-01T10:00:00Z'),
    ]);
    const other = features(
      'California Assembly passes AB 77 on frontier AI safety for OpenAI',
      '2026-07-01T12:00:00Z',
    );
    expect(index.assign(other)).toBeNull();
  });

  it('a different model version is a different event, even in the same words', () => {
    const index = indexOf([
      features('Federal testers clear xAI Grok 4 after cyber review', '2026-07-10T10:00:00Z'),
    ]);
    expect(
      index.assign(features('Federal testers clear xAI Grok 5 after cyber review', '2026-07-10T13:00:00Z')),
    ).toBeNull();
    expect(
      index.assign(
        features('xAI Grok 4 cleared by federal testers after cyber review', '2026-07-10T13:00:00Z'),
      )?.storyId,
    ).toBe(1);
  });

  it('reworded coverage joins within hours of the event, not the next day', () => {
    const index = indexOf([
      features('Commerce clears Google Gemini 4 after pre-release testing', '2026-08-11T10:00:00Z'),
    ]);
    const reworded = (at: string) => features('US testers finish pre-release review of Google model', at);
    // Two hours on, few shared words are enough: coverage of one event comes in a burst.
    expect(index.assign(reworded('2026-08-11T12:00:00Z'))?.storyId).toBe(1);
    // Twenty hours on, the same words could as well be the next event about the model.
    expect(index.assign(reworded('2026-08-12T06:00:00Z'))).toBeNull();
  });

  it('an outlet’s second headline about the lab needs more than another outlet’s', () => {
    const index = indexOf([
      features(
        'Commerce clears Google Gemini 4 after pre-release testing',
        '2026-08-11T10:00:00Z',
        '',
        'Reuters',
      ),
    ]);
    const next = (outlet: string) =>
      features('US testers finish pre-release review of Google model', '2026-08-11T12:00:00Z', '', outlet);
    expect(index.assign(next('The Verge'))?.storyId).toBe(1);
    // Reuters seldom files twice on one event; its next piece on Gemini is likelier another one.
    expect(index.assign(next('Reuters'))).toBeNull();
  });

  it('a judge names who acts, not what happened: the hearing, the ruling and the appeal differ', () => {
    const hearing = features(
      'Judge presses Pentagon on Anthropic supply-chain label at hearing',
      '2026-08-11T10:00:00Z',
    );
    const ruling = features(
      "Judge blocks Pentagon's supply-chain label on Anthropic",
      '2026-08-12T12:00:00Z',
    );
    const appeal = features('Pentagon appeals Anthropic supply-chain decision', '2026-08-14T12:00:00Z');
    expect(hearing.kinds).toContain('hearing');
    expect(hearing.kinds).not.toContain('ruling');
    expect(hearing.actors).toContain('court');
    expect(ruling.kinds).toEqual(['ruling']);
    expect(appeal.kinds).toEqual(['appeal']);
  });

  it('the same wording days later, outside the window, starts a new story', () => {
    const index = indexOf([seed]);
    const late = features('US presses Meta to join federal AI safety review', '2026-06-27T15:00:00Z');
    expect(index.assign(late)).toBeNull();
  });

  it('an official document in a second feed days later joins the first by its title', () => {
    const whiteHouse = features(
      'Designating the Center for AI Standards and Innovation to Lead Federal Evaluation of Frontier AI Models',
      '2026-07-02T20:00:00Z',
    );
    const register = features(
      'Executive Order 14413 of July 2, 2026: Designating the Center for AI Standards and Innovation To Lead Federal Evaluation of Frontier Artificial Intelligence Models',
      '2026-07-08T04:00:00Z',
    );
    expect(sameDocument(whiteHouse, register)).toBe(true);
    expect(indexOf([whiteHouse]).assign(register)?.storyId).toBe(1);
  });

  it('a tie goes to the older story, not the more recent one', () => {
    const copy = (at: string) => features('Senators press xAI on Grok 5 safety test results', at);
    const index = indexOf([copy('2026-07-08T10:00:00Z')], [copy('2026-07-08T11:00:00Z')]);
    expect(index.assign(copy('2026-07-08T12:00:00Z'))?.storyId).toBe(1);
  });

  it('a change-of-status rule can keep an item out of a story', () => {
    const index = indexOf([seed]);
    const item = features(
      'Washington presses Meta to accept federal AI safety review',
      '2026-06-23T18:00:00Z',
    );
    expect(index.assign(item, () => false)).toBeNull();
  });
});

describe('stored members', () => {
  const stored = features('FTC opens inquiry into Meta chatbot ads', '2026-07-14T10:00:00Z', '', 'Reuters');

  it('read back with their outlet, or without one when stored before outlets were kept', () => {
    const json = JSON.parse(JSON.stringify(stored));
    expect(json.outlet).toBe('reuters');
    expect(readFeatures(json)?.outlet).toBe('reuters');
    const { outlet: _, ...older } = json;
    expect(readFeatures(older)).not.toBeNull();
  });

  it('features of another shape are not read as ours', () => {
    expect(readFeatures({ ...JSON.parse(JSON.stringify(stored)), outlet: 7 })).toBeNull();
  });

  it('a source stored without features names who acts as a new headline-only item would', () => {
    for (const title of [
      'Okafor Presses Commerce on Pre-Release Review of Meta’s Llama 6',
      'Committee Advances Bipartisan Bill to Authorize the Center for AI Standards and Innovation',
    ]) {
      const fresh = features(title, '2026-09-02T14:00:00Z');
      const older = titleFeatures(title, '2026-09-02T14:00:00Z', fresh.labs, fresh.programs, words);
      expect(older.actors).toEqual(fresh.actors);
    }
    expect(
      titleFeatures('Okafor Presses Commerce on Meta Llama 6', '2026-09-02T14:00:00Z', [], [], words).actors,
    ).toContain('member:okafor');
  });
});

describe('word rarity', () => {
  it('a word seen in many headlines weighs less than a rare one; a lab’s own name weighs nothing', () => {
    const rarity = new Rarity(words, rosterNameTerms(matcher.roster, words));
    for (let i = 0; i < 50; i++) rarity.add(['inquiry']);
    expect(rarity.idf('inquiry')).toBeLessThan(rarity.idf('subpoena'));
    expect(rarity.idf('government')).toBeLessThan(rarity.idf('subpoena'));
    expect(rarity.idf('meta')).toBe(0);
    expect(rarity.idf('openai')).toBe(0);
  });
});

describe('B-cubed and pairwise scores', () => {
  it('match a hand-worked example', () => {
    // Gold {a,b,c} {d}; predicted {a,b} {c,d}.
    const s = scoreClusters([
      { id: 'a', gold: 'x', predicted: '1' },
      { id: 'b', gold: 'x', predicted: '1' },
      { id: 'c', gold: 'x', predicted: '2' },
      { id: 'd', gold: 'y', predicted: '2' },
    ]);
    expect(s.bcubed.precision).toBeCloseTo(0.75, 6);
    expect(s.bcubed.recall).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, 6);
    expect(s.pairwise.precision).toBeCloseTo(0.5, 6);
    expect(s.pairwise.recall).toBeCloseTo(1 / 3, 6);
  });
});
