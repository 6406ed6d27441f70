/**
 * What a failed Slack Web API call means for a delivery, decided from the error alone (pure; no
 * I/O). The deliverer acts on the verdict: wait, park one delivery, stop posting, send a plainer
 * message, or look the message up before sending it again.
 */

/** Errors after which the delivery waits for a person (bot not in channel, channel gone). */
export const PARK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'restricted_action',
  'cannot_dm_bot',
  'user_not_found',
]);

/**
 * Errors about the token itself: nothing can be posted until it is fixed. `missing_scope` is not
 * one of them: it concerns one method (or one kind of conversation) and only the deliveries that
 * need it.
 */
export const AUTH_ERRORS = new Set([
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'not_authed',
  'team_access_not_granted',
]);

/** Errors about the message itself: send a plainer, shorter one instead. */
export const CONTENT_ERRORS = new Set([
  'msg_too_long',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'too_many_blocks',
  'invalid_metadata_format',
  'metadata_too_large',
]);

export type SlackCallError = Error & {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string; needed?: string; provided?: string };
};

export type SlackFault =
  /** 429 or `ratelimited`: wait this long in that channel. */
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  /**
   * The token lacks a scope: park what needs it, tell the admins which scope to add. `scope` is
   * Slack's `needed` (when it lists several, any one of them will do).
   */
  | { kind: 'missing-scope'; scope: string }
  /** The token is refused: stop posting until restart with a good one. */
  | { kind: 'auth'; code: string }
  /** The channel cannot take it (not a member, gone, archived): park until a person acts. */
  | { kind: 'park'; code: string }
  /** Slack refused the message's content: send a plainer one. */
  | { kind: 'content'; code: string }
  /** Slack answered no (nothing was done): retry with backoff. */
  | { kind: 'refused'; code: string }
  /** Timeout, network error, 5xx: the call may or may not have taken effect. */
  | { kind: 'unknown-outcome'; message: string };

/** Slack's `needed` as a clean comma-separated list of scope names ('unknown' if it has none). */
function neededScope(needed: string | undefined): string {
  const scopes = (needed ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^[a-z][a-z0-9_.:-]{0,80}$/i.test(s));
  return scopes.length ? scopes.slice(0, 8).join(',') : 'unknown';
}

/** How a person reads it: `im:history`, or `im:write or mpim:write`. */
export const scopeLabel = (scope: string) => scope.split(',').join(' or ');

export function classifySlackError(err: unknown): SlackFault {
  const e = (err ?? {}) as SlackCallError;
  const code = e.data?.error ?? '';
  if (e.code === 'slack_webapi_rate_limited_error' || code === 'ratelimited')
    return { kind: 'rate-limited', retryAfterSeconds: Math.max(1, e.retryAfter ?? 30) };
  if (e.code !== 'slack_webapi_platform_error')
    return { kind: 'unknown-outcome', message: (e.message ?? String(err)).slice(0, 300) };
  if (code === 'missing_scope') return { kind: 'missing-scope', scope: neededScope(e.data?.needed) };
  if (AUTH_ERRORS.has(code)) return { kind: 'auth', code };
  if (PARK_ERRORS.has(code)) return { kind: 'park', code };
  if (CONTENT_ERRORS.has(code)) return { kind: 'content', code };
  return { kind: 'refused', code: code || (e.message ?? 'error') };
}

/** The `last_error` of a delivery parked for a missing scope (released at the next start). */
export const MISSING_SCOPE_PREFIX = 'missing_scope';
export const missingScopeError = (scope: string) => `${MISSING_SCOPE_PREFIX}: ${scope}`;
