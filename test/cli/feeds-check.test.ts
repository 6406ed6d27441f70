/**
 * `caisi-watch feeds check`, run as a user runs it (the built binary), against the local feed
 * server: a feed that is fine, one whose server honours its ETag, one whose server ignores it, a
 * page that is not a feed and a 404.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { rss } from '../helpers/rss.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'caisi-feeds-check-'));
let server: FeedServer;

/** A feed whose items are dated today, so no verdict depends on the day the test runs. */
const freshFeed = (title: string) =>
  rss(title, [
    {
      title: 'CAISI publishes its review schedule',
      description: 'The office said reviews of covered models will start next month.',
      link: `https://example.org/${encodeURIComponent(title)}/1`,
      guid: `${title}-1`,
      pubDate: new Date(Date.now() - 3_600_000).toISOString(),
    },
    {
      title: 'Meta talks with CAISI continue',
      description: 'A spokesman said the company hopes to sign soon.',
      link: `https://example.org/${encodeURIComponent(title)}/2`,
      guid: `${title}-2`,
      pubDate: new Date(Date.now() - 7_200_000).toISOString(),
    },
  ]);

beforeAll(async () => {
  server = await startFeedServer();
  server.route('/ok.xml', { headers: { 'content-type': 'application/rss+xml' }, body: freshFeed('Plain') });
  const etagBody = freshFeed('Conditional');
  server.route('/etag.xml', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers['if-none-match'] === '"v7"') {
      res.writeHead(304, { etag: '"v7"' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v7"' });
    res.end(etagBody);
  });
  server.route('/ignores-etag.xml', {
    headers: {
      'content-type': 'application/rss+xml',
      etag: '"always-new"',
      'last-modified': 'Mon, 22 Jun 2026 10:00:00 GMT',
    },
    body: freshFeed('Stubborn'),
  });
  server.route('/page.html', {
    headers: { 'content-type': 'text/html' },
    body: '<!doctype html><html><body>Our news page</body></html>',
  });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function configWith(name: string, feeds: { url: string; name: string }[]): string {
  const file = path.join(tmp, name);
  writeFileSync(
    file,
    `feeds:\n${feeds.map((f) => `  - url: ${JSON.stringify(f.url)}\n    name: ${JSON.stringify(f.name)}`).join('\n')}\n`,
  );
  return file;
}

/** The block of output lines for the feed at `url` (from its verdict line to the next blank line). */
function blockFor(stdout: string, url: string): string {
  return stdout.split('\n\n').find((b) => b.includes(`<${url}>`)) ?? '';
}

describe('caisi-watch feeds check', () => {
  it('reports each feed with status, format, items, validators and a verdict; exits 1 when one is unusable', async () => {
    const urls = {
      ok: server.urlFor('/ok.xml'),
      etag: server.urlFor('/etag.xml'),
      ignores: server.urlFor('/ignores-etag.xml'),
      page: server.urlFor('/page.html'),
      missing: server.urlFor('/status/404'),
    };
    const config = configWith('mixed.yaml', [
      { url: urls.ok, name: 'Plain Wire' },
      { url: urls.etag, name: 'Conditional Wire' },
      { url: urls.ignores, name: 'Stubborn Wire' },
      { url: urls.page, name: 'A web page' },
      { url: urls.missing, name: 'Gone Wire' },
    ]);
    server.clearLog();
    const r = await runCli(['feeds', 'check', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');

    const ok = blockFor(r.stdout, urls.ok);
    expect(ok).toMatch(/^ok\s+Plain Wire </);
    expect(ok).toContain('HTTP 200 · RSS 2.0 · 2 items · newest ');
    expect(ok).toContain('validators: none; conditional GET not testable');

    const etag = blockFor(r.stdout, urls.etag);
    expect(etag).toMatch(/^ok\s+Conditional Wire </);
    expect(etag).toContain('validators: ETag "v7"; conditional GET honoured (304 Not Modified)');
    // The second request carried the validator.
    expect(server.requestsFor('/etag.xml').map((q) => q.headers['if-none-match'])).toEqual([
      undefined,
      '"v7"',
    ]);

    const ignores = blockFor(r.stdout, urls.ignores);
    expect(ignores).toMatch(/^warning\s+Stubborn Wire </);
    expect(ignores).toContain('ETag "always-new", Last-Modified Mon, 22 Jun 2026 10:00:00 GMT');
    expect(ignores).toContain('conditional GET not honoured (200 again)');
    expect(ignores).toMatch(/warning: the server ignores its own validators/);

    const page = blockFor(r.stdout, urls.page);
    expect(page).toMatch(/^UNUSABLE\s+A web page </);
    expect(page).toContain('unusable: not a feed: looks like an HTML page');

    const missing = blockFor(r.stdout, urls.missing);
    expect(missing).toMatch(/^UNUSABLE\s+Gone Wire </);
    expect(missing).toContain('HTTP 404');
    expect(missing).toContain('unusable: HTTP 404 Not Found');

    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('5 feeds checked: 2 ok, 1 with warnings, 2 unusable');
  });

  it('exits 0 when every feed is usable, and takes the feed list from CAISI_FEEDS as poll does', async () => {
    const r = await runCli(['feeds', 'check'], {
      env: { CAISI_FEEDS: `${server.urlFor('/ok.xml')},${server.urlFor('/ignores-etag.xml')}` },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 feeds checked: 1 ok, 1 with warnings, 0 unusable');
  });

  it('--json gives the same facts as data', async () => {
    const config = configWith('json.yaml', [{ url: server.urlFor('/etag.xml'), name: 'Conditional Wire' }]);
    const r = await runCli(['feeds', 'check', '--config', config, '--json']);
    expect(r.code).toBe(0);
    const [check] = JSON.parse(r.stdout);
    expect(check).toMatchObject({
      name: 'Conditional Wire',
      status: 200,
      format: 'RSS 2.0',
      items: 2,
      etag: '"v7"',
      conditional: 'honoured',
      verdict: { level: 'ok', reasons: [] },
    });
  });

  it('a usage mistake is one line and exit 2', async () => {
    const r = await runCli(['feeds', 'frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown subcommand "frobnicate".*feeds check/);
  });
});
