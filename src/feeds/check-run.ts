/**
 * `feeds check`, the fetching: each feed once, now, through fetchFeed (the same address guard, size
 * cap, deadline and redirect limit as a poll), then a second, conditional request with the
 * validators the server sent, to see whether it answers 304. Nothing is stored.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkResult, detectFormat, type FeedCheck, type FeedObservation } from './check.js';
import { FeedFetchError, type FetchOptions, fetchFeed } from './fetch.js';
import { parseFeedText } from './parse.js';
import type { ParsedFeed } from './types.js';
import { oneLine } from './url-guard.js';

export interface CheckTarget {
  url: string;
  name: string | null;
  /** May this feed be fetched from a private address? (Config feeds yes; Slack feeds per config.) */
  allowPrivate: boolean;
  /** Local files are read only for feeds from the config file, never for feeds added in Slack. */
  allowFile?: boolean;
}

export interface CheckOptions {
  fetch: Pick<FetchOptions, 'timeoutMs' | 'maxBytes' | 'maxRedirects' | 'lookup' | 'isBlockedAddress'>;
  concurrency: number;
  /** The time the verdict is judged at (item ages). */
  now: () => number;
}

const errorLine = (err: unknown) => oneLine(err instanceof Error ? err.message : String(err), 300);

function describeItems(parsed: ParsedFeed): Pick<FeedObservation, 'items' | 'dated' | 'newest'> {
  const dates = parsed.items.map((i) => i.published).filter((d): d is string => d !== null);
  return {
    items: parsed.items.length,
    dated: dates.length,
    // ISO dates in one format sort as strings.
    newest: dates.length ? ([...dates].sort().at(-1) ?? null) : null,
  };
}

/** Fetch, parse and probe one feed; never throws: every failure is the observation's `error`. */
export async function observeFeed(target: CheckTarget, opts: CheckOptions): Promise<FeedObservation> {
  const started = performance.now();
  const obs: FeedObservation = {
    url: target.url,
    name: target.name,
    status: null,
    error: null,
    format: null,
    items: 0,
    dated: 0,
    newest: null,
    etag: null,
    lastModified: null,
    conditional: 'not-tested',
    movedTo: null,
    ms: 0,
  };
  const done = () => ({ ...obs, ms: Math.round(performance.now() - started) });

  let text: string;
  let baseUrl: string | undefined;
  if (target.url.startsWith('file:')) {
    if (!target.allowFile) return { ...done(), error: 'local files can only be listed in the config file' };
    try {
      text = await readFile(fileURLToPath(target.url), 'utf8');
    } catch (err) {
      return {
        ...done(),
        error: `cannot read ${target.url} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      };
    }
  } else {
    const fetchOpts: FetchOptions = { ...opts.fetch, allowPrivate: target.allowPrivate };
    try {
      const res = await fetchFeed(target.url, fetchOpts);
      if (res.kind === 'not-modified') {
        return { ...done(), status: 304, error: 'answered 304 Not Modified to a request without validators' };
      }
      obs.status = res.status;
      obs.etag = res.etag;
      obs.lastModified = res.lastModified;
      obs.movedTo = res.permanentRedirect;
      text = res.text;
      baseUrl = res.finalUrl;
    } catch (err) {
      if (err instanceof FeedFetchError) return { ...done(), status: err.status ?? null, error: err.message };
      return { ...done(), error: errorLine(err) };
    }
  }

  obs.format = detectFormat(text);
  try {
    Object.assign(obs, describeItems(await parseFeedText(text, { baseUrl })));
  } catch (err) {
    return { ...done(), error: errorLine(err) };
  }

  if (!target.url.startsWith('file:')) {
    if (!obs.etag && !obs.lastModified) obs.conditional = 'no-validators';
    else {
      try {
        const again = await fetchFeed(target.url, {
          ...opts.fetch,
          allowPrivate: target.allowPrivate,
          etag: obs.etag,
          lastModified: obs.lastModified,
        });
        obs.conditional = again.kind === 'not-modified' ? 'honoured' : 'ignored';
      } catch {
        obs.conditional = 'failed';
      }
    }
  }
  return done();
}

/** Check every feed, at most `concurrency` at a time; results in the order given. */
export async function checkFeeds(targets: readonly CheckTarget[], opts: CheckOptions): Promise<FeedCheck[]> {
  const out: FeedCheck[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const target = targets[i] as CheckTarget;
      out[i] = checkResult(await observeFeed(target, opts), opts.now());
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, targets.length)) }, worker));
  return out;
}
