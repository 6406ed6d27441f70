/** Build small RSS documents for tests (the items are the tests' own words). */
import type { FeedServer } from '../feed-server.js';

export interface TestItem {
  title: string;
  description: string;
  link?: string;
  guid?: string;
  pubDate?: string;
}

/** Escape text for an XML element. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function rss(title: string, items: TestItem[], extra = ''): string {
  const body = items
    .map(
      (i) => `<item>
  <title>${esc(i.title)}</title>
  ${i.link ? `<link>${esc(i.link)}</link>` : ''}
  ${i.guid ? `<guid isPermaLink="false">${esc(i.guid)}</guid>` : ''}
  ${i.pubDate ? `<pubDate>${new Date(i.pubDate).toUTCString()}</pubDate>` : ''}
  <description>${esc(i.description)}</description>
</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${esc(title)}</title><link>https://example.org/${encodeURIComponent(title)}</link>${extra}
${body}
</channel></rss>`;
}

/**
 * The five seed articles as five feed items (their headlines; summaries in our own words), and a
 * different Meta story from the same week.
 */
export const SEED_ITEMS: { outlet: string; item: TestItem }[] = [
  {
    outlet: 'The New York Times',
    item: {
      title: 'US presses Meta to agree with AI reviews',
      description:
        'The administration has emailed Meta asking it to submit its A.I. models to voluntary government review. Meta is the only major U.S. developer without an agreement with the Center for AI Standards and Innovation; a spokesman said it hopes to sign soon.',
      link: 'https://example.org/times/meta-ai-reviews',
      guid: 'times-1',
      pubDate: '2026-06-23T14:00:00Z',
    },
  },
  {
    outlet: 'News digest',
    item: {
      title: 'US Government Urges Meta to Conduct Security Reviews on AI Models',
      description:
        'Washington wants Meta to put its frontier AI models through voluntary federal security reviews before release. Every other major U.S. developer has already agreed; Meta says it is working toward an agreement.',
      link: 'https://example.org/digest/meta-security-reviews',
      pubDate: '2026-06-24T08:00:00Z',
    },
  },
  {
    outlet: 'Policy explainer',
    item: {
      title: "U.S. Presses Meta to Join the Government's AI Safety Review",
      description:
        'Meta is the last of the six major U.S. AI developers outside the CAISI voluntary pre-release review. OpenAI and Anthropic signed in 2024; Google DeepMind, Microsoft and xAI in May 2026.',
      link: 'https://example.org/explainer/meta-caisi',
      guid: 'explainer-1',
      pubDate: '2026-06-24T11:00:00Z',
    },
  },
  {
    outlet: 'Pondero Newsdesk',
    item: {
      title:
        'Trump administration presses Meta to join AI model security review as every other major US lab has already signed on',
      description:
        'Emails from officials asked Meta to take part in a 30-day federal pre-release evaluation under the June 2 executive order. Meta has not signed yet.',
      link: 'https://example.org/pondero/meta-review',
      pubDate: '2026-06-24T09:00:00Z',
    },
  },
  {
    outlet: 'Feature analysis',
    item: {
      title: 'The Last Holdout: Washington Presses Meta to Open Its AI to Federal Security Review',
      description:
        'Every other major US lab lets government evaluators test its strongest models before release. Meta, which just shipped its closed Muse Spark model, has not agreed.',
      link: 'https://example.org/feature/last-holdout',
      guid: 'feature-1',
      pubDate: '2026-06-24T16:00:00Z',
    },
  },
];

export const OTHER_META_STORY: TestItem = {
  title: 'FTC opens inquiry into Meta chatbot ads aimed at teenagers',
  description:
    'The Federal Trade Commission sent Meta a demand for records about how its AI assistant shows advertising to users under 18, according to a letter seen by reporters.',
  link: 'https://example.org/wire/ftc-meta-ads',
  guid: 'wire-ftc-1',
  pubDate: '2026-06-25T10:00:00Z',
};

/** Serve each seed article as its outlet's own feed, at /seed/0 to /seed/4, in SEED_ITEMS order. */
export function routeSeedFeeds(server: Pick<FeedServer, 'route'>): void {
  SEED_ITEMS.forEach(({ outlet, item }, i) => {
    server.route(`/seed/${i}`, {
      headers: { 'content-type': 'application/rss+xml' },
      body: rss(outlet, [item]),
    });
  });
}
