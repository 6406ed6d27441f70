/**
 * A local HTTP server that speaks enough of the Slack Web API for tests, benchmarks and the fault suite.
 * Point a WebClient at it with `slackApiUrl: server.apiUrl` (= `${server.url}/api/`).
 *
 * What it models (notes/slack-platform.md §3–§4):
 * - `POST /api/<method>`, form-urlencoded (objects such as `blocks`, `metadata`, `view` arrive as JSON
 *   strings inside the form and are parsed) or JSON; GET with a query string also works. Token from
 *   `Authorization: Bearer …` (or a `token` form field, which Slack also accepts): missing → `not_authed`,
 *   wrong → `invalid_auth`.
 * - Messages stored per channel with monotonic unique `ts`; `conversations.history` newest first with
 *   oldest/latest/inclusive/limit/cursor; message `metadata` comes back whole only with
 *   `include_all_metadata=true`, otherwise just `{event_type}`.
 * - Channels: with `opts.channels` set, unknown channels are `channel_not_found`. Per channel:
 *   `is_archived` → `is_archived`; not a member of a private channel → `channel_not_found`; not a member of
 *   a public channel → posting works (chat:write.public, unless `chatWritePublic: false`, then
 *   `not_in_channel`) but reading history gives `not_in_channel` (a bot token needs membership for
 *   conversations.history; slackapi/deno-slack-sdk#128).
 * - `conversations.join` makes the bot a member of a public channel (private/DM channels:
 *   `method_not_supported_for_channel_type`; archived: `is_archived`).
 * - Faults: `failNext(method, fault, times)` — 429 + Retry-After, 5xx, `ok:false` platform errors,
 *   hang (no answer until `release()`/`close()`), delay, dropped connection; optionally per channel.
 *   `holdNext(method)` — processed and stored as if Slack did it, but the HTTP answer is held back.
 * - Every request is recorded in `calls`; `waitFor*` helpers resolve on events (no polling).
 *
 * - Scopes: the bot token holds the bot scopes of manifest.yml (or `opts.scopes`); a method, or a
 *   conversation type, the token has no scope for answers `missing_scope` with `needed` and `provided`
 *   as Slack does (table in test/slack-scopes.ts). `chat:write.public` decides whether the bot may post
 *   in a public channel it is not in.
 * - Socket Mode: `apps.connections.open` with the app-level token (`opts.appToken`) answers the URL
 *   given by `setSocketModeUrl()` (a local WebSocket server, test/socket-mode-server.ts); the bot token
 *   there is `not_allowed_token_type`.
 *
 * Not modelled: per-method rate-limit tiers (script 429s instead), message deletion, files.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  MAX_ACTION_ID,
  MAX_ACTIONS_ELEMENTS,
  MAX_BLOCK_ID,
  MAX_BLOCKS_PER_MESSAGE,
  MAX_BLOCKS_PER_VIEW,
  MAX_BUTTON_TEXT,
  MAX_BUTTON_URL,
  MAX_CONTEXT_ELEMENTS,
  MAX_HEADER_TEXT,
  MAX_SECTION_FIELD_TEXT,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT,
} from '../src/render/limits.js';
import { type ConversationKind, kindOfId, manifestBotScopes, scopesFor } from './slack-scopes.js';

export type Args = Record<string, unknown>;

export interface UserFlags {
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_bot?: boolean;
  deleted?: boolean;
  name?: string;
}

export interface ChannelInit {
  name?: string;
  is_private?: boolean;
  is_archived?: boolean;
  /** Whether the bot is a member. Default true. */
  is_member?: boolean;
}

export interface ChannelState extends Required<ChannelInit> {
  id: string;
  is_im: boolean;
}

export interface SlackApiServerOptions {
  token?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  teamId?: string;
  teamDomain?: string;
  /** Workspace directory for `users.info`. Ids not listed are ordinary members. */
  users?: Record<string, UserFlags>;
  /** Channel allow-list: when given, any other channel id is `channel_not_found`. */
  channels?: string[] | Record<string, ChannelInit>;
  /** The bot token's scopes. Default: the bot scopes of manifest.yml. */
  scopes?: string[];
  /**
   * The bot may post to public channels it is not in. Default: whether it has chat:write.public.
   * (Kept for tests that only care about membership; `scopes` is the faithful way.)
   */
  chatWritePublic?: boolean;
  /** The app-level token (`xapp-…`) that `apps.connections.open` accepts. */
  appToken?: string;
  /** Clock used for message `ts` (ms). Default Date.now. */
  now?: () => number;
}

export interface RecordedCall {
  method: string;
  args: Args;
  /** Date.now() when the request body had been read. */
  at: number;
  /** Token presented (header or form field). */
  token?: string;
  /** How it was answered: 'ok', a platform error code, 'http_<status>', 'held', 'hang', 'dropped'. */
  outcome?: string;
}

export interface StoredMessage {
  type: 'message';
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: { event_type: string; event_payload?: Record<string, unknown> };
  thread_ts?: string;
  reply_count?: number;
  reply_broadcast?: boolean;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  edited?: { user: string; ts: string };
  [extra: string]: unknown;
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
}

export interface RecordedResponse {
  id: string;
  body: unknown;
  at: number;
}

export type Fault = (
  | { status: 429; retryAfter?: number | null; body?: string }
  | { status: number; body?: string }
  | { error: string; extra?: Args }
  | { hang: true }
  | { delayMs: number }
  | { drop: true }
) & {
  /** Only requests whose `channel` argument is this. */
  channel?: string;
};

export interface Hold {
  /** Resolves with the held call once such a request has arrived (and been processed). */
  held: Promise<RecordedCall>;
  /** Send the held answer(s). */
  release(): void;
}

interface FaultRule {
  fault: Fault;
  remaining: number;
}

interface HoldRule {
  channel?: string;
  remaining: number;
  resolve: (call: RecordedCall) => void;
  releasers: Array<() => void>;
  released: boolean;
}

type Result = { ok: true; [k: string]: unknown } | { ok: false; error: string; [k: string]: unknown };

/** JSON-valued form fields that WebClient sends as JSON strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view', 'unfurls', 'user_auth_blocks']);

const METHODS = new Set([
  'api.test',
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.getPermalink',
  'conversations.history',
  'conversations.replies',
  'conversations.info',
  'conversations.open',
  'conversations.join',
  'views.publish',
  'users.info',
  'apps.connections.open',
]);

function tsToMicros(ts: string): bigint {
  const [secs = '0', frac = ''] = ts.split('.');
  const s = /^\d+$/.test(secs) ? BigInt(secs) : 0n;
  const f = BigInt(`${frac.replace(/\D/g, '')}000000`.slice(0, 6));
  return s * 1_000_000n + f;
}

function microsToTs(micros: bigint): string {
  const secs = micros / 1_000_000n;
  const frac = micros % 1_000_000n;
  return `${secs}.${frac.toString().padStart(6, '0')}`;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function textLen(obj: unknown): number {
  if (obj && typeof obj === 'object' && typeof (obj as { text?: unknown }).text === 'string') {
    return ((obj as { text: string }).text as string).length;
  }
  return -1;
}

/**
 * A subset of Slack's Block Kit validation, enough to catch our own renderer exceeding documented limits.
 * Returns `[ERROR] …` messages in Slack's style (empty when valid).
 */
export function validateBlocks(blocks: unknown, maxBlocks: number, pointer = '/blocks'): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) return [`[ERROR] must be an array [json-pointer:${pointer}]`];
  if (blocks.length > maxBlocks)
    errors.push(`[ERROR] no more than ${maxBlocks} items allowed [json-pointer:${pointer}]`);
  blocks.forEach((block, i) => {
    const p = `${pointer}/${i}`;
    if (!block || typeof block !== 'object' || typeof (block as { type?: unknown }).type !== 'string') {
      errors.push(`[ERROR] missing required field: type [json-pointer:${p}]`);
      return;
    }
    const b = block as Record<string, unknown>;
    if (typeof b.block_id === 'string' && b.block_id.length > MAX_BLOCK_ID) {
      errors.push(`[ERROR] must be less than ${MAX_BLOCK_ID + 1} characters [json-pointer:${p}/block_id]`);
    }
    const checkText = (obj: unknown, max: number, at: string, required: boolean) => {
      const n = textLen(obj);
      if (n === -1) {
        if (required || obj !== undefined) errors.push(`[ERROR] must provide an object [json-pointer:${at}]`);
      } else if (n === 0) errors.push(`[ERROR] must be more than 0 characters [json-pointer:${at}/text]`);
      else if (n > max)
        errors.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${at}/text]`);
    };
    const checkElement = (el: unknown, at: string) => {
      if (!el || typeof el !== 'object') return;
      const e = el as Record<string, unknown>;
      if (e.type === 'button') checkText(e.text, MAX_BUTTON_TEXT, `${at}/text`, true);
      if (typeof e.action_id === 'string' && e.action_id.length > MAX_ACTION_ID) {
        errors.push(
          `[ERROR] must be less than ${MAX_ACTION_ID + 1} characters [json-pointer:${at}/action_id]`,
        );
      }
      if (typeof e.url === 'string' && e.url.length > MAX_BUTTON_URL) {
        errors.push(`[ERROR] must be less than ${MAX_BUTTON_URL + 1} characters [json-pointer:${at}/url]`);
      }
    };
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) {
          errors.push(`[ERROR] must provide either text or fields [json-pointer:${p}]`);
        }
        if (b.text !== undefined) checkText(b.text, MAX_SECTION_TEXT, `${p}/text`, true);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > MAX_SECTION_FIELDS) {
            errors.push(
              `[ERROR] no more than ${MAX_SECTION_FIELDS} items allowed [json-pointer:${p}/fields]`,
            );
          } else {
            b.fields.forEach((f, j) => {
              checkText(f, MAX_SECTION_FIELD_TEXT, `${p}/fields/${j}`, true);
            });
          }
        }
        if (b.accessory !== undefined) checkElement(b.accessory, `${p}/accessory`);
        break;
      }
      case 'header':
        checkText(b.text, MAX_HEADER_TEXT, `${p}/text`, true);
        if ((b.text as { type?: unknown } | undefined)?.type !== 'plain_text') {
          errors.push(`[ERROR] must be a plain_text object [json-pointer:${p}/text]`);
        }
        break;
      case 'context':
        if (
          !Array.isArray(b.elements) ||
          b.elements.length === 0 ||
          b.elements.length > MAX_CONTEXT_ELEMENTS
        ) {
          errors.push(`[ERROR] must provide 1 to ${MAX_CONTEXT_ELEMENTS} items [json-pointer:${p}/elements]`);
        }
        break;
      case 'actions':
        if (
          !Array.isArray(b.elements) ||
          b.elements.length === 0 ||
          b.elements.length > MAX_ACTIONS_ELEMENTS
        ) {
          errors.push(`[ERROR] must provide 1 to ${MAX_ACTIONS_ELEMENTS} items [json-pointer:${p}/elements]`);
        } else {
          b.elements.forEach((el, j) => {
            checkElement(el, `${p}/elements/${j}`);
          });
        }
        break;
      default:
        break;
    }
  });
  return errors;
}

function parseBody(raw: string, contentType: string): Args {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Args) : {};
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) args[key] = value;
  return args;
}

/** JSON.parse the object-valued fields WebClient serialises; leaves invalid JSON as the raw string. */
function decodeJsonFields(args: Args): Args {
  const out: Args = { ...args };
  for (const key of JSON_FIELDS) {
    const v = out[key];
    if (typeof v === 'string') {
      try {
        out[key] = JSON.parse(v);
      } catch {
        // keep the raw string: the method handler reports it as invalid
      }
    }
  }
  return out;
}

export class SlackApiServer {
  readonly token: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly teamId: string;
  readonly teamDomain: string;

  /** Every request to /api/*, in arrival order. */
  readonly calls: RecordedCall[] = [];
  /** Bodies POSTed to /response/:id (response_url sink). */
  readonly responses: RecordedResponse[] = [];
  readonly ephemerals: StoredEphemeral[] = [];
  /** Latest published Home view per user id. */
  readonly views = new Map<string, Record<string, unknown>>();

  private readonly events = new EventEmitter();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly store = new Map<string, StoredMessage[]>();
  private readonly channelStates = new Map<string, ChannelState>();
  private readonly users: Map<string, UserFlags>;
  private readonly faults = new Map<string, FaultRule[]>();
  private readonly holds = new Map<string, HoldRule[]>();
  private readonly pending = new Set<() => void>();
  private readonly restrictChannels: boolean;
  private readonly chatWritePublicOption: boolean | undefined;
  private scopeSet: Set<string>;
  readonly appToken: string;
  private socketModeUrl: (() => string) | null = null;
  private readonly now: () => number;
  private lastMicros = 0n;
  private viewSeq = 0;
  private port = 0;

  constructor(opts: SlackApiServerOptions = {}) {
    this.token = opts.token ?? 'xoxb-test-token';
    this.botUserId = opts.botUserId ?? 'U0BOT';
    this.botId = opts.botId ?? 'B0BOT';
    this.appId = opts.appId ?? 'A0TEST';
    this.teamId = opts.teamId ?? 'T0TEST';
    this.teamDomain = opts.teamDomain ?? 'caisi-test';
    this.users = new Map(Object.entries(opts.users ?? {}));
    this.restrictChannels = opts.channels !== undefined;
    this.chatWritePublicOption = opts.chatWritePublic;
    this.scopeSet = new Set(opts.scopes ?? manifestBotScopes());
    this.appToken = opts.appToken ?? 'xapp-1-A0TEST-app-level-token';
    this.now = opts.now ?? Date.now;
    if (Array.isArray(opts.channels)) for (const id of opts.channels) this.setChannel(id, {});
    else if (opts.channels) for (const [id, init] of Object.entries(opts.channels)) this.setChannel(id, init);
    this.events.setMaxListeners(0);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        }
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listen on 127.0.0.1, port 0. */
  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What to pass as WebClient `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A response_url served by this server. */
  responseUrl(id: string | number = 1): string {
    return `${this.url}/response/${id}`;
  }

  // ---------------------------------------------------------------- inspection

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Top-level messages and thread replies of a channel, oldest first. */
  messages(channel: string): StoredMessage[] {
    return [...(this.store.get(channel) ?? [])];
  }

  /** Every stored message in every channel, oldest first. */
  allMessages(): StoredMessage[] {
    return [...this.store.values()].flat().sort((a, b) => (tsToMicros(a.ts) < tsToMicros(b.ts) ? -1 : 1));
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.store.get(channel)?.find((m) => m.ts === ts);
  }

  view(userId: string): Record<string, unknown> | undefined {
    return this.views.get(userId);
  }

  channel(id: string): ChannelState | undefined {
    return this.channelStates.get(id);
  }

  // ---------------------------------------------------------------- scripting

  /** Create or change a channel (also adds it to the allow-list). */
  setChannel(id: string, patch: ChannelInit): ChannelState {
    const prev = this.channelStates.get(id);
    const state: ChannelState = {
      id,
      name: patch.name ?? prev?.name ?? id.toLowerCase(),
      is_private: patch.is_private ?? prev?.is_private ?? false,
      is_archived: patch.is_archived ?? prev?.is_archived ?? false,
      is_member: patch.is_member ?? prev?.is_member ?? true,
      is_im: id.startsWith('D'),
    };
    this.channelStates.set(id, state);
    return state;
  }

  /** The bot token's scopes now (as if the app were reinstalled with these). */
  setScopes(scopes: string[]): void {
    this.scopeSet = new Set(scopes);
  }

  get scopes(): string[] {
    return [...this.scopeSet];
  }

  /** What `apps.connections.open` answers: a fresh WebSocket URL each time. */
  setSocketModeUrl(url: (() => string) | null): void {
    this.socketModeUrl = url;
  }

  setUser(id: string, flags: UserFlags): void {
    this.users.set(id, { ...this.users.get(id), ...flags });
  }

  /** Put a message into a channel as if someone else had posted it (a human, another app). */
  addMessage(channel: string, msg: Partial<StoredMessage> = {}): StoredMessage {
    const stored: StoredMessage = {
      type: 'message',
      user: 'U0HUMAN',
      text: '',
      ...msg,
      channel,
      ts: msg.ts ?? this.nextTs(),
    };
    this.insert(stored);
    return stored;
  }

  /**
   * Script the next `times` requests to `method` (optionally only those for `fault.channel`) to fail.
   * `times` may be Infinity. Rules are consumed in the order they were added.
   */
  failNext(method: string, fault: Fault, times = 1): this {
    const rules = this.faults.get(method) ?? [];
    rules.push({ fault, remaining: times });
    this.faults.set(method, rules);
    return this;
  }

  /** Drop all scripted faults (for a method, or all). */
  clearFaults(method?: string): void {
    if (method) this.faults.delete(method);
    else this.faults.clear();
  }

  /**
   * The next `times` requests to `method` are processed (a message IS stored) but their HTTP answers are
   * held until `hold.release()`, `server.release()` or `close()` (which destroys the socket, as a crash
   * or a network cut would).
   */
  holdNext(method: string, opts: { channel?: string; times?: number } = {}): Hold {
    let resolve!: (call: RecordedCall) => void;
    const held = new Promise<RecordedCall>((r) => {
      resolve = r;
    });
    const rule: HoldRule = {
      channel: opts.channel,
      remaining: opts.times ?? 1,
      resolve,
      releasers: [],
      released: false,
    };
    const rules = this.holds.get(method) ?? [];
    rules.push(rule);
    this.holds.set(method, rules);
    return {
      held,
      release: () => {
        rule.released = true;
        for (const r of rule.releasers.splice(0)) r();
      },
    };
  }

  /** Answer every held or hung request now. */
  release(): void {
    for (const rules of this.holds.values()) for (const rule of rules) rule.released = true;
    for (const r of [...this.pending]) r();
  }

  /** Number of requests currently held or hung. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Forget calls, messages, faults, holds, views, responses (channels and users stay). */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.ephemerals.length = 0;
    this.views.clear();
    this.store.clear();
    this.faults.clear();
    this.holds.clear();
  }

  // ---------------------------------------------------------------- waiting

  /**
   * Resolve with the first truthy value of `predicate`, evaluated now and after every recorded call,
   * stored message or response. Rejects after `timeoutMs`, or when the predicate throws.
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        let value: T | undefined | null | false;
        try {
          value = predicate();
        } catch (err) {
          cleanup();
          reject(err);
          return true;
        }
        if (value) {
          cleanup();
          resolve(value as T);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        const recent = this.calls.slice(-10).map((c) => `${c.method}:${c.outcome ?? 'pending'}`);
        reject(
          new Error(`waitFor timed out after ${timeoutMs} ms; last calls: ${recent.join(', ') || 'none'}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('change', check);
      };
      this.events.on('change', check);
      check();
    });
  }

  /** Resolve with the n-th (1-based) call to `method` once it has been recorded. */
  waitForCall(method: string, n = 1, timeoutMs = 5000): Promise<RecordedCall> {
    return this.waitFor(() => this.callsTo(method)[n - 1], timeoutMs);
  }

  /** Resolve with the n-th (1-based) response_url body. */
  waitForResponse(n = 1, timeoutMs = 5000): Promise<RecordedResponse> {
    return this.waitFor(() => this.responses[n - 1], timeoutMs);
  }

  /** Stop: destroys open sockets (held and hung requests see a connection reset). */
  async close(): Promise<void> {
    this.pending.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  // ---------------------------------------------------------------- HTTP

  private changed(): void {
    this.events.emit('change');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');

    const responseMatch = /^\/response\/([^/]+)$/.exec(url.pathname);
    if (responseMatch && req.method === 'POST') {
      await this.handleResponseUrl(decodeURIComponent(responseMatch[1] ?? ''), raw, req, res);
      return;
    }
    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!apiMatch || (req.method !== 'POST' && req.method !== 'GET')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const method = apiMatch[1] ?? '';
    let args: Args;
    try {
      args = {
        ...Object.fromEntries(url.searchParams),
        ...parseBody(raw, req.headers['content-type'] ?? ''),
      };
    } catch {
      this.sendJson(res, { ok: false, error: 'invalid_json' });
      return;
    }
    args = decodeJsonFields(args);
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
    const token = bearer ?? str(args.token);
    const call: RecordedCall = { method, args, at: Date.now(), token };
    this.calls.push(call);
    this.changed();

    const fault = this.takeFault(method, str(args.channel));
    if (fault) {
      if ('delayMs' in fault) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, fault.delayMs);
          res.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (res.destroyed) {
          call.outcome = 'dropped';
          this.changed();
          return;
        }
      } else if (this.applyFault(fault, call, res, () => this.answer(call, res))) {
        return;
      }
    }
    this.answer(call, res);
  }

  /** Process a call and write its answer (or hold it). */
  private answer(call: RecordedCall, res: ServerResponse): void {
    const result = this.dispatch(call);
    call.outcome = result.ok ? 'ok' : result.error;
    const hold = this.takeHold(call.method, str(call.args.channel));
    if (hold) {
      call.outcome = `held:${call.outcome}`;
      const send = () => {
        this.pending.delete(send);
        if (!res.destroyed && !res.writableEnded) this.sendJson(res, result);
      };
      if (hold.released) {
        send();
      } else {
        this.pending.add(send);
        hold.releasers.push(send);
        res.on('close', () => this.pending.delete(send));
      }
      this.changed();
      hold.resolve(call);
      return;
    }
    this.sendJson(res, result);
    this.changed();
  }

  /** Returns true when the fault answered (or parked) the request itself. */
  private applyFault(fault: Fault, call: RecordedCall, res: ServerResponse, proceed: () => void): boolean {
    if ('hang' in fault) {
      call.outcome = 'hang';
      const go = () => {
        this.pending.delete(go);
        if (!res.destroyed && !res.writableEnded) proceed();
      };
      this.pending.add(go);
      res.on('close', () => this.pending.delete(go));
      this.changed();
      return true;
    }
    if ('drop' in fault) {
      call.outcome = 'dropped';
      res.socket?.destroy();
      this.changed();
      return true;
    }
    if ('error' in fault) {
      call.outcome = fault.error;
      this.sendJson(res, { ok: false, error: fault.error, ...fault.extra });
      this.changed();
      return true;
    }
    if ('status' in fault) {
      call.outcome = `http_${fault.status}`;
      if (fault.status === 429) {
        const retryAfter = 'retryAfter' in fault ? fault.retryAfter : 1;
        const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
        if (retryAfter !== null && retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
        res.writeHead(429, headers).end(fault.body ?? JSON.stringify({ ok: false, error: 'ratelimited' }));
      } else {
        res
          .writeHead(fault.status, { 'content-type': 'text/html; charset=utf-8' })
          .end(fault.body ?? `<html><body>${fault.status} from the test Slack</body></html>`);
      }
      this.changed();
      return true;
    }
    return false;
  }

  private takeFault(method: string, channel: string | undefined): Fault | undefined {
    const rules = this.faults.get(method);
    if (!rules) return undefined;
    const i = rules.findIndex((r) => r.fault.channel === undefined || r.fault.channel === channel);
    if (i === -1) return undefined;
    const rule = rules[i]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) rules.splice(i, 1);
    return rule.fault;
  }

  private takeHold(method: string, channel: string | undefined): HoldRule | undefined {
    const rules = this.holds.get(method);
    if (!rules) return undefined;
    const i = rules.findIndex((r) => r.channel === undefined || r.channel === channel);
    if (i === -1) return undefined;
    const rule = rules[i]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) rules.splice(i, 1);
    return rule;
  }

  private async handleResponseUrl(id: string, raw: string, req: IncomingMessage, res: ServerResponse) {
    let body: unknown = raw;
    if ((req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const call: RecordedCall = { method: 'response_url', args: { id, body }, at: Date.now() };
    const fault = this.takeFault('response_url', undefined);
    if (fault) {
      this.calls.push(call);
      if ('delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
      else if (this.applyFault(fault, call, res, () => this.recordResponse(call, id, body, res))) return;
    } else {
      this.calls.push(call);
    }
    this.recordResponse(call, id, body, res);
  }

  private recordResponse(call: RecordedCall, id: string, body: unknown, res: ServerResponse) {
    call.outcome = 'ok';
    this.responses.push({ id, body, at: Date.now() });
    this.sendJson(res, { ok: true });
    this.changed();
  }

  private sendJson(res: ServerResponse, body: unknown): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }

  // ---------------------------------------------------------------- Web API methods

  private dispatch(call: RecordedCall): Result {
    const { method, args } = call;
    if (!METHODS.has(method)) return { ok: false, error: 'unknown_method', req_method: method };
    if (method === 'api.test') return { ok: true, args };
    if (!call.token) return { ok: false, error: 'not_authed' };
    if (method === 'apps.connections.open') return this.connectionsOpen(call.token);
    if (call.token === this.appToken) return { ok: false, error: 'not_allowed_token_type' };
    if (call.token !== this.token) return { ok: false, error: 'invalid_auth' };
    const missing = this.missingScope(method, args);
    if (missing) return missing;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: `https://${this.teamDomain}.slack.com/`,
          team: 'CAISI Test',
          user: 'caisi-watch',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral':
        return this.postEphemeral(args);
      case 'chat.getPermalink':
        return this.getPermalink(args);
      case 'conversations.history':
        return this.history(args);
      case 'conversations.replies':
        return this.replies(args);
      case 'conversations.info':
        return this.info(args);
      case 'conversations.open':
        return this.open(args);
      case 'conversations.join':
        return this.join(args);
      case 'views.publish':
        return this.publish(args);
      case 'users.info':
        return this.userInfo(args);
      default:
        return { ok: false, error: 'unknown_method', req_method: method };
    }
  }

  private get chatWritePublic(): boolean {
    return this.chatWritePublicOption ?? this.scopeSet.has('chat:write.public');
  }

  /** `missing_scope` when the token has none of the scopes `method` needs here, as Slack words it. */
  private missingScope(method: string, args: Args): Result | undefined {
    let kind: ConversationKind | undefined;
    const id = str(args.channel);
    if (id) {
      const state = this.channelStates.get(id);
      kind = state ? (state.is_im ? 'im' : state.is_private ? 'groups' : 'channels') : kindOfId(id);
    }
    const needed = scopesFor(method, kind);
    if (!needed || needed.some((s) => this.scopeSet.has(s))) return undefined;
    return {
      ok: false,
      error: 'missing_scope',
      needed: needed.join(','),
      provided: [...this.scopeSet].join(','),
    };
  }

  /** Socket Mode: the app-level token gets a WebSocket URL; a bot token is the wrong kind. */
  private connectionsOpen(token: string): Result {
    if (token === this.token) return { ok: false, error: 'not_allowed_token_type' };
    if (token !== this.appToken) return { ok: false, error: 'invalid_auth' };
    if (!this.socketModeUrl) return { ok: false, error: 'internal_error' };
    return { ok: true, url: this.socketModeUrl() };
  }

  private nextTs(): string {
    let micros = BigInt(Math.floor(this.now())) * 1000n;
    if (micros <= this.lastMicros) micros = this.lastMicros + 1n;
    this.lastMicros = micros;
    return microsToTs(micros);
  }

  private insert(msg: StoredMessage): void {
    const list = this.store.get(msg.channel) ?? [];
    const key = tsToMicros(msg.ts);
    let i = list.length;
    while (i > 0 && tsToMicros(list[i - 1]!.ts) > key) i--;
    list.splice(i, 0, msg);
    this.store.set(msg.channel, list);
    if (key > this.lastMicros) this.lastMicros = key;
  }

  /** Map a user id (U…/W…) to the bot's DM with them. */
  private dmFor(userId: string): string {
    const id = `D${userId.slice(1)}`;
    if (!this.channelStates.has(id)) this.setChannel(id, { name: userId, is_private: true, is_member: true });
    return id;
  }

  /** Resolve a channel argument; an error code when it cannot be used for `purpose`. */
  private resolveChannel(
    value: unknown,
    purpose: 'post' | 'read' | 'info',
  ): { ok: true; channel: ChannelState } | { ok: false; error: string } {
    let id = str(value);
    if (!id) return { ok: false, error: 'channel_not_found' };
    if (purpose === 'post' && /^[UW]/.test(id)) id = this.dmFor(id);
    let state = this.channelStates.get(id);
    if (!state) {
      if (this.restrictChannels || !/^[CGD][A-Z0-9]+$/.test(id))
        return { ok: false, error: 'channel_not_found' };
      state = this.setChannel(id, {});
    }
    if (state.is_private && !state.is_member) return { ok: false, error: 'channel_not_found' };
    if (purpose === 'post') {
      if (state.is_archived) return { ok: false, error: 'is_archived' };
      if (!state.is_member && !this.chatWritePublic) return { ok: false, error: 'not_in_channel' };
    }
    if (purpose === 'read' && !state.is_member) return { ok: false, error: 'not_in_channel' };
    return { ok: true, channel: state };
  }

  private checkContent(args: Args, requireContent: boolean): Result | undefined {
    if (args.blocks !== undefined) {
      if (!Array.isArray(args.blocks)) return { ok: false, error: 'invalid_blocks_format' };
      const errors = validateBlocks(args.blocks, MAX_BLOCKS_PER_MESSAGE);
      if (errors.length)
        return { ok: false, error: 'invalid_blocks', response_metadata: { messages: errors } };
    }
    if (args.attachments !== undefined && !Array.isArray(args.attachments)) {
      return { ok: false, error: 'invalid_attachments' };
    }
    if (args.metadata !== undefined) {
      const m = args.metadata as { event_type?: unknown; event_payload?: unknown } | string;
      if (
        typeof m !== 'object' ||
        m === null ||
        typeof m.event_type !== 'string' ||
        !m.event_type ||
        (m.event_payload !== undefined && (typeof m.event_payload !== 'object' || m.event_payload === null))
      ) {
        return { ok: false, error: 'invalid_metadata_format' };
      }
    }
    const text = str(args.text);
    if (requireContent && !text && !(Array.isArray(args.blocks) && args.blocks.length) && !args.attachments) {
      return { ok: false, error: 'no_text' };
    }
    return undefined;
  }

  private postMessage(args: Args): Result {
    const resolved = this.resolveChannel(args.channel, 'post');
    if (!resolved.ok) return resolved;
    const invalid = this.checkContent(args, true);
    if (invalid) return invalid;
    const channel = resolved.channel.id;
    const threadTs = str(args.thread_ts);
    const msg: StoredMessage = {
      type: 'message',
      channel,
      ts: this.nextTs(),
      text: str(args.text) ?? '',
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
    };
    if (Array.isArray(args.blocks)) msg.blocks = args.blocks;
    if (Array.isArray(args.attachments)) msg.attachments = args.attachments;
    if (args.metadata) msg.metadata = args.metadata as StoredMessage['metadata'];
    if (threadTs) {
      const parent = this.message(channel, threadTs);
      if (parent?.thread_ts && parent.thread_ts !== parent.ts) {
        return { ok: false, error: 'invalid_thread_ts' };
      }
      msg.thread_ts = threadTs;
      if (bool(args.reply_broadcast)) msg.reply_broadcast = true;
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
      }
    }
    for (const key of ['unfurl_links', 'unfurl_media', 'link_names', 'parse', 'mrkdwn'] as const) {
      if (args[key] !== undefined) msg[`_${key}`] = args[key];
    }
    this.insert(msg);
    return { ok: true, channel, ts: msg.ts, message: this.present(msg, true) };
  }

  private update(args: Args): Result {
    const resolved = this.resolveChannel(args.channel, 'post');
    if (!resolved.ok) return resolved;
    const ts = str(args.ts);
    const msg = ts ? this.message(resolved.channel.id, ts) : undefined;
    if (!msg) return { ok: false, error: 'message_not_found' };
    if (msg.bot_id !== this.botId) return { ok: false, error: 'cant_update_message' };
    const invalid = this.checkContent(args, false);
    if (invalid) return invalid;
    if (args.text !== undefined) msg.text = str(args.text) ?? '';
    if (Array.isArray(args.blocks)) msg.blocks = args.blocks;
    if (Array.isArray(args.attachments)) msg.attachments = args.attachments;
    if (args.metadata) msg.metadata = args.metadata as StoredMessage['metadata'];
    msg.edited = { user: this.botUserId, ts: this.nextTs() };
    this.changed();
    return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text, message: this.present(msg, true) };
  }

  private postEphemeral(args: Args): Result {
    const resolved = this.resolveChannel(args.channel, 'post');
    if (!resolved.ok) return resolved;
    const user = str(args.user);
    if (!user) return { ok: false, error: 'user_not_found' };
    const invalid = this.checkContent(args, true);
    if (invalid) return invalid;
    const eph: StoredEphemeral = {
      channel: resolved.channel.id,
      user,
      text: str(args.text),
      blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
      thread_ts: str(args.thread_ts),
      message_ts: this.nextTs(),
    };
    this.ephemerals.push(eph);
    return { ok: true, message_ts: eph.message_ts };
  }

  private getPermalink(args: Args): Result {
    const resolved = this.resolveChannel(args.channel, 'info');
    if (!resolved.ok) return resolved;
    const ts = str(args.message_ts);
    const msg = ts ? this.message(resolved.channel.id, ts) : undefined;
    if (!msg) return { ok: false, error: 'message_not_found' };
    let permalink = `https://${this.teamDomain}.slack.com/archives/${msg.channel}/p${msg.ts.replace('.', '')}`;
    if (msg.thread_ts && msg.thread_ts !== msg.ts)
      permalink += `?thread_ts=${msg.thread_ts}&cid=${msg.channel}`;
    return { ok: true, channel: msg.channel, permalink };
  }

  /** The message as the API shows it; metadata whole only when asked for. */
  private present(msg: StoredMessage, allMetadata: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(msg)) {
      if (k === 'channel' || k.startsWith('_') || v === undefined) continue;
      out[k] = v;
    }
    if (msg.metadata) {
      out.metadata = allMetadata ? msg.metadata : { event_type: msg.metadata.event_type };
    }
    return structuredClone(out);
  }

  /** One page of `list` (already in answer order); the cursor names the ts of the next message. */
  private page(list: StoredMessage[], args: Args, allMetadata: boolean, newestFirst: boolean): Result {
    const requested = Number(str(args.limit) ?? 100);
    const limit = Number.isFinite(requested) && requested > 0 ? Math.min(Math.floor(requested), 999) : 100;
    let start = 0;
    const cursor = str(args.cursor);
    if (cursor) {
      const m = /^next_ts:(\d+\.\d{6})$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
      if (!m?.[1]) return { ok: false, error: 'invalid_cursor' };
      const from = tsToMicros(m[1]);
      start = list.findIndex((msg) =>
        newestFirst ? tsToMicros(msg.ts) <= from : tsToMicros(msg.ts) >= from,
      );
      if (start === -1) start = list.length;
    }
    const slice = list.slice(start, start + limit);
    const next = list[start + limit];
    return {
      ok: true,
      messages: slice.map((m) => this.present(m, allMetadata)),
      has_more: next !== undefined,
      pin_count: 0,
      response_metadata: { next_cursor: next ? Buffer.from(`next_ts:${next.ts}`).toString('base64') : '' },
    };
  }

  private history(args: Args): Result {
    const resolved = this.resolveChannel(args.channel, 'read');
    if (!resolved.ok) return resolved;
    const inclusive = bool(args.inclusive);
    const oldestArg = str(args.oldest);
    const latestArg = str(args.latest);
    const oldest = oldestArg ? tsToMicros(oldestArg) : undefined;
    const latest = latestArg ? tsToMicros(latestArg) : undefined;
    const list = (this.store.get(resolved.channel.id) ?? [])
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.reply_broadcast)
      .filter((m) => {
        const t = tsToMicros(m.ts);
        if (oldest !== undefined && (inclusive ? t < oldest : t <= oldest)) return false;
        if (latest !== undefined && (inclusive ? t > latest : t >= latest)) return false;
        return true;
      })
      .reverse();
    return this.page(list, args, bool(args.include_all_metadata), true);
  }

  private replies(args: Args): Result {
    const resolved = this.resolveChannel(args.channel, 'read');
    if (!resolved.ok) return resolved;
    const ts = str(args.ts);
    const parent = ts ? this.message(resolved.channel.id, ts) : undefined;
    if (!parent || !ts) return { ok: false, error: 'thread_not_found' };
    const list = (this.store.get(resolved.channel.id) ?? []).filter((m) => m.ts === ts || m.thread_ts === ts);
    return this.page(list, args, bool(args.include_all_metadata), false);
  }

  private info(args: Args): Result {
    const resolved = this.resolveChannel(args.channel, 'info');
    if (!resolved.ok) return resolved;
    const c = resolved.channel;
    return {
      ok: true,
      channel: {
        id: c.id,
        name: c.name,
        is_channel: !c.is_im && !c.is_private,
        is_group: !c.is_im && c.is_private,
        is_im: c.is_im,
        is_private: c.is_private,
        is_archived: c.is_archived,
        is_member: c.is_member,
      },
    };
  }

  private open(args: Args): Result {
    const users = (str(args.users) ?? '').split(',').filter(Boolean);
    const first = users[0];
    if (!first || !/^[UW][A-Z0-9]+$/.test(first)) return { ok: false, error: 'user_not_found' };
    if (users.length > 1) return { ok: false, error: 'not_supported_by_test_server' };
    return { ok: true, channel: { id: this.dmFor(first) } };
  }

  /**
   * `conversations.join` (scope channels:join): the bot becomes a member of a public channel. Private
   * channels and DMs cannot be joined (`method_not_supported_for_channel_type`); archived ones give
   * `is_archived`. Joining again answers ok with the `already_in_channel` warning, as Slack does.
   */
  private join(args: Args): Result {
    const id = str(args.channel);
    const existing = id ? this.channelStates.get(id) : undefined;
    if (existing && (existing.is_im || existing.is_private)) {
      // A private channel the bot is not in is invisible to it, as in conversations.info.
      if (existing.is_private && !existing.is_member && !existing.is_im)
        return { ok: false, error: 'channel_not_found' };
      return { ok: false, error: 'method_not_supported_for_channel_type' };
    }
    const resolved = this.resolveChannel(args.channel, 'info');
    if (!resolved.ok) return resolved;
    const c = resolved.channel;
    if (c.is_archived) return { ok: false, error: 'is_archived' };
    const already = c.is_member;
    c.is_member = true;
    this.changed();
    const channel = {
      id: c.id,
      name: c.name,
      is_channel: true,
      is_private: false,
      is_archived: false,
      is_member: true,
    };
    return already
      ? {
          ok: true,
          channel,
          warning: 'already_in_channel',
          response_metadata: { warnings: ['already_in_channel'] },
        }
      : { ok: true, channel };
  }

  private publish(args: Args): Result {
    const userId = str(args.user_id);
    if (!userId || !/^[UW][A-Z0-9]+$/.test(userId)) return { ok: false, error: 'invalid_arguments' };
    const view = args.view;
    if (!view || typeof view !== 'object' || (view as { type?: unknown }).type !== 'home') {
      return {
        ok: false,
        error: 'invalid_arguments',
        response_metadata: { messages: ['[ERROR] view.type must be home'] },
      };
    }
    const errors = validateBlocks((view as { blocks?: unknown }).blocks, MAX_BLOCKS_PER_VIEW, '/view/blocks');
    if (errors.length)
      return { ok: false, error: 'invalid_arguments', response_metadata: { messages: errors } };
    const previous = this.views.get(userId);
    const hash = str(args.hash);
    if (hash && previous && previous.hash !== hash) return { ok: false, error: 'hash_conflict' };
    this.viewSeq += 1;
    const stored: Record<string, unknown> = {
      ...(view as Record<string, unknown>),
      id: `V${String(this.viewSeq).padStart(6, '0')}`,
      team_id: this.teamId,
      app_id: this.appId,
      bot_id: this.botId,
      hash: `${this.viewSeq}.${Date.now()}`,
    };
    this.views.set(userId, stored);
    return { ok: true, view: structuredClone(stored) };
  }

  private userInfo(args: Args): Result {
    const id = str(args.user);
    if (!id) return { ok: false, error: 'user_not_found' };
    const flags = this.users.get(id);
    if (!flags && !/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: 'user_not_found' };
    const isBot = id === this.botUserId || flags?.is_bot === true;
    return {
      ok: true,
      user: {
        id,
        team_id: this.teamId,
        name: flags?.name ?? id.toLowerCase(),
        deleted: flags?.deleted ?? false,
        is_bot: isBot,
        is_admin: flags?.is_admin ?? false,
        is_owner: flags?.is_owner ?? false,
        is_primary_owner: flags?.is_primary_owner ?? false,
        is_restricted: false,
        is_ultra_restricted: false,
        is_app_user: false,
        tz: 'UTC',
      },
    };
  }
}

/** Start a test Slack on 127.0.0.1 with a random port. */
export async function startSlackApiServer(opts: SlackApiServerOptions = {}): Promise<SlackApiServer> {
  return new SlackApiServer(opts).listen();
}
