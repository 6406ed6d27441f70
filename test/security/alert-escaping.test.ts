/**
 * Untrusted feed text reaches the rendered alert inert: whatever a feed puts in a title, summary, outlet
 * name, link or roster-change evidence, no text of any block (nor the notification text) carries a
 * live mention (`<!channel>`, `<!here>`, `<!subteam^…>`, `<@U…>`, `<#C…>`) or a link the feed wrote
 * (`<https://evil|click>`); every mrkdwn object is verbatim; the message never sets link_names/parse.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RenderedMessage, renderAlertBlocks } from '../../src/render/alert.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Proposal, StoryRow } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { configFor, NOW, poll, RSS_HEADERS, roster } from '../faults/support.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';

const TRICKS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0123ABC|legal-team>',
  '<!subteam^S1|x>',
  '<@U123>',
  '<@U0ADMIN|admin>',
  '<#C0123|general>',
  '<https://evil.example/login|click here>',
  '<https://evil.example>',
  '<mailto:a@evil.example|mail>',
  '<!date^1392734382^{date}|x>',
  '*bold* _it_ ~strike~ `code` ```block```',
  '> quoted',
  '&lt;!channel&gt;',
  '&amp;lt;@U1&amp;gt;',
  '<',
  '>',
  '|',
  '@channel @here',
];

interface Found {
  path: string;
  text: string;
  mrkdwn: boolean;
}

/** Every string a user could see: `text` of every object at any depth, and the top-level text. */
function texts(message: RenderedMessage): Found[] {
  const out: Found[] = [{ path: 'text', text: message.text, mrkdwn: true }];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, `${path}[${i}]`);
    } else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn') expect(o.verbatim, `${path} must be verbatim`).toBe(true);
      for (const [k, v] of Object.entries(o)) {
        if (k === 'text' && typeof v === 'string')
          out.push({ path, text: v, mrkdwn: o.type !== 'plain_text' });
        else walk(v, `${path}.${k}`);
      }
    }
  };
  walk(message.blocks, 'blocks');
  return out;
}

/** Our own links look like <http(s)://…|label> with a percent-encoded URL and an escaped label. */
const OWN_LINK = /<(https?:\/\/[^\s|<>]+)(?:\|([^<>]*))?>/g;

function expectInert(message: RenderedMessage, allowedLinks: Set<string>): void {
  const m = message as unknown as Record<string, unknown>;
  for (const key of ['link_names', 'parse', 'mrkdwn_in']) expect(m).not.toHaveProperty(key);
  for (const { path, text, mrkdwn } of texts(message)) {
    expect(text, path).not.toMatch(/<[!@#]/);
    if (!mrkdwn) continue;
    const links = [...text.matchAll(OWN_LINK)];
    for (const [, url] of links) {
      expect(allowedLinks.has((url as string).replace(/&amp;/g, '&')), `${path}: link ${url}`).toBe(true);
    }
    const rest = text.replace(OWN_LINK, '');
    expect(rest, path).not.toMatch(/[<>]/);
    // Every & is an entity we wrote: &amp; &lt; &gt;.
    expect(rest.replace(/&(amp|lt|gt);/g, ''), path).not.toMatch(/&/);
  }
}

function story(
  over: Partial<StoryRow> & { outlets?: { outlet: string; link: string | null; title: string }[] },
): StoryRow {
  const outlets = over.outlets ?? [
    { outlet: 'Wire', link: 'https://news.example/a', title: over.title ?? 't' },
  ];
  return {
    id: 1,
    title: 'Meta asked to join CAISI review',
    labs: ['meta'],
    programs: ['caisi'],
    summary: 'A summary.',
    firstSeenAt: NOW,
    lastSeenAt: NOW,
    published: NOW,
    ...over,
    sources: outlets.map((o, i) => ({
      feedId: i + 1,
      itemId: `i${i}`,
      outlet: o.outlet,
      title: o.title,
      link: o.link,
      published: NOW,
      addedAt: NOW,
    })),
  };
}

const proposal = (
  evidence: string,
  state: Proposal['state'] = 'open',
  decidedBy: string | null = null,
): Proposal => ({
  id: 7,
  storyId: 1,
  lab: 'meta',
  program: 'caisi',
  status: 'signed',
  evidence,
  sourceTitle: evidence,
  sourceUrl: 'https://news.example/a',
  state,
  decidedBy,
  decidedAt: state === 'open' ? null : NOW,
  createdAt: NOW,
});

describe('the checker itself', () => {
  it('catches a live mention, a feed-written link, a non-verbatim mrkdwn object and link_names', async () => {
    const bad: RenderedMessage[] = [
      { text: 'hi <!channel>', blocks: [] },
      {
        text: 'ok',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '<@U1> hi', verbatim: true } }],
      },
      {
        text: 'ok',
        blocks: [
          {
            type: 'context',
            elements: [{ type: 'mrkdwn', text: '<https://evil.example|x>', verbatim: true }],
          },
        ],
      },
      { text: 'ok', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'plain' } }] },
      { text: 'ok', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a > b', verbatim: true } }] },
      { text: 'ok', blocks: [], link_names: true } as RenderedMessage,
    ];
    for (const m of bad) expect(() => expectInert(m, new Set(['https://news.example/a']))).toThrow();
  });
});

describe('alert rendering: feed text is inert', () => {
  it.each(TRICKS)('%s in the title, summary, outlet and evidence', (trick) => {
    const s = story({
      title: `${trick} Meta signs CAISI agreement ${trick}`,
      summary: `${trick} officials said ${trick}`,
      outlets: [
        { outlet: `${trick} Wire`, link: 'https://news.example/a', title: trick },
        { outlet: `${trick} Desk`, link: 'https://desk.example/b?x=1&y=2', title: trick },
        { outlet: `Third ${trick}`, link: null, title: trick },
      ],
    });
    const message = renderAlertBlocks(roster, s, [
      proposal(`${trick} Meta signs ${trick}`),
      proposal(trick, 'confirmed', `<!channel>${trick}`),
    ]);
    expectInert(message, new Set(['https://news.example/a', 'https://desk.example/b?x=1&y=2']));
  });

  it('a link the feed wrote is never a link target unless it is a plain http(s) URL', async () => {
    for (const link of [
      'javascript:alert(1)',
      'https://evil.example/a|<!channel>',
      'https://evil.example/<@U1>',
      'https://user:pw@evil.example/',
      'data:text/html,<script>',
      'https://evil.example/a b>c',
    ]) {
      const message = renderAlertBlocks(roster, story({ outlets: [{ outlet: 'Wire', link, title: 'x' }] }));
      const seen = texts(message)
        .flatMap(({ text }) => [...text.matchAll(OWN_LINK)].map((m) => m[1] as string))
        .filter(Boolean);
      for (const url of seen) {
        expect(new URL(url.replace(/&amp;/g, '&')).protocol).toMatch(/^https?:$/);
        expect(url).not.toMatch(/[|<>\s]/);
        expect(url).not.toMatch(/@evil/);
      }
      expectInert(message, new Set(seen.map((u) => u.replace(/&amp;/g, '&'))));
    }
  });

  it('property: any text anywhere in the story renders inert', async () => {
    const nasty = fc.oneof(
      fc.constantFrom(...TRICKS),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc
        .array(
          fc.constantFrom(
            '<',
            '>',
            '!',
            '@',
            '#',
            '|',
            '&',
            'amp;',
            'lt;',
            'channel',
            'U1',
            '^',
            '*',
            ' ',
            'https://',
            'x.example',
          ),
          { maxLength: 30 },
        )
        .map((a) => a.join('')),
    );
    const text = fc.array(nasty, { maxLength: 6 }).map((a) => a.join(' '));
    fc.assert(
      fc.property(
        text,
        text,
        text,
        text,
        fc.option(fc.webUrl({ withQueryParameters: true, withFragments: true })),
        (title, summary, outlet, evidence, link) => {
          const s = story({
            title: title || 'x',
            summary,
            outlets: [
              { outlet: outlet || 'o', link: link ?? null, title },
              { outlet: `${outlet}2`, link: 'https://news.example/b', title },
            ],
          });
          const message = renderAlertBlocks(roster, s, [
            proposal(evidence || 'e'),
            proposal(evidence || 'e', 'dismissed', evidence),
          ]);
          // Link targets are the sources' links (normalised and encoded): plain http(s), nothing else.
          const targets = texts(message).flatMap(({ text: t }) =>
            [...t.matchAll(OWN_LINK)].map((m) => (m[1] as string).replace(/&amp;/g, '&')),
          );
          for (const target of targets) {
            const u = new URL(target);
            expect(u.protocol).toMatch(/^https?:$/);
            expect(u.username + u.password).toBe('');
          }
          expectInert(message, new Set(targets));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('end to end: hostile feed text through fetch → parse → poll → render', () => {
  let server: FeedServer;
  beforeAll(async () => {
    server = await startFeedServer();
  });
  afterAll(() => server.close());

  it('mentions, links and formatting in a feed reach the alert as text, pinging nobody', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>&lt;!here&gt; Daily &lt;@U0ADMIN&gt;</title><link>https://hostile.example/</link>
<item>
  <title><![CDATA[&lt;!channel&gt; *URGENT* Meta signs CAISI agreement &lt;@U123&gt; &lt;https://evil.example|click&gt;]]></title>
  <link>https://hostile.example/story?a=1&amp;b=2</link>
  <guid>hostile-1</guid>
  <pubDate>Wed, 24 Jun 2026 10:00:00 GMT</pubDate>
  <description>&lt;p&gt;Meta signs the CAISI voluntary pre-release review agreement, &amp;lt;!subteam^S1|legal&amp;gt; &amp;lt;!everyone&amp;gt; say officials.&lt;/p&gt;</description>
</item>
</channel></rss>`;
    server.route('/hostile.xml', { headers: RSS_HEADERS, body: xml });
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const url = server.urlFor('/hostile.xml');
    await store.syncConfigFeeds([url], NOW);
    const report = await poll(store, configFor([url]), clock);
    expect(report.alerts).toBe(1);
    const s = (await store.latestStories(1))[0] as StoryRow;
    // The hostile text really did arrive in the story…
    expect(s.title).toContain('<!channel>');
    expect(s.title).toContain('<@U123>');
    expect(s.sources[0]?.outlet).toContain('<@U0ADMIN>');
    expect(`${s.summary}`).toMatch(/<!subteam\^S1\|legal>|<!everyone>/);
    const proposals = await store.proposalsForStory(s.id);
    // …and left it inert.
    const message = renderAlertBlocks(roster, s, proposals);
    expectInert(message, new Set(['https://hostile.example/story?a=1&b=2']));
    const all = texts(message)
      .map((t) => t.text)
      .join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;@U123&gt;');
    await store.close();
  });
});
