/**
 * Send correctly signed Slack requests (slash commands, block actions) to a Bolt HTTP receiver, as Slack
 * would. See notes/slack-platform.md §2:
 * - signature `v0=` + hex HMAC-SHA256(secret, `v0:<ts>:<raw body>`);
 * - Bolt compares the content type with `=== 'application/x-www-form-urlencoded'`, so the body is sent
 *   as a string with exactly that header (a URLSearchParams body makes fetch append `;charset=UTF-8`,
 *   which Bolt then tries to JSON.parse and answers 400);
 * - Bolt always checks the timestamp against the real clock (now − 5 min), so sign with `Date.now()`;
 *   a replay test passes `timestamp: now − 301`.
 */
import { createHmac } from 'node:crypto';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export interface SignedHeaders {
  'content-type': string;
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
  [name: string]: string;
}

export interface SignOptions {
  /** Unix seconds; default: now. */
  timestamp?: number;
  /** Send a signature that does not match the body. */
  badSignature?: boolean;
  /** Extra headers (e.g. `x-slack-retry-num`). */
  headers?: Record<string, string>;
}

export interface SlackHttpResult {
  status: number;
  /** Parsed JSON when the body is JSON, else the raw text ('' when empty). */
  body: unknown;
  /** The raw response text. */
  text: string;
  headers: Headers;
  /** Round-trip time in milliseconds. */
  ms: number;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `v0=<hex>` for a body, as in Slack's docs. */
export function computeSignature(secret: string, body: string, timestamp: number | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Headers for a form-encoded request signed with `secret`. */
export function signedHeaders(secret: string, body: string, ts: number = nowSeconds()): SignedHeaders {
  return {
    'content-type': FORM_CONTENT_TYPE,
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': computeSignature(secret, body, ts),
  };
}

export interface SlashCommandFields {
  text?: string;
  user_id?: string;
  channel_id?: string;
  command?: string;
  team_id?: string;
  team_domain?: string;
  channel_name?: string;
  user_name?: string;
  api_app_id?: string;
  trigger_id?: string;
  response_url?: string;
  enterprise_id?: string;
  is_enterprise_install?: string;
  [field: string]: string | undefined;
}

/** The fields Slack sends for `/caisi <text>`, over HTTP or Socket Mode (defaults fill what Bolt and handlers read). */
export function slashCommandFields(fields: SlashCommandFields = {}): Record<string, string> {
  const defaults: Record<string, string> = {
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    team_domain: 'caisi-test',
    channel_id: 'C0TEST',
    channel_name: 'policy',
    user_id: 'U0TEST',
    user_name: 'tester',
    command: '/caisi',
    text: '',
    api_app_id: 'A0TEST',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.com/commands/T0TEST/1/abc',
    trigger_id: '1.2.abc',
  };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...defaults, ...fields }))
    if (value !== undefined) out[key] = value;
  return out;
}

/** The form body Slack sends for `/caisi <text>`. */
export function slashCommandBody(fields: SlashCommandFields = {}): string {
  return new URLSearchParams(slashCommandFields(fields)).toString();
}

/** POST a raw body, signed, and measure the answer. */
export async function sendSigned(
  url: string,
  secret: string,
  body: string,
  opts: SignOptions = {},
): Promise<SlackHttpResult> {
  const headers: Record<string, string> = { ...signedHeaders(secret, body, opts.timestamp), ...opts.headers };
  if (opts.badSignature)
    headers['x-slack-signature'] = computeSignature(`${secret}-wrong`, body, opts.timestamp ?? nowSeconds());
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  const ms = performance.now() - started;
  let parsed: unknown = text;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed, text, headers: res.headers, ms };
}

/** Send `/caisi` (or `fields.command`) with `fields.text` to a Bolt receiver URL (…/slack/events). */
export function sendSlashCommand(
  url: string,
  secret: string,
  fields: SlashCommandFields,
  opts: SignOptions = {},
): Promise<SlackHttpResult> {
  return sendSigned(url, secret, slashCommandBody(fields), opts);
}

/** Send an interactive payload (e.g. `block_actions`) as Slack does: `payload=<json>`, form-encoded. */
export function sendBlockAction(
  url: string,
  secret: string,
  payload: Record<string, unknown>,
  opts: SignOptions = {},
): Promise<SlackHttpResult> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSigned(url, secret, body, opts);
}

export interface BlockActionInput {
  actionId: string;
  value?: string;
  blockId?: string;
  userId?: string;
  channelId?: string;
  teamId?: string;
  messageTs?: string;
  responseUrl?: string;
}

/** A minimal but well-formed `block_actions` payload for one button click. */
export function buttonClickPayload(input: BlockActionInput): Record<string, unknown> {
  const teamId = input.teamId ?? 'T0TEST';
  const userId = input.userId ?? 'U0TEST';
  const channelId = input.channelId ?? 'C0TEST';
  const messageTs = input.messageTs ?? '1700000000.000100';
  return {
    type: 'block_actions',
    api_app_id: 'A0TEST',
    token: 'deprecated-verification-token',
    team: { id: teamId, domain: 'caisi-test' },
    user: { id: userId, username: 'tester', name: 'tester', team_id: teamId },
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    channel: { id: channelId, name: 'policy' },
    message: { type: 'message', ts: messageTs, text: 'alert', blocks: [] },
    trigger_id: '1.2.abc',
    response_url: input.responseUrl ?? 'https://hooks.slack.com/actions/T0TEST/1/abc',
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: input.blockId ?? 'actions',
        value: input.value ?? '',
        text: { type: 'plain_text', text: 'Button', emoji: true },
        action_ts: `${nowSeconds()}.000001`,
      },
    ],
  };
}

export const JSON_CONTENT_TYPE = 'application/json';

/** An Events API callback (`event_callback`) wrapping `event`, as Slack POSTs it. */
export function eventCallbackBody(event: Record<string, unknown>, teamId = 'T0TEST'): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: teamId,
    api_app_id: 'A0TEST',
    event: { event_ts: `${nowSeconds()}.000100`, ...event },
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: nowSeconds(),
    authorizations: [{ team_id: teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  });
}

/** Send an Events API event: a JSON body (content-type application/json), signed like any request. */
export function sendEvent(
  url: string,
  secret: string,
  event: Record<string, unknown>,
  opts: SignOptions = {},
): Promise<SlackHttpResult> {
  return sendSigned(url, secret, eventCallbackBody(event), {
    ...opts,
    headers: { 'content-type': JSON_CONTENT_TYPE, ...opts.headers },
  });
}

/** An `app_home_opened` event for the Home tab. */
export function sendAppHomeOpened(url: string, secret: string, userId: string, opts: SignOptions = {}) {
  return sendEvent(
    url,
    secret,
    { type: 'app_home_opened', user: userId, channel: `D${userId.slice(1)}`, tab: 'home' },
    opts,
  );
}
