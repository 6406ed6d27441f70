import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIO, EXIT_OK, EXIT_USAGE } from '../../src/cli/io.js';
import { parseCommand } from '../../src/cli/parse-command.js';
import { type FeedServer, FIXTURE_DIR, startFeedServer } from '../feed-server.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], cwd = FIXTURE_DIR): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stdin: Readable.from([]),
    env: {},
    cwd,
  };
  const code = await parseCommand(args, io);
  return { code, stdout, stderr };
}

/** Exit 2, nothing on stdout, exactly one line on stderr, no stack trace. */
function expectUsageError(result: Run, pattern: RegExp): void {
  expect(result.code).toBe(EXIT_USAGE);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^caisi-watch parse: /);
  expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(result.stderr).toMatch(pattern);
}

let server: FeedServer;
let tmp: string;

beforeAll(async () => {
  server = await startFeedServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'caisi-parse-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('caisi-watch parse', () => {
  it('prints the JSON contract for a feed file', async () => {
    const result = await run(['basic-rss.xml', '--json']);
    expect(result.code).toBe(EXIT_OK);
    expect(result.stderr).toBe('');
    expect(result.stdout.endsWith('}\n')).toBe(true);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    const doc = JSON.parse(result.stdout);
    expect(Object.keys(doc)).toEqual(['feed', 'items']);
    expect(doc.feed).toEqual({ title: 'Policy Desk & Wire', link: 'https://policydesk.example/' });
    expect(doc.items).toHaveLength(3);
    for (const item of doc.items)
      expect(Object.keys(item)).toEqual([
        'id',
        'title',
        'link',
        'published',
        'summary',
        'outlet',
        'aggregator',
      ]);
    expect(doc.items[0]).toMatchObject({
      id: 'policydesk-2026-0623-meta',
      link: 'https://policydesk.example/2026/06/meta-letter?id=42',
      published: '2026-06-23T14:05:00.000Z',
    });
  });

  it('accepts --json before the path and an absolute path', async () => {
    const result = await run(['--json', path.join(FIXTURE_DIR, 'atom.xml')], tmp);
    expect(result.code).toBe(EXIT_OK);
    expect(JSON.parse(result.stdout).feed.title).toBe('Frontier Oversight Weekly');
  });

  it('prints null fields for items without link or date', async () => {
    const doc = JSON.parse((await run(['bare-items.xml', '--json'])).stdout);
    expect(doc.feed.link).toBeNull();
    expect(doc.items[0].link).toBeNull();
    expect(doc.items[0].published).toBeNull();
  });

  it('prints a readable listing without --json', async () => {
    const result = await run(['basic-rss.xml']);
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toContain('Policy Desk & Wire\nhttps://policydesk.example/\n3 items\n');
    expect(result.stdout).toContain(
      '[2026-06-23 14:05 UTC] Commerce staff write to Meta about pre-release testing\n  https://policydesk.example/2026/06/meta-letter?id=42\n',
    );
  });

  it('fetches a URL from the local server', async () => {
    const result = await run([server.urlFor('/gzip.xml'), '--json']);
    expect(result.code).toBe(EXIT_OK);
    const doc = JSON.parse(result.stdout);
    expect(doc.feed.title).toBe('Policy Desk & Wire');
    expect(doc.items).toHaveLength(3);
  });

  it('decodes a non-UTF-8 file from its XML declaration', async () => {
    const file = path.join(tmp, 'latin.xml');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from('<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Caf'),
        Buffer.from([0xe9, 0x20, 0x93, 0x71, 0x94]),
        Buffer.from('</title></channel></rss>'),
      ]),
    );
    const doc = JSON.parse((await run([file, '--json'])).stdout);
    expect(doc.feed.title).toBe('Café “q”');
  });

  it('HTML file: exit 2 and one line', async () => {
    expectUsageError(
      await run(['html-error.html', '--json']),
      /^caisi-watch parse: not a feed: looks like an HTML page\n$/,
    );
  });

  it('HTML page over HTTP: exit 2 and one line', async () => {
    expectUsageError(await run([server.urlFor('/html-error')]), /not a feed: looks like an HTML page/);
  });

  it('truncated XML: exit 2 and one line', async () => {
    expectUsageError(await run(['truncated.xml']), /not a feed: XML is truncated or malformed at line \d+/);
  });

  it('JSON and empty files: exit 2', async () => {
    expectUsageError(await run(['not-feed.json']), /not a feed: looks like JSON/);
    const empty = path.join(tmp, 'empty.xml');
    await writeFile(empty, '');
    expectUsageError(await run([empty]), /not a feed: empty body/);
  });

  it('missing file: exit 2', async () => {
    expectUsageError(
      await run(['no-such-file.xml']),
      /^caisi-watch parse: cannot read no-such-file.xml: no such file\n$/,
    );
  });

  it('a directory: exit 2', async () => {
    expectUsageError(await run([tmp]), /it is a directory/);
  });

  it('no argument: exit 2 with usage', async () => {
    expectUsageError(
      await run([]),
      /missing <file\|url> \(usage: caisi-watch parse <file\|url> \[--json\]\)/,
    );
    expectUsageError(await run(['--json']), /missing <file\|url>/);
  });

  it('unknown flag or extra argument: exit 2', async () => {
    expectUsageError(await run(['basic-rss.xml', '--yaml']), /unknown option --yaml/);
    expectUsageError(await run(['basic-rss.xml', 'atom.xml']), /expected one <file\|url>, got 2/);
  });

  it('fetch errors: exit 2 with the URL and the reason', async () => {
    const url = server.urlFor('/status/404');
    expectUsageError(
      await run([url]),
      new RegExp(`^caisi-watch parse: ${url.replace(/[.?]/g, '\\$&')}: HTTP 404 Not Found\n$`),
    );
    expectUsageError(await run([server.urlFor('/redirect/loop-a')]), /redirect loop/);
  });

  it('other URL schemes: exit 2', async () => {
    expectUsageError(await run(['ftp://example.com/feed.xml']), /only http and https URLs are supported/);
  });
});
