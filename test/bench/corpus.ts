/**
 * Deterministic, realistic-ish news for the benchmarks: feeds of 50 items from 500 outlets, where
 * about one item in ten is about a tracked lab and the government (so the whole pipeline runs:
 * match, decide, cluster, summarise, outbox), a few mention a lab without a government angle, and
 * the rest is ordinary news. Also a synthetic roster of 1,000 labs with 5 aliases each.
 *
 * Everything is generated from a seed, so the feed server (a child process) and the benchmarks
 * produce the same corpus without sharing anything but the seed.
 */
import type { z } from 'zod';
import type { Roster, rosterSchema } from '../../src/roster/schema.js';

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;

export interface BenchItem {
  title: string;
  /** HTML, as feeds carry it. */
  html: string;
  /** The same summary as plain text (for the matching benchmark). */
  text: string;
  link: string | null;
  guid: string | null;
  published: number;
  /** What the generator meant: 'gov' (should alert), 'lab' (lab, no government angle), 'news'. */
  kind: 'gov' | 'lab' | 'news';
}

export const BENCH_NOW = Date.parse('2026-06-25T12:00:00Z');

// ---- vocabulary (our own words) ----

const LABS = ['OpenAI', 'Anthropic', 'Google DeepMind', 'Microsoft', 'xAI', 'Meta'];
const AGENCIES = [
  'the Commerce Department',
  'the White House',
  'federal regulators',
  'the Justice Department',
  'a Senate committee',
  'the Pentagon',
  'state attorneys general',
];
const HEADLINE_VERBS = [
  'presses',
  'questions',
  'probes',
  'grills',
  'warns',
  'summons',
  'rebukes',
  'queries',
  'challenges',
  'scrutinises',
  'confronts',
  'tests',
];
const GOV_SUBJECTS = [
  'pre-release model testing',
  'export controls on advanced chips',
  'a safety review of its newest model',
  'data-centre power contracts',
  'the handling of user data',
  'a national security evaluation',
  'an antitrust inquiry',
  'its cloud deal with a defence agency',
  'a classified benchmarking plan',
  'hiring of former officials',
  'undisclosed lobbying',
  'a stalled licensing bid',
  'overseas data centres',
  'a procurement contract',
  'election-season safeguards',
  'a whistleblower complaint',
];
const CODENAMES = [
  'Halcyon',
  'Juniper',
  'Basalt',
  'Meridian',
  'Quarry',
  'Lantern',
  'Tessera',
  'Orchard',
  'Vantage',
  'Sparrow',
  'Cobalt',
  'Harbor',
  'Summit',
  'Aurora',
  'Granite',
  'Willow',
  'Falcon',
  'Ember',
  'Prism',
  'Atlas',
];
const PLACES = [
  'Springfield',
  'Riverton',
  'Lakewood',
  'Fairview',
  'Greenville',
  'Milford',
  'Ashland',
  'Clayton',
  'Dover',
  'Franklin',
  'Georgetown',
  'Hudson',
  'Kingston',
  'Marion',
  'Newport',
  'Oxford',
  'Salem',
  'Winchester',
];
const NEWS_TEMPLATES: ((r: () => number) => [string, string])[] = [
  (r) => {
    const p = pick(r, PLACES);
    return [
      `${p} council approves new bike lanes on ${pick(r, ['Main Street', 'Elm Avenue', 'the river road', 'Market Square'])}`,
      `The ${p} city council voted ${Math.floor(r() * 5) + 5} to ${Math.floor(r() * 4)} on Tuesday to add protected lanes. Work starts in the autumn and should take about ${Math.floor(r() * 8) + 3} months.`,
    ];
  },
  (r) => [
    `Stocks ${pick(r, ['edge higher', 'slip', 'end mixed', 'rally'])} as investors weigh ${pick(r, ['inflation data', 'earnings', 'oil prices', 'jobs figures'])}`,
    `Major indexes moved ${pick(r, ['modestly', 'sharply', 'little'])} in afternoon trading. Analysts said the market was waiting for ${pick(r, ['the central bank', 'retail sales', 'quarterly results'])} later in the week.`,
  ],
  (r) => {
    const p = pick(r, PLACES);
    return [
      `${pick(r, ['Heat wave', 'Storms', 'Heavy rain', 'Fog'])} expected across ${p} region through the weekend`,
      `Forecasters warned residents of ${p} to expect ${pick(r, ['temperatures above 35C', 'flooding on low roads', 'travel delays', 'power cuts'])}. Schools said they would stay open.`,
    ];
  },
  (r) => {
    const a = pick(r, PLACES);
    const b = pick(r, PLACES);
    return [
      `${a} United beat ${b} Rovers ${Math.floor(r() * 4) + 1}-${Math.floor(r() * 3)} in late drama`,
      `A stoppage-time goal settled the match in front of ${Math.floor(r() * 40_000) + 5000} fans. The win lifts ${a} to ${pick(r, ['third', 'fifth', 'top'])} place in the table.`,
    ];
  },
  (r) => [
    `Review: ${pick(r, ['a quiet family drama', 'an overlong space opera', 'a sharp courtroom thriller', 'a gentle comedy'])} that ${pick(r, ['rewards patience', 'never quite lands', 'wins you over', 'tries too hard'])}`,
    `The film runs ${Math.floor(r() * 60) + 90} minutes. Its lead performance is the reason to go; the script is ${pick(r, ['uneven', 'tight', 'thin', 'clever'])}.`,
  ],
  (r) => [
    `${pick(r, ['Startup', 'Retailer', 'Carmaker', 'Airline'])} ${pick(r, ['raises', 'cuts', 'posts', 'forecasts'])} ${pick(r, ['$40 million', 'prices', 'record revenue', 'slower growth'])}`,
    `The company said demand in ${pick(r, PLACES)} had been ${pick(r, ['strong', 'weak', 'steady'])} and that it would ${pick(r, ['hire', 'expand', 'pause hiring', 'open two stores'])} next year.`,
  ],
  (r) => [
    `How to ${pick(r, ['grow tomatoes on a balcony', 'fix a dripping tap', 'plan a cheap holiday', 'back up your photos'])}`,
    `Our guide walks through the basics in ${Math.floor(r() * 6) + 4} steps. Most people can do it in an afternoon with tools they already own.`,
  ],
  (r) => [
    `Scientists ${pick(r, ['map', 'find', 'track', 'sequence'])} ${pick(r, ['a rare deep-sea fish', 'ancient river channels', 'a new comet', 'coral recovery'])}`,
    `The study, published this week, used ${pick(r, ['satellite images', 'sonar surveys', 'telescope data', 'field samples'])}. The team plans a follow-up expedition next spring.`,
  ],
];
const LAB_NEWS: ((r: () => number, lab: string) => [string, string])[] = [
  (r, lab) => [
    `${lab} unveils ${pick(r, ['a faster coding assistant', 'new developer tools', 'a redesigned app', 'an upgraded model'])}`,
    `${lab} said the release would reach users over the coming weeks. Early testers praised its ${pick(r, ['speed', 'interface', 'accuracy'])}.`,
  ],
  (r, lab) => [
    `${lab} hires ${pick(r, ['a new head of design', 'former rival engineers', 'a chief scientist'])}`,
    `The appointment was announced in a blog post. ${lab} has grown quickly over the past year.`,
  ],
];

const FIRST = [
  'Dana',
  'Luis',
  'Priya',
  'Tomas',
  'Aisha',
  'Hiro',
  'Greta',
  'Omar',
  'Lena',
  'Victor',
  'Nadia',
  'Felix',
];
const LAST = [
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Castillo',
  'Brennan',
  'Haddad',
  'Novak',
  'Ferreira',
  'Kowalski',
  'Tanaka',
];
const ROLES = [
  'senior official',
  'agency spokeswoman',
  'committee aide',
  'company lawyer',
  'policy director',
  'former adviser',
];
const DOCS = ['letter', 'memo', 'subpoena', 'questionnaire', 'briefing request', 'draft agreement', 'notice'];
const DETAILS = [
  'training data provenance',
  'red-team results',
  'biosecurity evaluations',
  'chip inventory',
  'foreign investors',
  'incident reports',
  'compute budgets',
  'contractor access',
  'cyber-offence testing',
  'release timelines',
  'energy use',
  'model weights security',
];
/** Words that set one story apart from another (a real story's own vocabulary). */
const COLOUR = `harbour glacier copper falcon orchard ledger beacon quartz meadow canyon lantern saddle
  marble thicket compass willow anchor bramble cobalt drumlin ember fjord gazebo hollow inlet jasper kestrel
  lagoon mosaic nutmeg obelisk pewter quiver rampart sable tundra umber vellum wharf yarrow zephyr alder
  basin cinder delta estuary fennel granite heron isthmus juniper kiln lichen mantle nectar opal pylon quarry
  reef summit talon upland vortex wicker yeoman zenith acorn bastion cairn dune egret ferry gable hazel
  ironwood jetty karst larch moraine nettle oriole pebble quill rookery spindle trellis urchin valley walrus
  bluff cedar dingo elm flint grove hamlet ivy jackal kelp lynx moss nook oxbow plover rill shoal thistle`
  .split(/\s+/)
  .filter(Boolean);
const MONTHS = ['August', 'September', 'October', 'November', 'December', 'January'];
// Sentence shapes whose words are mostly the story's own (a real summary shares little wording
// with another story's, apart from names and small words).
const LEADS: ((x: Record<string, string>) => string)[] = [
  (x) => `${x.Agency} has questions for ${x.lab} about ${x.subject} and the ${x.codename} ${x.w1}.`,
  (x) => `${x.lab} got a ${x.doc} from ${x.agency} over ${x.w1} ${x.w2} and ${x.codename}.`,
  (x) => `${x.Agency} is looking at ${x.codename}, with ${x.subject} and ${x.w1} in mind.`,
  (x) => `A ${x.w1} row over ${x.subject} has put ${x.codename} on hold at ${x.agency}.`,
  (x) => `${x.Agency} wants ${x.lab} to disclose ${x.detail} for ${x.codename} ${x.w2}.`,
];
const MIDDLES: ((x: Record<string, string>) => string)[] = [
  (x) => `${x.person}, a ${x.role}, said the ${x.doc} was about ${x.detail} and ${x.w3}.`,
  (x) => `The ${x.doc} gives ${x.lab} ${x.days} days on ${x.detail} and ${x.w2} ${x.w3}.`,
  (x) => `${x.person} called it ${x.mood}; ${x.detail} and the ${x.w3} are the sticking point.`,
  (x) => `The ${x.doc} mentions ${x.detail} and ${x.w3} ${x.n} times.`,
];
const ENDS: ((x: Record<string, string>) => string)[] = [
  (x) => `${x.codename} had been due in ${x.month}.`,
  (x) => `${x.lab} said it was cooperating on ${x.w2}.`,
  (x) => `Partners in ${x.w3} fell ${x.n} percent.`,
  (x) => `A hearing on ${x.w1} is set for ${x.month}.`,
  () =>
    'The Center for AI Standards and Innovation, which runs voluntary pre-release reviews, was not involved.',
];

/** A story about a tracked lab and the government; `variant` picks the outlet's wording. */
export function govStory(
  event: number,
  variant: number,
): { title: string; text: string; lab: string; codename: string } {
  const r = prng(9_000 + event);
  const lab = pick(r, LABS);
  const agency = pick(r, AGENCIES);
  const x: Record<string, string> = {
    lab,
    agency,
    Agency: agency.charAt(0).toUpperCase() + agency.slice(1),
    subject: pick(r, GOV_SUBJECTS),
    codename: `${pick(r, CODENAMES)} ${Math.floor(r() * 90) + 10}`,
    person: `${pick(r, FIRST)} ${pick(r, LAST)}`,
    role: pick(r, ROLES),
    doc: pick(r, DOCS),
    detail: pick(r, DETAILS),
    month: pick(r, MONTHS),
    mood: pick(r, ['tense', 'constructive', 'slow', 'frank', 'difficult']),
    days: String(Math.floor(r() * 20) + 10),
    n: String(Math.floor(r() * 9) + 2),
    w1: pick(r, COLOUR),
    w2: pick(r, COLOUR),
    w3: pick(r, COLOUR),
  };
  // Each outlet words the headline its own way: a verb and a shape of its choosing, the event's facts.
  const v = prng(event * 7_919 + variant);
  const verb = pick(v, HEADLINE_VERBS);
  const shapes = [
    () => `${x.Agency} ${verb} ${lab} over ${x.w2} ${x.subject}`,
    () => `${lab}'s ${x.codename} under fire from ${agency}`,
    () => `${x.codename}: ${agency} ${verb} ${lab} on ${x.detail}`,
    () => `${lab} and ${agency} at odds over ${x.codename} ${x.detail}`,
    () => `${x.Agency} targets ${x.codename} ${x.w1} ${x.subject}`,
    () => `${x.person} on why ${agency} ${verb} ${lab} over ${x.w1} ${x.w2}`,
  ];
  const title = pick(v, shapes)();
  const lead = pick(r, LEADS)(x);
  const middle = pick(r, MIDDLES)(x);
  const end = pick(r, ENDS)(x);
  // Outlets tell the same facts in a different order.
  const text = variant % 2 ? `${lead} ${middle} ${end}` : `${lead} ${end} ${middle}`;
  return { title, text, lab, codename: x.codename as string };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Plain sentences → the HTML a feed typically carries. */
function toHtml(text: string, link: string | null, r: () => number): string {
  const sentences = text.split(/(?<=\.)\s+/);
  const first = sentences.shift() ?? '';
  const more = link ? ` <a href="${link}?utm_source=rss">Read more</a>` : '';
  const img = r() < 0.3 ? '<img src="https://cdn.example.com/i/1.jpg" alt="" /> ' : '';
  return `<p>${img}${first.replace(/ and /, ' &amp; ')}</p><p>${sentences.join(' ')}${more}</p>`;
}

export const FEED_COUNT = 500;
export const ITEMS_PER_FEED = 50;
/** Distinct government stories in the corpus; each is covered by several outlets. */
const GOV_EVENTS = 250;

export function outletName(feed: number): string {
  return `Outlet ${String(feed).padStart(3, '0')} News`;
}

/**
 * Item `n` (0 = oldest) of feed `feed`. About 10% alert (a lab and the government), 4% name a lab
 * without a government angle, the rest is ordinary news.
 */
export function feedItem(feed: number, n: number): BenchItem {
  const r = prng(feed * 100_003 + n * 7919 + 1);
  const host = `news${feed}.example.com`;
  const roll = r();
  let title: string;
  let text: string;
  let kind: BenchItem['kind'];
  if (roll < 0.1) {
    const event = Math.floor(r() * GOV_EVENTS);
    ({ title, text } = govStory(event, feed));
    kind = 'gov';
  } else if (roll < 0.14) {
    [title, text] = pick(r, LAB_NEWS)(r, pick(r, LABS));
    kind = 'lab';
  } else {
    [title, text] = pick(r, NEWS_TEMPLATES)(r);
    kind = 'news';
  }
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  const link = r() < 0.95 ? `https://${host}/2026/06/${slug}-${n}` : null;
  const guidRoll = r();
  const guid = guidRoll < 0.8 ? `${host}:item:${n}` : guidRoll < 0.9 && link ? link : null;
  // Newest items last; spread over the last ~60 hours, about 70 minutes apart.
  const published = BENCH_NOW - (ITEMS_PER_FEED - n) * 70 * 60_000 - Math.floor(r() * 30 * 60_000);
  return { title, html: toHtml(text, link, r), text, link, guid, published, kind };
}

/** A fresh item that appears in a feed during the benchmark (a new story about a lab and a program). */
export function freshItem(feed: number, seq: number, published: number): BenchItem {
  const lab = LABS[(feed + seq) % LABS.length] as string;
  const codename = `Breakwater ${feed}-${seq}`;
  const title = `${lab} agrees to CAISI pre-release review of ${codename}`;
  const text = `${lab} will give the Center for AI Standards and Innovation early access to ${codename}, the company said. The agreement was announced on ${new Date(published).toUTCString()}.`;
  const host = `news${feed}.example.com`;
  const link = `https://${host}/2026/06/fresh-${seq}`;
  return {
    title,
    html: toHtml(text, link, prng(seq)),
    text,
    link,
    guid: `${host}:fresh:${seq}`,
    published,
    kind: 'gov',
  };
}

/** RSS 2.0 for a feed's items (newest first, as feeds list them). */
export function renderRss(feed: number, items: BenchItem[]): string {
  const host = `news${feed}.example.com`;
  const body = [...items]
    .reverse()
    .map((i) => {
      const guid = i.guid
        ? `<guid isPermaLink="${i.guid === i.link ? 'true' : 'false'}">${escapeXml(i.guid)}</guid>`
        : '';
      const link = i.link ? `<link>${escapeXml(i.link)}</link>` : '';
      return `<item><title>${escapeXml(i.title)}</title>${link}${guid}<pubDate>${new Date(i.published).toUTCString()}</pubDate><category>News</category><description>${escapeXml(i.html)}</description></item>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${escapeXml(outletName(feed))}</title><link>https://${host}/</link><description>Latest news from ${escapeXml(outletName(feed))}</description><language>en-us</language>
${body}
</channel></rss>`;
}

/** A flat list of items for the matching benchmark (title + plain-text summary). */
export function matchCorpus(count: number): { title: string; summary: string }[] {
  const out: { title: string; summary: string }[] = [];
  for (let i = 0; i < count; i++) {
    const it = feedItem(i % FEED_COUNT, Math.floor(i / FEED_COUNT) % ITEMS_PER_FEED);
    out.push({ title: it.title, summary: it.text });
  }
  return out;
}

// ---- a synthetic roster: 1,000 labs × 5 aliases ----

const SYLLABLES = [
  'zen',
  'tri',
  'vor',
  'kal',
  'mex',
  'dor',
  'qua',
  'lun',
  'pyr',
  'sol',
  'bra',
  'nix',
  'tav',
  'ore',
  'gal',
];

function syntheticName(i: number): string {
  // Base-15 digits of i + 15³ make 4 syllables: unique, pronounceable, never an English word.
  let n = i + 15 ** 3;
  let s = '';
  while (n > 0) {
    s = (SYLLABLES[n % 15] as string) + s;
    n = Math.floor(n / 15);
  }
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The seed roster's programs and sources with 1,000 synthetic labs of 5 aliases each. */
export function syntheticRoster(seed: Roster, labs = 1000): z.input<typeof rosterSchema> {
  return {
    sources: seed.sources,
    programs: seed.programs,
    memberships: [],
    events: [],
    labs: Array.from({ length: labs }, (_, i) => {
      const name = syntheticName(i);
      return {
        id: `lab-${i}`,
        name: `${name} Labs`,
        country: 'US',
        people: [],
        nicknames: [],
        aliases: [
          name,
          `${name} AI`,
          { text: `${name}GPT`, case: 'sensitive', weak: false },
          { text: `${name} ${syntheticName(i + 2000)}`, case: 'insensitive', weak: true },
          `${syntheticName(i + 4000)} Research`,
        ],
      };
    }),
  };
}

/** Items for the 1,000-lab roster: the usual corpus, with one in ten naming a synthetic lab. */
export function syntheticCorpus(count: number, labs = 1000): { title: string; summary: string }[] {
  const base = matchCorpus(count);
  const r = prng(4242);
  return base.map((it, i) => {
    if (i % 10 !== 0) return it;
    const name = syntheticName(Math.floor(r() * labs));
    return {
      title: `${name} AI faces federal scrutiny over model testing`,
      summary: `${it.summary} Regulators also asked ${name} about its next release.`,
    };
  });
}
