import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { App, LogLevel, webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/app-process.js';
import { silentClientLogger } from '../helpers/silent-logger.js';
import {
  buttonClickPayload,
  computeSignature,
  nowSeconds,
  sendBlockAction,
  sendSigned,
  sendSlashCommand,
  signedHeaders,
  slashCommandBody,
} from '../signed-request.js';
import { type SlackApiServer, startSlackApiServer } from '../slack-api-server.js';

const {
  WebClient,
  ErrorCode,
  WebAPIRateLimitedError,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRequestError,
} = webApi;
type WebClientT = InstanceType<typeof WebClient>;

const TOKEN = 'xoxb-emulator-token';

function client(
  server: SlackApiServer,
  token = TOKEN,
  extra: Partial<webApi.WebClientOptions> = {},
): WebClientT {
  return new WebClient(token, {
    slackApiUrl: server.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
    logger: silentClientLogger,
    ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('test Slack Web API server, driven by the real WebClient', () => {
  let server: SlackApiServer;
  let web: WebClientT;

  beforeEach(async () => {
    server = await startSlackApiServer({
      token: TOKEN,
      botUserId: 'U0CAISI',
      botId: 'B0CAISI',
      teamId: 'T0CAISI',
      users: { U0ADMIN: { is_admin: true }, U0OWNER: { is_owner: true } },
    });
    web = client(server);
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers auth.test with the configured identity', async () => {
    const res = await web.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'U0CAISI', bot_id: 'B0CAISI', team_id: 'T0CAISI' });
    expect(typeof res.url).toBe('string');
    expect(server.callsTo('auth.test')).toHaveLength(1);
    expect(server.calls[0]?.token).toBe(TOKEN);
  });

  it('stores a posted alert with metadata and finds it again through history with include_all_metadata', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Meta* pressed', verbatim: true } }];
    const posted = await web.chat.postMessage({
      channel: 'C0ALERTS',
      text: 'Meta pressed on CAISI review',
      blocks,
      metadata: { event_type: 'caisi_alert', event_payload: { alert_id: 'a-1' } },
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0ALERTS');
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    expect(posted.message?.bot_id).toBe('B0CAISI');

    // The WebClient sent blocks/metadata as JSON strings inside the form; the server parsed them.
    const call = server.callsTo('chat.postMessage')[0];
    expect(call?.args.blocks).toEqual(blocks);
    expect(call?.args.metadata).toEqual({ event_type: 'caisi_alert', event_payload: { alert_id: 'a-1' } });
    expect(server.messages('C0ALERTS')).toHaveLength(1);

    const full = await web.conversations.history({
      channel: 'C0ALERTS',
      include_all_metadata: true,
      limit: 10,
    });
    const found = full.messages?.find(
      (m) =>
        m.bot_id === 'B0CAISI' &&
        (m.metadata?.event_payload as { alert_id?: string } | undefined)?.alert_id === 'a-1',
    );
    expect(found?.ts).toBe(posted.ts);
    expect(found?.blocks).toEqual(blocks);

    const bare = await web.conversations.history({ channel: 'C0ALERTS' });
    expect(bare.messages?.[0]?.metadata).toEqual({ event_type: 'caisi_alert' });
  });

  it('pages history newest first with limit/cursor and honours oldest/latest', async () => {
    const ts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await web.chat.postMessage({ channel: 'C0PAGE', text: `m${i}` });
      ts.push(r.ts as string);
    }
    expect(new Set(ts).size).toBe(5);
    expect([...ts].sort()).toEqual(ts); // monotonic

    const p1 = await web.conversations.history({ channel: 'C0PAGE', limit: 2 });
    expect(p1.messages?.map((m) => m.text)).toEqual(['m4', 'm3']);
    expect(p1.has_more).toBe(true);
    const p2 = await web.conversations.history({
      channel: 'C0PAGE',
      limit: 2,
      cursor: p1.response_metadata?.next_cursor,
    });
    expect(p2.messages?.map((m) => m.text)).toEqual(['m2', 'm1']);
    const p3 = await web.conversations.history({
      channel: 'C0PAGE',
      limit: 2,
      cursor: p2.response_metadata?.next_cursor,
    });
    expect(p3.messages?.map((m) => m.text)).toEqual(['m0']);
    expect(p3.has_more).toBe(false);

    // Same thing through WebClient's own paginator.
    const all: string[] = [];
    for await (const page of web.paginate('conversations.history', { channel: 'C0PAGE', limit: 2 })) {
      for (const m of (page as unknown as { messages: { text: string }[] }).messages) all.push(m.text);
    }
    expect(all).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);

    const window = await web.conversations.history({ channel: 'C0PAGE', oldest: ts[1], latest: ts[4] });
    expect(window.messages?.map((m) => m.text)).toEqual(['m3', 'm2']); // exclusive by default
    const incl = await web.conversations.history({
      channel: 'C0PAGE',
      oldest: ts[1],
      latest: ts[4],
      inclusive: true,
    });
    expect(incl.messages?.map((m) => m.text)).toEqual(['m4', 'm3', 'm2', 'm1']);
  });

  it('keeps thread replies out of history and serves them from conversations.replies', async () => {
    const parent = await web.chat.postMessage({ channel: 'C0T', text: 'alert' });
    await web.chat.postMessage({ channel: 'C0T', text: 'also covered by Reuters', thread_ts: parent.ts });
    const hist = await web.conversations.history({ channel: 'C0T' });
    expect(hist.messages?.map((m) => m.text)).toEqual(['alert']);
    expect(hist.messages?.[0]?.reply_count).toBe(1);
    const replies = await web.conversations.replies({ channel: 'C0T', ts: parent.ts as string });
    expect(replies.messages?.map((m) => m.text)).toEqual(['alert', 'also covered by Reuters']);
    expect(server.messages('C0T')).toHaveLength(2);
  });

  it('surfaces a scripted 429 as a rate-limited error with retryAfter, and stores nothing', async () => {
    server.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    const err = await rejection(web.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(err).toBeInstanceOf(WebAPIRateLimitedError);
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(2);
    expect(server.messages('C1')).toHaveLength(0);
    // one-shot: the next call goes through
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
    expect(server.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual(['http_429', 'ok']);
  });

  it('surfaces 500 and 503 as HTTP errors', async () => {
    server.failNext('chat.postMessage', { status: 500 }).failNext('chat.postMessage', { status: 503 });
    const e500 = await rejection(web.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(e500).toBeInstanceOf(WebAPIHTTPError);
    expect(e500.statusCode).toBe(500);
    const e503 = await rejection(web.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(e503.statusCode).toBe(503);
    expect(server.messages('C1')).toHaveLength(0);
  });

  it('surfaces platform errors with their code, per channel and N times', async () => {
    server.failNext('chat.postMessage', { error: 'not_in_channel', channel: 'C0PRIV' }, 2);
    await expect(web.chat.postMessage({ channel: 'C0OK', text: 'x' })).resolves.toMatchObject({ ok: true });
    for (let i = 0; i < 2; i++) {
      const err = await rejection(web.chat.postMessage({ channel: 'C0PRIV', text: 'x' }));
      expect(err).toBeInstanceOf(WebAPIPlatformError);
      expect((err.data as { error: string }).error).toBe('not_in_channel');
    }
    await expect(web.chat.postMessage({ channel: 'C0PRIV', text: 'x' })).resolves.toMatchObject({ ok: true });

    server.failNext('chat.postMessage', { error: 'token_revoked' });
    const revoked = await rejection(web.chat.postMessage({ channel: 'C0OK', text: 'x' }));
    expect((revoked.data as { error: string }).error).toBe('token_revoked');
  });

  it('models channel state: allow-list, archived, private, public non-member', async () => {
    const strict = await startSlackApiServer({
      token: TOKEN,
      channels: { C0PUB: {}, C0ARCH: { is_archived: true }, G0PRIV: { is_private: true, is_member: false } },
    });
    const strictWeb = client(strict);
    try {
      const code = async (p: Promise<unknown>) => ((await rejection(p)).data as { error: string }).error;
      expect(await code(strictWeb.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe(
        'channel_not_found',
      );
      expect(await code(strictWeb.chat.postMessage({ channel: 'C0ARCH', text: 'x' }))).toBe('is_archived');
      expect(await code(strictWeb.chat.postMessage({ channel: 'G0PRIV', text: 'x' }))).toBe(
        'channel_not_found',
      );
      // chat:write.public lets the bot post where it is not a member, but reading history needs membership.
      strict.setChannel('C0PUB', { is_member: false });
      await expect(strictWeb.chat.postMessage({ channel: 'C0PUB', text: 'x' })).resolves.toMatchObject({
        ok: true,
      });
      expect(await code(strictWeb.conversations.history({ channel: 'C0PUB' }))).toBe('not_in_channel');
      // The manifest does not ask for channels:read, so conversations.info needs it added first.
      expect(await code(strictWeb.conversations.info({ channel: 'C0ARCH' }))).toBe('missing_scope');
      strict.setScopes([...strict.scopes, 'channels:read']);
      const info = await strictWeb.conversations.info({ channel: 'C0ARCH' });
      expect(info.channel).toMatchObject({ id: 'C0ARCH', is_archived: true, is_member: true });
    } finally {
      await strict.close();
    }

    const noPublic = await startSlackApiServer({ token: TOKEN, chatWritePublic: false, channels: ['C0X'] });
    try {
      noPublic.setChannel('C0X', { is_member: false });
      const err = await rejection(client(noPublic).chat.postMessage({ channel: 'C0X', text: 'x' }));
      expect((err.data as { error: string }).error).toBe('not_in_channel');
    } finally {
      await noPublic.close();
    }
  });

  it("enforces scopes: manifest.yml's by default; missing_scope names what is needed and what is provided", async () => {
    const narrow = await startSlackApiServer({ token: TOKEN, scopes: ['chat:write'] });
    const w = client(narrow);
    try {
      const fault = async (p: Promise<unknown>) => (await rejection(p)).data as Record<string, unknown>;
      narrow.setChannel('G0PRIV', { is_private: true });
      narrow.setChannel('C0SECRET', { is_private: true }); // a private channel with a modern C… id
      for (const [channel, needed] of [
        ['C0PUB', 'channels:history'],
        ['G0PRIV', 'groups:history'],
        ['C0SECRET', 'groups:history'],
        ['D0ADMIN', 'im:history'],
      ] as const)
        expect(await fault(w.conversations.history({ channel })), channel).toMatchObject({
          ok: false,
          error: 'missing_scope',
          needed,
          provided: 'chat:write',
        });
      expect(await fault(w.conversations.join({ channel: 'C0PUB' }))).toMatchObject({
        needed: 'channels:join',
      });
      expect(await fault(w.users.info({ user: 'U0SOMEONE' }))).toMatchObject({ needed: 'users:read' });
      expect((await fault(w.conversations.open({ users: 'U0SOMEONE' }))).needed).toContain('im:write');
      // No scope needed for the Home tab; chat:write posts where the bot is a member…
      await expect(
        w.views.publish({ user_id: 'U0SOMEONE', view: { type: 'home', blocks: [] } }),
      ).resolves.toMatchObject({ ok: true });
      await expect(w.chat.postMessage({ channel: 'C0PUB', text: 'x' })).resolves.toMatchObject({ ok: true });
      // …and only chat:write.public lets it post in a public channel it is not in.
      narrow.setChannel('C0PUB', { is_member: false });
      expect((await fault(w.chat.postMessage({ channel: 'C0PUB', text: 'x' }))).error).toBe('not_in_channel');
      narrow.setScopes(['chat:write', 'chat:write.public', 'channels:history']);
      await expect(w.chat.postMessage({ channel: 'C0PUB', text: 'y' })).resolves.toMatchObject({ ok: true });
      expect((await fault(w.conversations.history({ channel: 'C0PUB' }))).error).toBe('not_in_channel');
    } finally {
      await narrow.close();
    }
    // The default is the manifest's bot scopes.
    const manifest = parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8')) as {
      oauth_config: { scopes: { bot: string[] } };
    };
    expect(server.scopes.sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
  });

  it('apps.connections.open takes only the app-level token', async () => {
    const res = await fetch(`${server.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await res.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
    server.setSocketModeUrl(() => 'ws://127.0.0.1:9/link/?ticket=1');
    try {
      const ok = await fetch(`${server.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.appToken}` },
      });
      expect(await ok.json()).toEqual({ ok: true, url: 'ws://127.0.0.1:9/link/?ticket=1' });
      const wrong = await fetch(`${server.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { authorization: 'Bearer xapp-1-not-this-one' },
      });
      expect(await wrong.json()).toEqual({ ok: false, error: 'invalid_auth' });
    } finally {
      server.setSocketModeUrl(null);
    }
  });

  it('updates a stored message and reports message_not_found for an unknown ts', async () => {
    const posted = await web.chat.postMessage({
      channel: 'C1',
      text: 'first',
      metadata: { event_type: 'caisi_alert', event_payload: { alert_id: 'a-2' } },
    });
    const updated = await web.chat.update({
      channel: 'C1',
      ts: posted.ts as string,
      text: 'first (also covered by AP)',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'also covered by AP' } }],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts: posted.ts });
    const stored = server.message('C1', posted.ts as string);
    expect(stored?.text).toBe('first (also covered by AP)');
    expect(stored?.metadata?.event_payload).toEqual({ alert_id: 'a-2' }); // kept
    expect(stored?.edited).toBeDefined();

    const err = await rejection(web.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }));
    expect((err.data as { error: string }).error).toBe('message_not_found');

    const foreign = server.addMessage('C1', { text: 'a human said this' });
    const cant = await rejection(web.chat.update({ channel: 'C1', ts: foreign.ts, text: 'x' }));
    expect((cant.data as { error: string }).error).toBe('cant_update_message');
  });

  it('holds chat.postMessage open after storing the message, until released', async () => {
    const hold = server.holdNext('chat.postMessage');
    const pending = web.chat.postMessage({
      channel: 'C1',
      text: 'x',
      metadata: { event_type: 'caisi_alert', event_payload: { alert_id: 'held-1' } },
    });
    const call = await hold.held;
    expect(call.method).toBe('chat.postMessage');
    expect(server.pendingCount).toBe(1);
    const stored = server.messages('C1');
    expect(stored).toHaveLength(1); // Slack processed it; only the answer is missing
    hold.release();
    const res = await pending;
    expect(res.ts).toBe(stored[0]?.ts);
    expect(server.pendingCount).toBe(0);
  });

  it('a held request whose server dies surfaces as a request error, while the message stays stored', async () => {
    const hold = server.holdNext('chat.postMessage');
    const pending = rejection(
      web.chat.postMessage({
        channel: 'C1',
        text: 'x',
        metadata: { event_type: 'caisi_alert', event_payload: { alert_id: 'crash-1' } },
      }),
    );
    await hold.held;
    const kept = server.messages('C1');
    await server.close();
    const err = await pending;
    expect(err).toBeInstanceOf(WebAPIRequestError);
    expect(kept[0]?.metadata?.event_payload).toEqual({ alert_id: 'crash-1' });
  });

  it('hang: no answer and nothing stored until release(); then processed', async () => {
    server.failNext('chat.postMessage', { hang: true });
    const pending = web.chat.postMessage({ channel: 'C1', text: 'slow' });
    await server.waitForCall('chat.postMessage');
    expect(server.pendingCount).toBe(1);
    expect(server.messages('C1')).toHaveLength(0);
    server.release();
    await expect(pending).resolves.toMatchObject({ ok: true });
    expect(server.messages('C1')).toHaveLength(1);
  });

  it('hang: a WebClient timeout aborts the call', async () => {
    server.failNext('chat.postMessage', { hang: true });
    const timed = client(server, TOKEN, { timeout: 50 });
    const err = await rejection(timed.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(err).toBeInstanceOf(WebAPIRequestError);
  });

  it('drop: a connection cut surfaces as a request error', async () => {
    server.failNext('chat.postMessage', { drop: true });
    const err = await rejection(web.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(err).toBeInstanceOf(WebAPIRequestError);
    expect(server.messages('C1')).toHaveLength(0);
  });

  it('refuses a bad token with invalid_auth and an unknown method with unknown_method', async () => {
    const bad = client(server, 'xoxb-wrong');
    const err = await rejection(bad.auth.test());
    expect((err.data as { error: string }).error).toBe('invalid_auth');
    const unknown = await rejection(web.apiCall('nonexistent.method'));
    expect((unknown.data as { error: string }).error).toBe('unknown_method');
  });

  it('rejects blocks over documented limits with invalid_blocks', async () => {
    const err = await rejection(
      web.chat.postMessage({
        channel: 'C1',
        text: 'x',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      }),
    );
    expect((err.data as { error: string }).error).toBe('invalid_blocks');
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const err2 = await rejection(web.chat.postMessage({ channel: 'C1', text: 'x', blocks: tooMany }));
    expect((err2.data as { error: string }).error).toBe('invalid_blocks');
    const err3 = await rejection(
      web.chat.postMessage({ channel: 'C1', text: 'x', metadata: { event_type: '', event_payload: {} } }),
    );
    expect((err3.data as { error: string }).error).toBe('invalid_metadata_format');
  });

  it('serves users.info admin flags, views.publish, ephemerals, permalinks and conversations.open', async () => {
    expect((await web.users.info({ user: 'U0ADMIN' })).user).toMatchObject({ id: 'U0ADMIN', is_admin: true });
    expect((await web.users.info({ user: 'U0OWNER' })).user).toMatchObject({
      is_admin: false,
      is_owner: true,
    });
    expect((await web.users.info({ user: 'U0SOMEONE' })).user).toMatchObject({
      is_admin: false,
      is_owner: false,
    });

    const view = {
      type: 'home' as const,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Roster' } }],
    };
    const pub = await web.views.publish({ user_id: 'U0ADMIN', view });
    expect(pub.view?.id).toBeTruthy();
    expect(server.view('U0ADMIN')?.blocks).toEqual(view.blocks);

    const eph = await web.chat.postEphemeral({ channel: 'C1', user: 'U0ADMIN', text: 'only you' });
    expect(eph.message_ts).toBeTruthy();
    expect(server.ephemerals).toMatchObject([{ channel: 'C1', user: 'U0ADMIN', text: 'only you' }]);
    expect(server.messages('C1')).toHaveLength(0);

    const posted = await web.chat.postMessage({ channel: 'C1', text: 'x' });
    const link = await web.chat.getPermalink({ channel: 'C1', message_ts: posted.ts as string });
    expect(link.permalink).toContain(`/archives/C1/p${(posted.ts as string).replace('.', '')}`);

    const dm = await web.conversations.open({ users: 'U0ADMIN' });
    const dmId = dm.channel?.id as string;
    await web.chat.postMessage({ channel: dmId, text: 'a parked alert needs you' });
    expect(server.messages(dmId)).toHaveLength(1);
  });

  it('waitFor resolves on events and rejects on timeout', async () => {
    const waiting = server.waitFor(() => server.messages('C9').find((m) => m.text === 'late'));
    await web.chat.postMessage({ channel: 'C9', text: 'early' });
    await web.chat.postMessage({ channel: 'C9', text: 'late' });
    expect((await waiting).text).toBe('late');
    await expect(server.waitFor(() => false, 20)).rejects.toThrow(/timed out/);
  });

  it('records response_url posts', async () => {
    const res = await fetch(server.responseUrl('abc'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'hi' }),
    });
    expect(res.status).toBe(200);
    const got = await server.waitForResponse(1);
    expect(got).toMatchObject({ id: 'abc', body: { text: 'hi' } });
  });

  it('conversations.join makes the bot a member of a public channel, so history becomes readable', async () => {
    server.setChannel('C0PUB', { is_member: false });
    await web.chat.postMessage({ channel: 'C0PUB', text: 'via chat:write.public' });
    const denied = await rejection(web.conversations.history({ channel: 'C0PUB' }));
    expect((denied.data as { error: string }).error).toBe('not_in_channel');
    const joined = await web.conversations.join({ channel: 'C0PUB' });
    expect(joined).toMatchObject({ ok: true, channel: { id: 'C0PUB', is_member: true } });
    expect(server.channel('C0PUB')?.is_member).toBe(true);
    expect((await web.conversations.history({ channel: 'C0PUB' })).messages).toHaveLength(1);
    const again = await web.conversations.join({ channel: 'C0PUB' });
    expect(again.warning).toBe('already_in_channel');
  });

  it('conversations.join refuses private channels, DMs and archived channels', async () => {
    server.setChannel('C0PRIV', { is_private: true, is_member: true });
    server.setChannel('C0HIDDEN', { is_private: true, is_member: false });
    server.setChannel('C0OLD', { is_archived: true, is_member: false });
    const code = async (channel: string) =>
      ((await rejection(web.conversations.join({ channel }))).data as { error: string }).error;
    expect(await code('C0PRIV')).toBe('method_not_supported_for_channel_type');
    expect(await code('C0HIDDEN')).toBe('channel_not_found');
    expect(await code('C0OLD')).toBe('is_archived');
    await web.chat.postMessage({ channel: 'U0ADMIN', text: 'dm' });
    expect(await code('D0ADMIN')).toBe('method_not_supported_for_channel_type');
    expect(server.channel('C0OLD')?.is_member).toBe(false);
  });
});

describe('signed requests', () => {
  it("reproduces Slack's documented signature test vector", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&' +
      'channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&' +
      'response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&' +
      'trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const expected = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
    expect(computeSignature('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toBe(expected);
    const headers = signedHeaders('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618);
    expect(headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': expected,
    });
  });

  it('builds a slash command body with the fields Bolt reads', () => {
    const params = new URLSearchParams(slashCommandBody({ text: 'status meta', user_id: 'U9' }));
    expect(params.get('command')).toBe('/caisi');
    expect(params.get('text')).toBe('status meta');
    expect(params.get('user_id')).toBe('U9');
  });

  describe('against a real Bolt HTTP receiver', () => {
    const SECRET = 'test-signing-secret';
    let slack: SlackApiServer;
    let app: InstanceType<typeof App>;
    let eventsUrl: string;

    beforeEach(async () => {
      slack = await startSlackApiServer({ token: TOKEN });
      app = new App({
        token: TOKEN,
        signingSecret: SECRET,
        logLevel: LogLevel.ERROR,
        clientOptions: {
          slackApiUrl: slack.apiUrl,
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
        },
      });
      app.command('/caisi', async ({ ack, command, respond }) => {
        await ack({ response_type: 'ephemeral', text: `you said: ${command.text}` });
        await respond({ response_type: 'ephemeral', text: 'follow-up' });
      });
      app.action('confirm', async ({ ack, body, client }) => {
        await ack();
        await client.chat.postEphemeral({ channel: 'C0TEST', user: body.user.id, text: 'confirmed' });
      });
      const server = (await app.start({ port: 0, host: '127.0.0.1' })) as {
        address(): AddressInfo | string | null;
      };
      eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    });
    afterEach(async () => {
      await app.stop();
      await slack.close();
    });

    it('accepts a signed slash command, answers in the ack, and follows up on response_url', async () => {
      const res = await sendSlashCommand(eventsUrl, SECRET, {
        text: 'status meta',
        response_url: slack.responseUrl('cmd-1'),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ response_type: 'ephemeral', text: 'you said: status meta' });
      expect(res.ms).toBeGreaterThanOrEqual(0);
      const follow = await slack.waitForResponse(1);
      expect(follow).toMatchObject({ id: 'cmd-1', body: { text: 'follow-up' } });
      // Bolt ran auth.test against the test server at construction.
      expect(slack.callsTo('auth.test').length).toBeGreaterThanOrEqual(1);
    });

    it('refuses a bad signature (401) and a replay older than 5 minutes (401)', async () => {
      const bad = await sendSlashCommand(eventsUrl, SECRET, { text: 'status meta' }, { badSignature: true });
      expect(bad.status).toBe(401);
      const old = await sendSlashCommand(
        eventsUrl,
        SECRET,
        { text: 'status meta' },
        { timestamp: nowSeconds() - 301 },
      );
      expect(old.status).toBe(401);
    });

    it('gets 400 when the content type carries a charset (the URLSearchParams pitfall)', async () => {
      const body = slashCommandBody({ text: 'help' });
      const res = await sendSigned(eventsUrl, SECRET, body, {
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      });
      expect(res.status).toBe(400);
    });

    it('delivers a signed block action', async () => {
      const res = await sendBlockAction(
        eventsUrl,
        SECRET,
        buttonClickPayload({ actionId: 'confirm', userId: 'U0ADMIN' }),
      );
      expect(res.status).toBe(200);
      const call = await slack.waitForCall('chat.postEphemeral');
      expect(call.args).toMatchObject({ user: 'U0ADMIN', text: 'confirmed' });
    });
  });
});
