/**
 * Entry point of a feed-parsing thread (see parse-pool.ts). It takes one feed at a time: the text and
 * the parse options in, the parsed feed or the error's name and message out.
 */
import { parentPort } from 'node:worker_threads';
import { parseFeedText } from './parse.js';
import type { ParseReply, ParseRequest } from './parse-pool.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.js runs as a worker thread, not on its own');

port.on('message', async (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { ok: true, feed: await parseFeedText(request.text, request.opts) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { ok: false, name: e.name, message: e.message };
  }
  port.postMessage(reply);
});
