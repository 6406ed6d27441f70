/** `caisi-watch parse <file|url> [--json]`: fetch or read one feed and print its normalised items. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeBody } from '../feeds/charset.js';
import { displayTitle } from '../feeds/display.js';
import { DEFAULT_MAX_BYTES, FeedFetchError, fetchFeed, formatBytes } from '../feeds/fetch.js';
import { NotAFeedError, parseFeedText } from '../feeds/parse.js';
import type { ParsedFeed } from '../feeds/types.js';
import { oneLine } from '../feeds/url-guard.js';
import { type CliIO, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UserError } from './io.js';

const USAGE = 'usage: caisi-watch parse <file|url> [--json]';

interface ParseArgs {
  source: string;
  json: boolean;
}

function parseArgs(args: string[]): ParseArgs {
  let json = false;
  const positional: string[] = [];
  let onlyPositional = false;
  for (const arg of args) {
    if (!onlyPositional && arg === '--') onlyPositional = true;
    else if (!onlyPositional && arg === '--json') json = true;
    else if (!onlyPositional && arg.startsWith('-') && arg !== '-') {
      throw new UserError(`unknown option ${oneLine(arg, 60)} (${USAGE})`);
    } else positional.push(arg);
  }
  if (positional.length === 0) throw new UserError(`missing <file|url> (${USAGE})`);
  if (positional.length > 1)
    throw new UserError(`expected one <file|url>, got ${positional.length} (${USAGE})`);
  return { source: positional[0] as string, json };
}

function describeReadError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return `cannot read ${file}: no such file`;
    case 'EISDIR':
      return `cannot read ${file}: it is a directory`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${file}: permission denied`;
    default:
      return `cannot read ${file}${code ? ` (${code})` : ''}`;
  }
}

async function loadFromFile(file: string, io: CliIO): Promise<ParsedFeed> {
  const full = path.resolve(io.cwd, file);
  let bytes: Buffer;
  try {
    const info = await stat(full);
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (info.size > DEFAULT_MAX_BYTES) {
      throw new UserError(
        `${file} is ${formatBytes(info.size)}, over the ${formatBytes(DEFAULT_MAX_BYTES)} limit`,
      );
    }
    bytes = await readFile(full);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(describeReadError(file, err));
  }
  return parseFeedText(decodeBody(bytes, null));
}

async function loadFromUrl(url: string): Promise<ParsedFeed> {
  let res: Awaited<ReturnType<typeof fetchFeed>>;
  try {
    res = await fetchFeed(url);
  } catch (err) {
    if (err instanceof FeedFetchError) throw new UserError(`${oneLine(url, 200)}: ${err.message}`);
    throw err;
  }
  // No validators are sent, so a 304 would be a misbehaving server.
  if (res.kind === 'not-modified')
    throw new UserError(`${url} answered 304 Not Modified to an unconditional request`);
  return parseFeedText(res.text, { baseUrl: res.finalUrl });
}

function formatDate(iso: string | null): string {
  if (!iso) return 'no date';
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function renderText(parsed: ParsedFeed): string {
  const lines: string[] = [];
  lines.push(parsed.feed.title || '(untitled feed)');
  if (parsed.feed.link) lines.push(parsed.feed.link);
  const n = parsed.items.length;
  lines.push(`${n} item${n === 1 ? '' : 's'}`);
  for (const item of parsed.items) {
    lines.push('');
    lines.push(`[${formatDate(item.published)}] ${displayTitle(item)}`);
    lines.push(`  ${item.outlet ? `${item.outlet} · ` : ''}${item.link ?? '(no link)'}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderJson(parsed: ParsedFeed): string {
  // Exactly the documented contract, in this key order. A missing title is null.
  const doc = {
    feed: { title: parsed.feed.title, link: parsed.feed.link },
    items: parsed.items.map((i) => ({
      id: i.id,
      title: i.title,
      link: i.link,
      published: i.published,
      summary: i.summary,
      outlet: i.outlet,
      aggregator: i.aggregator,
    })),
  };
  return `${JSON.stringify(doc)}\n`;
}

export async function parseCommand(args: string[], io: CliIO): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr(`caisi-watch parse: ${oneLine(message, 500)}\n`);
    return code;
  };
  try {
    const { source, json } = parseArgs(args);
    const isUrl = /^https?:\/\//i.test(source);
    if (!isUrl && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      throw new UserError(`only http and https URLs are supported: ${oneLine(source, 200)}`);
    }
    const parsed = isUrl ? await loadFromUrl(source) : await loadFromFile(source, io);
    io.stdout(json ? renderJson(parsed) : renderText(parsed));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UserError) return fail(err.message, err.exitCode);
    if (err instanceof NotAFeedError || err instanceof FeedFetchError) return fail(err.message, EXIT_USAGE);
    const message = err instanceof Error ? err.message : String(err);
    return fail(`unexpected error: ${message}`, EXIT_FAILURE);
  }
}
