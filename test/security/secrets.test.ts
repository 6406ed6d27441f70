/**
 * Tokens and signing secrets never reach a log line or a config error, whatever shape they are logged in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/util/logger.js';

const BOT = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const APP = 'xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const USER = 'xoxp-1111-2222-3333-deadbeefcafe';
const SIGNING = '8f742231b10e8888abcd99yyyzzz85a5';
const SECRETS = [BOT, APP, USER, SIGNING];
/** The distinctive tail of each secret: even a partial echo must not appear. */
const TAILS = SECRETS.map((s) => s.slice(-12));

function capture(opts?: Parameters<typeof createLogger>[2]) {
  const lines: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => lines.push(line) }, opts);
  return { logger, out: () => lines.join(''), lines };
}

function expectClean(out: string): void {
  for (const s of [...SECRETS, ...TAILS]) expect(out).not.toContain(s);
}

/** The same logging calls, covering the shapes secrets turn up in. */
function logEverything(logger: ReturnType<typeof createLogger>): void {
  // Known keys, top level and nested.
  logger.info({ token: BOT, botToken: BOT, appToken: APP, signingSecret: SIGNING }, 'keys');
  logger.info({ env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_SIGNING_SECRET: SIGNING } }, 'env');
  logger.info({ slack: { app: { receiver: { signingSecret: SIGNING, clientSecret: SIGNING } } } }, 'deep');
  logger.info({ options: { auth: { token: BOT } } }, 'deeper token');
  // Headers, as HTTP clients spell them.
  logger.info({ headers: { Authorization: `Bearer ${BOT}` } }, 'capital Authorization');
  logger.info({ request: { headers: { authorization: `Bearer ${USER}` } } }, 'nested authorization');
  logger.info(
    { config: { headers: { 'X-Slack-Signature': 'v0=abc', Authorization: `Bearer ${APP}` } } },
    'axios',
  );
  // In strings: the message, format arguments, unrelated keys, URLs, arrays.
  logger.info(`connecting with ${BOT}`);
  logger.info('token %s and %s', BOT, APP);
  logger.info({ url: `https://slack.com/api/auth.test?token=${BOT}` }, 'url');
  logger.info({ list: [BOT, { t: APP }], note: `the secret is ${SIGNING}` }, 'array');
  logger.info({ glued: `token_${BOT}`, quoted: `"${USER}"` }, 'glued');
  logger.info({ rotating: 'xoxe.xoxp-1-Mi0yLTM0MTQwODY4NTk3LTM0M' }, 'rotating');
  // Errors: thrown, wrapped, with properties, under other keys.
  const err = Object.assign(new Error(`invalid_auth for ${BOT}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error: 'invalid_auth', token: BOT },
  });
  logger.error(err);
  logger.error({ err }, 'failed');
  logger.error({ error: err, cause: new Error(`signing secret ${SIGNING} rejected`) }, 'other keys');
  logger.error(new Error(`bad secret ${SIGNING}`), 'with message %s', APP);
  logger.warn({ err: `plain string error with ${APP}` }, 'string err');
  const withStack = new Error('boom');
  withStack.stack = `Error: boom with ${BOT}\n    at somewhere (${USER})`;
  logger.error({ err: withStack, stack: withStack.stack }, 'stack');
  // A class instance that holds a token (as a Slack WebClient does).
  class Client {
    token = BOT;
    slackApiUrl = 'https://slack.com/api/';
  }
  logger.debug({ client: new Client() }, 'client');
  // A child logger with bindings.
  logger.child({ signingSecret: SIGNING, botToken: BOT }).info('child');
}

describe('logs never contain tokens or the signing secret', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('with the secrets in the environment, as the bot runs: every shape is masked', () => {
    process.env.SLACK_BOT_TOKEN = BOT;
    process.env.SLACK_APP_TOKEN = APP;
    process.env.SLACK_SIGNING_SECRET = SIGNING;
    const { logger, out, lines } = capture();
    logEverything(logger);
    expect(lines.length).toBeGreaterThan(20);
    expectClean(out());
    // Still useful: the messages are there and say what was redacted.
    expect(out()).toContain('connecting with xoxb-[redacted]');
    expect(out()).toContain('invalid_auth');
  });

  it('with secrets handed to the logger explicitly (no environment)', () => {
    delete process.env.SLACK_BOT_TOKEN;
    delete process.env.SLACK_APP_TOKEN;
    delete process.env.SLACK_SIGNING_SECRET;
    const { logger, out } = capture({ secrets: [SIGNING] });
    logEverything(logger);
    expectClean(out());
  });

  it('with nothing known in advance: token-shaped strings and secret-named keys at any depth are masked', () => {
    delete process.env.SLACK_BOT_TOKEN;
    delete process.env.SLACK_APP_TOKEN;
    delete process.env.SLACK_SIGNING_SECRET;
    const { logger, out } = capture();
    logEverything(logger);
    const text = out();
    for (const s of [BOT, APP, USER]) expect(text).not.toContain(s.slice(5));
    // The signing secret is only findable by the key it is under; none of those keys leak it.
    const leaks = text.split('\n').filter((l) => l.includes(SIGNING));
    // Only free text that names no key ("the secret is …", an error message "bad secret …") can carry a
    // secret nobody told the logger about; everything under a key was masked. Hence the environment.
    for (const l of leaks) expect(l).toMatch(/"msg":"(array|other keys|with message xapp-\[redacted\])"/);
  });
});

/** True when any 10 characters in a row of `secret` appear in `text`. */
function echoes(text: string, secret: string): boolean {
  for (let i = 0; i + 10 <= secret.length; i++) if (text.includes(secret.slice(i, i + 10))) return true;
  return false;
}

describe('config errors never echo a secret', () => {
  const cases: { name: string; env: Record<string, string>; secret: string }[] = [
    {
      name: 'bot token with the wrong prefix',
      env: { SLACK_BOT_TOKEN: 'xoxp-9999-8888-secretsecretsecret' },
      secret: 'xoxp-9999-8888-secretsecretsecret',
    },
    { name: 'app token given as the bot token', env: { SLACK_BOT_TOKEN: APP }, secret: APP },
    {
      name: 'bot token given as the app token',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: BOT },
      secret: BOT,
    },
    {
      name: 'signing secret too short',
      env: { SLACK_SIGNING_SECRET: 'abc123secret' },
      secret: 'abc123secret',
    },
    {
      name: 'signing secret with symbols',
      env: { SLACK_SIGNING_SECRET: 'S3cr3t!with$ymbols"quoted"9999' },
      secret: 'S3cr3t!with$ymbols"quoted"9999',
    },
    {
      name: 'signing secret with a newline',
      env: { SLACK_SIGNING_SECRET: `${SIGNING}\nextra-line-secret` },
      secret: `${SIGNING}\nextra-line-secret`,
    },
    { name: 'token pasted into CAISI_ADMINS', env: { CAISI_ADMINS: `U0123ABCD,${BOT}` }, secret: BOT },
    {
      name: 'signing secret pasted into CAISI_ADMINS',
      env: { SLACK_SIGNING_SECRET: SIGNING, CAISI_ADMINS: SIGNING },
      secret: SIGNING,
    },
    {
      name: 'signing secret pasted into CAISI_CHANNEL',
      env: { CAISI_CHANNEL: SIGNING.toLowerCase() },
      secret: SIGNING,
    },
    { name: 'token pasted into LOG_LEVEL', env: { LOG_LEVEL: BOT }, secret: BOT },
    { name: 'token pasted into SLACK_API_URL', env: { SLACK_API_URL: BOT }, secret: BOT },
    { name: 'token pasted into PORT', env: { PORT: APP }, secret: APP },
    {
      name: 'token pasted into CAISI_ALLOW_PRIVATE_FEEDS',
      env: { CAISI_ALLOW_PRIVATE_FEEDS: USER },
      secret: USER,
    },
  ];
  it.each(cases)('$name: one line per problem, naming the variable, without the value', ({ env, secret }) => {
    let error: unknown;
    try {
      parseEnv(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const e = error as EnvError;
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(p).not.toMatch(/\n/);
      expect(p).toMatch(/^[A-Z_]+: /);
    }
    expect(echoes(e.message, secret), e.message).toBe(false);
    expect(echoes(e.message, secret.toLowerCase()), e.message).toBe(false);
  });
});
