/**
 * `/caisi feeds check` through signed requests to the in-process app: admins only, acked at once,
 * the report sent through response_url once every feed in the store has been fetched.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { type InProcessApp, SIGNING_SECRET, startInProcessApp } from '../helpers/app-process.js';
import { rss } from '../helpers/rss.js';
import { sendSlashCommand } from '../signed-request.js';

let app: InProcessApp;
let feeds: FeedServer;

beforeAll(async () => {
  feeds = await startFeedServer();
  // Slower than Slack's 3 s would allow if the ack waited for it; honours its ETag.
  const body = rss('Slow Wire', [
    {
      title: 'CAISI starts its first review under the new order',
      description: 'Evaluators began testing a covered model this week.',
      link: 'https://example.org/slow/1',
      guid: 'slow-1',
      pubDate: '2026-06-24T08:00:00Z',
    },
  ]);
  feeds.route('/slow.xml', (req: IncomingMessage, res: ServerResponse) => {
    setTimeout(() => {
      if (req.headers['if-none-match'] === '"s1"') {
        res.writeHead(304, { etag: '"s1"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"s1"' });
      res.end(body);
    }, 1500);
  });
  feeds.route('/page.html', {
    headers: { 'content-type': 'text/html' },
    body: '<html><body>News</body></html>',
  });
});
afterAll(() => feeds.close());

beforeEach(async () => {
  app = await startInProcessApp({ admins: ['U0ADMIN'], now: '2026-06-24T12:00:00Z' });
});
afterEach(() => app.close());

const caisi = (text: string, user: string, id: string) =>
  sendSlashCommand(app.url, SIGNING_SECRET, {
    text,
    user_id: user,
    channel_id: 'C0POLICY',
    response_url: app.slack.responseUrl(id),
  });

describe('/caisi feeds check', () => {
  it('acks at once, then reports each feed in the store with its verdict through response_url', async () => {
    const now = new Date(app.clock.now()).toISOString();
    await app.ctx.store.syncConfigFeeds([feeds.urlFor('/slow.xml'), feeds.urlFor('/page.html')], now);
    // Added in Slack, on a private address, while private feeds are not allowed: the check
    // applies the same address guard as a poll.
    await app.ctx.store.addFeed(feeds.urlFor('/slow.xml', 'localhost'), 'U0ADMIN', now);

    const r = await caisi('feeds check', 'U0ADMIN', 'check-1');
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(2000);
    expect((r.body as { text?: string }).text).toMatch(/Checking every feed now/);

    const report = await app.slack.waitForResponse(1, 15_000);
    expect(report.id).toBe('check-1');
    const body = report.body as { response_type?: string; replace_original?: boolean; text?: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.replace_original).toBe(true);
    const all = JSON.stringify(report.body);
    expect(all).toContain('Feed check: 3 feeds checked: 1 ok, 0 with warnings, 2 unusable');
    expect(all).toMatch(
      /✅ #1 [^"]*slow\.xml — ok; HTTP 200 · RSS 2\.0 · 1 item · newest 2026-06-24 08:00 UTC/,
    );
    expect(all).toContain('validators: ETag \\"s1\\"; conditional GET honoured (304 Not Modified)');
    expect(all).toMatch(/⛔ #2 [^"]*page\.html — unusable; HTTP 200/);
    expect(all).toContain('unusable: not a feed: looks like an HTML page');
    expect(all).toMatch(/⛔ #3 [^"]*localhost[^"]* — unusable/);
    expect(all).toMatch(
      /refused to connect: localhost resolves to 127\.0\.0\.1 is a loopback, private or link-local address/,
    );
    // Nothing was written: a check is not a poll.
    expect(
      (await app.ctx.store.listFeeds()).every((f) => f.lastSuccessAt === null && f.lastErrorAt === null),
    ).toBe(true);
  }, 30_000);

  it('is for admins: anyone else is told who can, and nothing is fetched', async () => {
    await app.ctx.store.syncConfigFeeds(
      [feeds.urlFor('/page.html')],
      new Date(app.clock.now()).toISOString(),
    );
    feeds.clearLog();
    const r = await caisi('feeds check', 'U0USER', 'check-2');
    expect(r.status).toBe(200);
    const answer = await app.slack.waitForResponse(1);
    expect(JSON.stringify(answer.body)).toMatch(/Only admins can use \\"feeds check\\".*<@U0ADMIN>/);
    expect(feeds.requests).toHaveLength(0);
  });

  it('is listed in /caisi help', async () => {
    const r = await caisi('help', 'U0USER', 'help-1');
    expect(JSON.stringify(r.body)).toContain('/caisi feeds check');
  });
});
