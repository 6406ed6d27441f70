/**
 * Feed parsing off the main thread. Reading XML is most of a first poll's work while the feeds come
 * in (about a third of a cold cycle over 500 feeds), and it is synchronous: on the main thread it holds
 * up every other fetch's sockets, and one pathological document blocks the process. A pool of worker
 * threads parses feeds while the main thread fetches the next ones; a parse that overruns its time
 * limit has its thread terminated, so the limit in `ParseOptions.timeoutMs` really holds.
 *
 * Each thread parses one feed at a time. Results and errors are the same as `parseFeedText`'s on the
 * main thread: the same ParsedFeed, and a NotAFeedError with the same message.
 *
 * Threads run the compiled `parse-worker.js` next to this module. Run from TypeScript sources (the
 * test runner), that file does not exist and `sharedFeedParser()` parses on the calling thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NotAFeedError, type ParseOptions, parseFeedText } from './parse.js';
import type { ParsedFeed } from './types.js';

export interface FeedParser {
  parse(text: string, opts?: ParseOptions): Promise<ParsedFeed>;
}

/** Parses on the calling thread. */
export const inlineFeedParser: FeedParser = { parse: parseFeedText };

export interface ParseRequest {
  text: string;
  opts: ParseOptions;
}
export type ParseReply = { ok: true; feed: ParsedFeed } | { ok: false; name: string; message: string };

const DEFAULT_TIMEOUT_MS = 10_000;

interface Job {
  request: ParseRequest;
  resolve: (feed: ParsedFeed) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/** An error from the thread, as the same kind of error on this side. */
function rebuildError(name: string, message: string): Error {
  if (name === 'NotAFeedError') return new NotAFeedError(message.replace(/^not a feed: /, ''));
  const err = new Error(message);
  err.name = name;
  return err;
}

export class WorkerParsePool implements FeedParser {
  private readonly queue: Job[] = [];
  private readonly slots: Slot[];
  private closed = false;

  /**
   * @param threads how many feeds are parsed at once (at least 1)
   * @param workerFile the compiled parse-worker.js
   */
  constructor(
    threads: number,
    private readonly workerFile: string,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError('threads must be a whole number ≥ 1');
    this.slots = Array.from({ length: threads }, () => ({ worker: null, job: null, timer: null }));
  }

  parse(text: string, opts: ParseOptions = {}): Promise<ParsedFeed> {
    if (this.closed) return Promise.reject(new Error('the feed parser pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { text, opts }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stop every thread; feeds waiting or being parsed are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping: Promise<number>[] = [];
    for (const job of this.queue.splice(0)) job.reject(new Error('the feed parser pool is closed'));
    for (const slot of this.slots) {
      const worker = slot.worker;
      this.settle(slot, { ok: false, name: 'Error', message: 'the feed parser pool is closed' });
      slot.worker = null;
      if (worker) stopping.push(worker.terminate());
    }
    await Promise.all(stopping);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift() as Job;
      const worker = slot.worker ?? this.spawn(slot);
      slot.job = job;
      // A thread with a feed in hand keeps the process alive; an idle one does not.
      worker.ref();
      slot.timer = setTimeout(() => {
        this.settle(slot, {
          ok: false,
          name: 'NotAFeedError',
          message: 'not a feed: the XML parser did not finish',
        });
        this.retire(slot);
      }, job.request.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      slot.timer.unref();
      worker.postMessage(job.request);
    }
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.workerFile);
    slot.worker = worker;
    worker.unref();
    worker.on('message', (reply: ParseReply) => {
      if (slot.worker !== worker) return;
      this.settle(slot, reply);
      worker.unref();
      this.dispatch();
    });
    // An uncaught error in the thread, or the thread dying (out of memory): the feed it held fails
    // with a clear reason and the next feed gets a new thread.
    worker.on('error', (err) => {
      if (slot.worker !== worker) return;
      this.settle(slot, { ok: false, name: 'Error', message: `feed parser thread failed: ${err.message}` });
      this.retire(slot);
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      this.settle(slot, { ok: false, name: 'Error', message: `feed parser thread exited (code ${code})` });
      slot.worker = null;
      this.dispatch();
    });
    return worker;
  }

  /** Drop a slot's thread (it overran, or failed); the next feed starts a new one. */
  private retire(slot: Slot): void {
    const worker = slot.worker;
    slot.worker = null;
    if (worker) void worker.terminate();
    if (!this.closed) this.dispatch();
  }

  private settle(slot: Slot, reply: ParseReply): void {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    if (!job) return;
    if (reply.ok) job.resolve(reply.feed);
    else job.reject(rebuildError(reply.name, reply.message));
  }
}

/** Threads for the shared pool: one core stays with the main thread; at most four. */
export function defaultParseThreads(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, cores - 1));
}

/** The compiled worker entry next to this module, or null when running from TypeScript sources. */
export function compiledWorkerFile(): string | null {
  const file = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  return existsSync(file) ? file : null;
}

let shared: FeedParser | undefined;

/** The process's feed parser: a pool of threads when the compiled worker is there, else inline. */
export function sharedFeedParser(): FeedParser {
  if (!shared) {
    const file = compiledWorkerFile();
    shared = file ? new WorkerParsePool(defaultParseThreads(), file) : inlineFeedParser;
  }
  return shared;
}
