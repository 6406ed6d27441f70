/**
 * The news the crash test publishes: five stories, each about a different tracked lab with a
 * government angle, each told by two to four outlets in their own words. Items of one story share
 * their lab and much of their wording; distinct stories share neither, so each story is one alert.
 */
import { SEED_ITEMS, type TestItem } from '../helpers/rss.js';

export interface Outlet {
  /** Feed path on the feed server. */
  path: string;
  /** Feed title: the outlet name the alert shows. */
  name: string;
}

export const OUTLETS: Outlet[] = [
  { path: '/times.xml', name: 'The New York Times' },
  { path: '/digest.xml', name: 'News digest' },
  { path: '/explainer.xml', name: 'Policy explainer' },
  { path: '/pondero.xml', name: 'Pondero Newsdesk' },
  { path: '/wire.xml', name: 'Capitol Wire' },
  { path: '/feature.xml', name: 'Feature analysis' },
];

export interface CorpusItem {
  story: string;
  outlet: string;
  item: Omit<TestItem, 'pubDate'>;
  /** Hours before the test starts that it was published (the first poll's backfill is 24 h). */
  hoursAgo: number;
}

const seed = (i: number): Omit<TestItem, 'pubDate'> => {
  const item = SEED_ITEMS[i]?.item;
  if (!item) throw new Error(`no seed item ${i}`);
  return { title: item.title, description: item.description, link: item.link, guid: item.guid };
};

export const CORPUS: CorpusItem[] = [
  // 1. Meta and the CAISI review: the seed story (four of its outlets; the fifth's headline is too
  //    far from the explainer's to join it when it arrives first).
  { story: 'meta-caisi', outlet: 'The New York Times', item: seed(0), hoursAgo: 9 },
  { story: 'meta-caisi', outlet: 'Policy explainer', item: seed(2), hoursAgo: 7 },
  { story: 'meta-caisi', outlet: 'Pondero Newsdesk', item: seed(3), hoursAgo: 6.5 },
  { story: 'meta-caisi', outlet: 'Feature analysis', item: seed(4), hoursAgo: 6.2 },
  // 2. Anthropic takes an EO 14409 directive to court (three outlets).
  {
    story: 'anthropic-court',
    outlet: 'Capitol Wire',
    item: {
      title: 'Anthropic challenges June 12 directive under Executive Order 14409 in federal court',
      description:
        'Anthropic asked a federal court to block the June 12 export-control directive issued under Executive Order 14409, arguing the directive exceeds the authority the executive order grants.',
      link: 'https://example.org/wire/anthropic-directive-court',
      guid: 'wire-anthropic-court',
    },
    hoursAgo: 6,
  },
  {
    story: 'anthropic-court',
    outlet: 'The New York Times',
    item: {
      title: 'Anthropic sues to block export-control directive issued under Executive Order 14409',
      description:
        'In a lawsuit filed in federal court, Anthropic says the June 12 directive under Executive Order 14409 goes beyond what the executive order allows and asks a judge to block it.',
      link: 'https://example.org/times/anthropic-sues-directive',
      guid: 'times-anthropic-court',
    },
    hoursAgo: 5.5,
  },
  {
    story: 'anthropic-court',
    outlet: 'Policy explainer',
    item: {
      title: "Why Anthropic's court challenge to the Executive Order 14409 directive matters",
      description:
        'Anthropic is asking a federal court to block the June 12 export-control directive. The case tests how far an agency can go under Executive Order 14409.',
      link: 'https://example.org/explainer/anthropic-court-challenge',
      guid: 'explainer-anthropic-court',
    },
    hoursAgo: 5,
  },
  // 3. OpenAI's launch waits for the CAISI evaluation (three outlets).
  {
    story: 'openai-delay',
    outlet: 'News digest',
    item: {
      title: 'OpenAI postpones model launch while CAISI evaluators finish pre-release testing',
      description:
        'OpenAI has postponed the launch of its next model until the Center for AI Standards and Innovation finishes its pre-release testing, people familiar with the evaluation said.',
      link: 'https://example.org/digest/openai-postpones-launch',
      guid: 'digest-openai-delay',
    },
    hoursAgo: 4.5,
  },
  {
    story: 'openai-delay',
    outlet: 'Pondero Newsdesk',
    item: {
      title: 'OpenAI model launch postponed pending CAISI pre-release testing',
      description:
        'The launch of the new OpenAI model is postponed until CAISI evaluators complete their pre-release testing of it, according to two people briefed on the plan.',
      link: 'https://example.org/pondero/openai-launch-postponed',
      guid: 'pondero-openai-delay',
    },
    hoursAgo: 4,
  },
  {
    story: 'openai-delay',
    outlet: 'Capitol Wire',
    item: {
      title: 'CAISI pre-release testing pushes back OpenAI model launch',
      description:
        'Government evaluators at CAISI have not finished pre-release testing of the new OpenAI model, and its launch is postponed until they do.',
      link: 'https://example.org/wire/openai-launch-pushed-back',
      guid: 'wire-openai-delay',
    },
    hoursAgo: 3.5,
  },
  // 4. Senators and xAI's safety records (two outlets).
  {
    story: 'xai-senators',
    outlet: 'Capitol Wire',
    item: {
      title: 'Senators demand xAI hand over Grok safety testing records to Congress',
      description:
        'A bipartisan group of senators wrote to xAI demanding the safety testing records for its Grok models, citing gaps in what the company disclosed to Congress.',
      link: 'https://example.org/wire/senators-xai-grok-records',
      guid: 'wire-xai-senators',
    },
    hoursAgo: 3,
  },
  {
    story: 'xai-senators',
    outlet: 'The New York Times',
    item: {
      title: 'Senators press xAI for Grok safety testing records',
      description:
        'Senators from both parties demanded that xAI give Congress the safety testing records of its Grok chatbot models, in a letter sent on Tuesday.',
      link: 'https://example.org/times/senators-press-xai',
      guid: 'times-xai-senators',
    },
    hoursAgo: 2.5,
  },
  // 5. Commerce licensing rules for Google DeepMind's model weights (three outlets).
  {
    story: 'deepmind-weights',
    outlet: 'Policy explainer',
    item: {
      title: 'Commerce Department sets export licence rules for Google DeepMind Gemini model weights',
      description:
        'A Commerce Department rule requires an export licence before Google DeepMind ships Gemini model weights abroad, the first such rule aimed at a single lab.',
      link: 'https://example.org/explainer/deepmind-weights-licence',
      guid: 'explainer-deepmind-weights',
    },
    hoursAgo: 2,
  },
  {
    story: 'deepmind-weights',
    outlet: 'Pondero Newsdesk',
    item: {
      title: 'Google DeepMind needs Commerce export licence to ship Gemini weights abroad',
      description:
        'Under a new Commerce Department rule, Google DeepMind must obtain an export licence before sending Gemini model weights outside the country.',
      link: 'https://example.org/pondero/deepmind-export-licence',
      guid: 'pondero-deepmind-weights',
    },
    hoursAgo: 1.5,
  },
  {
    story: 'deepmind-weights',
    outlet: 'News digest',
    item: {
      title: 'Export licence now required for Google DeepMind Gemini weights, Commerce Department says',
      description:
        'The Commerce Department said Google DeepMind will need an export licence for Gemini model weights leaving the United States.',
      link: 'https://example.org/digest/deepmind-gemini-weights',
      guid: 'digest-deepmind-weights',
    },
    hoursAgo: 1,
  },
];

export const STORIES = [...new Set(CORPUS.map((c) => c.story))];
