/**
 * The pure error classifier, fed the errors a real WebClient throws against the local Slack API
 * server: each fault gets the verdict the deliverer acts on.
 */
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySlackError, scopeLabel } from '../../src/slack/slack-errors.js';
import { silentClientLogger } from '../helpers/silent-logger.js';
import { type Fault, type SlackApiServer, startSlackApiServer } from '../slack-api-server.js';

const TOKEN = 'xoxb-classifier-token';
let slack: SlackApiServer;
let web: InstanceType<typeof webApi.WebClient>;

beforeAll(async () => {
  slack = await startSlackApiServer({ token: TOKEN, scopes: ['chat:write', 'im:write'] });
  web = new webApi.WebClient(TOKEN, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silentClientLogger,
  });
});
afterAll(() => slack.close());

async function errorOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded');
}

const post = (fault?: Fault) => {
  if (fault) slack.failNext('chat.postMessage', fault);
  return errorOf(() => web.chat.postMessage({ channel: 'C0X', text: 'x' }));
};

describe('classifySlackError', () => {
  it('missing_scope names the scope Slack says is needed, and is not an auth failure', async () => {
    const err = await errorOf(() => web.conversations.history({ channel: 'D0ADMIN' }));
    expect(classifySlackError(err)).toEqual({ kind: 'missing-scope', scope: 'im:history' });
    const join = await errorOf(() => web.conversations.join({ channel: 'C0X' }));
    expect(classifySlackError(join)).toEqual({ kind: 'missing-scope', scope: 'channels:join' });
  });

  it('several acceptable scopes read as alternatives', () => {
    expect(scopeLabel('im:write,mpim:write')).toBe('im:write or mpim:write');
  });

  it('token, channel, content, rate-limit and transport faults each get their verdict', async () => {
    expect(classifySlackError(await post({ error: 'invalid_auth' }))).toEqual({
      kind: 'auth',
      code: 'invalid_auth',
    });
    expect(classifySlackError(await post({ error: 'token_revoked' }))).toEqual({
      kind: 'auth',
      code: 'token_revoked',
    });
    expect(classifySlackError(await post({ error: 'not_in_channel' }))).toEqual({
      kind: 'park',
      code: 'not_in_channel',
    });
    expect(classifySlackError(await post({ error: 'invalid_blocks' }))).toEqual({
      kind: 'content',
      code: 'invalid_blocks',
    });
    expect(classifySlackError(await post({ error: 'internal_error' }))).toEqual({
      kind: 'refused',
      code: 'internal_error',
    });
    expect(classifySlackError(await post({ status: 429, retryAfter: 7 }))).toEqual({
      kind: 'rate-limited',
      retryAfterSeconds: 7,
    });
    expect(classifySlackError(await post({ status: 503 }))).toMatchObject({ kind: 'unknown-outcome' });
    expect(classifySlackError(await post({ drop: true }))).toMatchObject({ kind: 'unknown-outcome' });
    expect(classifySlackError(new Error('anything else'))).toEqual({
      kind: 'unknown-outcome',
      message: 'anything else',
    });
  });
});
