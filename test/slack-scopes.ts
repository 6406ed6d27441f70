/**
 * Which bot scope each Web API method needs, as Slack's method reference pages list them
 * (docs.slack.dev/reference/methods/<method>, "Scopes · Bot token"), and the bot scopes the app's
 * manifest asks for. The local Slack API server enforces this table; the manifest test checks the
 * app's calls against it.
 *
 * Conversation methods need the scope of the conversation's type: public channel `channels:…`,
 * private channel `groups:…`, DM `im:…`, group DM `mpim:…`. Where a list has several scopes, any
 * one of them will do (Slack then names them all in `needed`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export type ConversationKind = 'channels' | 'groups' | 'im' | 'mpim';

/** null: no scope beyond a valid token. A function: depends on the conversation's type. */
export type ScopeRule = null | string[] | ((kind: ConversationKind) => string[]);

export const METHOD_SCOPES: Record<string, ScopeRule> = {
  'api.test': null,
  'auth.test': null,
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.getPermalink': null,
  'conversations.history': (kind) => [`${kind}:history`],
  'conversations.replies': (kind) => [`${kind}:history`],
  'conversations.info': (kind) => [`${kind}:read`],
  // Opening a DM (im:write) or a group DM (mpim:write); Slack's page also accepts the channel-managing scopes.
  'conversations.open': ['channels:manage', 'groups:write', 'im:write', 'mpim:write'],
  'conversations.join': ['channels:join'],
  'views.publish': null,
  'users.info': ['users:read'],
};

/** The conversation type of a channel id, by its prefix (when the server knows nothing more). */
export function kindOfId(id: string): ConversationKind | undefined {
  if (/^C[A-Z0-9]+$/.test(id)) return 'channels';
  if (/^G[A-Z0-9]+$/.test(id)) return 'groups';
  if (/^D[A-Z0-9]+$/.test(id)) return 'im';
  return undefined;
}

/** The scopes that would satisfy `method` on a conversation of `kind` (null: none needed). */
export function scopesFor(method: string, kind: ConversationKind | undefined): string[] | null {
  const rule = METHOD_SCOPES[method];
  if (rule === undefined || rule === null) return null;
  if (typeof rule === 'function') return kind ? rule(kind) : null;
  return rule;
}

/** manifest.yml at the repository root (found from test/ and from dist/test/ alike). */
export const MANIFEST = (() => {
  let dir = import.meta.dirname;
  while (!existsSync(path.join(dir, 'manifest.yml')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'manifest.yml');
})();

/** The bot scopes manifest.yml asks for. */
export function manifestBotScopes(file = MANIFEST): string[] {
  const m = parse(readFileSync(file, 'utf8')) as { oauth_config?: { scopes?: { bot?: string[] } } };
  return [...(m.oauth_config?.scopes?.bot ?? [])];
}
