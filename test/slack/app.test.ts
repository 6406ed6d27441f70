/**
 * The Bolt app as `start` builds it (createSlackApp), in-process on 127.0.0.1, its WebClient pointed
 * at the local Slack API server. Slash commands, button clicks and events arrive as correctly signed
 * HTTP requests, as Slack sends them.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pollOnce } from '../../src/pipeline/poll.js';
import { CONFIRM_ACTION, DISMISS_ACTION, SHARE_ACTION } from '../../src/render/alert.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { type InProcessApp, SIGNING_SECRET, startInProcessApp } from '../helpers/app-process.js';
import { rss } from '../helpers/rss.js';
import {
  buttonClickPayload,
  nowSeconds,
  type SlackHttpResult,
  sendAppHomeOpened,
  sendBlockAction,
  sendSigned,
  sendSlashCommand,
  slashCommandBody,
} from '../signed-request.js';

type Reply = { response_type?: string; text?: string; blocks?: Record<string, unknown>[] };

let app: InProcessApp;

beforeEach(async () => {
  app = await startInProcessApp({
    admins: ['U0ADMIN'],
    slack: { users: { U0WSADMIN: { is_admin: true }, U0OWNER: { is_owner: true } } },
  });
});
afterEach(async () => {
  await app.close();
});

const caisi = (text: string, user = 'U0USER', channel = 'C0POLICY') =>
  sendSlashCommand(app.url, SIGNING_SECRET, {
    text,
    user_id: user,
    channel_id: channel,
    response_url: app.slack.responseUrl(`cmd-${Math.random().toString(36).slice(2)}`),
  });

const reply = (r: SlackHttpResult) => r.body as Reply;
const all = (r: SlackHttpResult) => JSON.stringify(r.body);

describe('request signing', () => {
  it('refuses a bad signature', async () => {
    const r = await sendSlashCommand(app.url, SIGNING_SECRET, { text: 'help' }, { badSignature: true });
    expect(r.status).toBe(401);
  });

  it('refuses a correctly signed request older than 5 minutes (replay)', async () => {
    const r = await sendSlashCommand(
      app.url,
      SIGNING_SECRET,
      { text: 'help' },
      { timestamp: nowSeconds() - 301 },
    );
    expect(r.status).toBe(401);
  });

  it('refuses an unsigned request', async () => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: slashCommandBody({ text: 'help' }),
    });
    expect(res.status).toBe(401);
  });

  it('a refused write changes nothing even when the body asks for it', async () => {
    const r = await sendSlashCommand(
      app.url,
      SIGNING_SECRET,
      { text: 'subscribe all', user_id: 'U0ADMIN' },
      { badSignature: true },
    );
    expect(r.status).toBe(401);
    expect(await app.ctx.store.subscriptions()).toEqual([]);
  });
});

describe('/caisi lookups', () => {
  it('status meta answers within 3 s, ephemeral, with a "Share in channel" button', async () => {
    const r = await caisi('status meta');
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(3000);
    const body = reply(r);
    expect(body.response_type).toBe('ephemeral');
    expect(all(r)).toContain('Meta: status');
    expect(all(r)).toMatch(/CAISI review/);
    const actions = body.blocks?.find((b) => b.type === 'actions') as {
      elements: { action_id: string; value: string }[];
    };
    expect(actions.elements[0]?.action_id).toBe(SHARE_ACTION);
    expect(actions.elements[0]?.value).toBe('status meta');
  });

  it('accepts fuzzy lab names', async () => {
    for (const q of ['Meta Platforms', 'deepmind', 'gdm', 'google']) {
      const r = await caisi(`status ${q}`);
      expect(reply(r).response_type).toBe('ephemeral');
      expect(all(r)).toContain(': status');
    }
  });

  it('roster, timeline, recent, history, feeds list and help answer', async () => {
    expect(all(await caisi('roster'))).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    expect(all(await caisi('roster caisi'))).toContain('Roster:');
    expect(all(await caisi('timeline'))).toContain('2024-08');
    expect(all(await caisi('timeline meta'))).toContain('Timeline: Meta');
    expect(all(await caisi('recent'))).toContain('No matched news yet');
    expect(all(await caisi('history meta'))).toContain('No changes recorded');
    await app.ctx.store.syncConfigFeeds(
      ['https://example.org/a.xml'],
      new Date(app.clock.now()).toISOString(),
    );
    const feeds = await caisi('feeds');
    expect(all(feeds)).toContain('https://example.org/a.xml');
    expect(all(feeds)).toContain('not polled yet');
    expect(all(await caisi('feeds list'))).toContain('last success never');
    const help = await caisi('help');
    expect(all(help)).toContain('/caisi status');
    expect(all(await caisi(''))).toContain('/caisi status');
  });

  it('unknown subcommands, labs and missing arguments get a short helpful ephemeral answer', async () => {
    const cases: [string, RegExp][] = [
      ['frobnicate', /Unknown command "frobnicate".*\/caisi help/],
      ['status', /Which lab\?.*meta/],
      ['status acme', /Unknown lab "acme".*Known labs/],
      ['timeline nasa', /Unknown lab or program/],
      ['history', /Whose history\?/],
      ['roster nothing', /Unknown program/],
    ];
    for (const [text, re] of cases) {
      const r = await caisi(text);
      expect(r.status).toBe(200);
      expect(reply(r).response_type).toBe('ephemeral');
      expect(reply(r).text).toMatch(re);
      expect(all(r)).not.toMatch(/at .*\.js:\d+|Error:/);
    }
  });

  it('the Share button posts the same answer in the channel through response_url', async () => {
    const responseUrl = app.slack.responseUrl('share-1');
    const r = await sendBlockAction(
      app.url,
      SIGNING_SECRET,
      buttonClickPayload({ actionId: SHARE_ACTION, value: 'status meta', userId: 'U0USER', responseUrl }),
    );
    expect(r.status).toBe(200);
    const shared = await app.slack.waitForResponse(1);
    expect(shared.id).toBe('share-1');
    const body = shared.body as Reply;
    expect(body.response_type).toBe('in_channel');
    expect(JSON.stringify(body)).toContain('Meta: status');
    expect(JSON.stringify(body)).toContain('Shared by <@U0USER>');
  });
});

describe('/caisi writes are for admins', () => {
  it('a non-admin is refused, nothing changes, and the answer says who can', async () => {
    for (const text of [
      'subscribe meta',
      'unsubscribe meta',
      'feeds add https://example.org/x.xml',
      'feeds remove 1',
      'set meta caisi signed',
    ]) {
      const r = await caisi(text, 'U0USER');
      expect(reply(r).response_type).toBe('ephemeral');
      expect(reply(r).text).toMatch(/Only admins can use/);
      expect(reply(r).text).toContain('<@U0ADMIN>'); // a live mention of the configured admin
      expect(reply(r).text).toContain('Nothing was changed');
    }
    expect(await app.ctx.store.subscriptions()).toEqual([]);
    expect(await app.ctx.store.listFeeds()).toEqual([]);
    expect(await app.ctx.store.auditLog()).toEqual([]);
    expect(await app.ctx.store.rosterEdits()).toEqual([]);
  });

  it('CAISI_ADMINS users and workspace admins/owners (users.info) may subscribe', async () => {
    expect(reply(await caisi('subscribe meta daily', 'U0ADMIN', 'C0ONE')).text).toMatch(
      /subscribed to Meta, as a daily digest/,
    );
    expect(reply(await caisi('subscribe "export controls"', 'U0WSADMIN', 'C0TWO')).text).toMatch(
      /the phrase "export controls"/,
    );
    expect(reply(await caisi('subscribe caisi', 'U0OWNER', 'C0THREE')).text).toMatch(/subscribed to/);
    expect(app.slack.callsTo('users.info').map((c) => c.args.user)).toEqual(['U0WSADMIN', 'U0OWNER']);
    expect((await app.ctx.store.subscriptions()).map((s) => [s.channel, s.target, s.mode])).toEqual(
      expect.arrayContaining([
        ['C0ONE', 'meta', 'daily'],
        ['C0TWO', 'phrase:export controls', 'realtime'],
        ['C0THREE', 'caisi', 'realtime'],
      ]),
    );
    expect(reply(await caisi('unsubscribe meta', 'U0ADMIN', 'C0ONE')).text).toMatch(/no longer gets Meta/);
    expect(reply(await caisi('subscribe', 'U0ADMIN')).text).toMatch(/Subscribe to what/);
  });

  it('set writes the roster and the audit log; history shows it', async () => {
    const r = await caisi('set meta caisi signed 2026-07-01 https://example.org/meta-signs', 'U0ADMIN');
    expect(reply(r).text).toMatch(/Meta in CAISI review: not-signed → signed since 2026-07-01/);
    expect(all(await caisi('roster'))).toContain('CAISI review: 6 of 6 signed');
    const h = all(await caisi('history meta'));
    expect(h).toContain('not-signed → signed');
    expect(h).toContain('set by U0ADMIN');
    expect(h).toContain('https://example.org/meta-signs');
    expect(reply(await caisi('set meta caisi maybe', 'U0ADMIN')).text).toMatch(/Unknown status "maybe"/);
    expect(reply(await caisi('set meta', 'U0ADMIN')).text).toMatch(/Missing arguments/);
  });

  it('feeds add refuses private addresses, then add and remove work for admins', async () => {
    expect(reply(await caisi('feeds add http://127.0.0.1:9/feed.xml', 'U0ADMIN')).text).toMatch(
      /Cannot add that feed/,
    );
    expect(reply(await caisi('feeds add ftp://example.org/feed', 'U0ADMIN')).text).toMatch(
      /Cannot add that feed/,
    );
    expect(await app.ctx.store.listFeeds()).toEqual([]);
    app.config.allowPrivateFeeds = true;
    const added = reply(await caisi('feeds add <http://127.0.0.1:9/feed.xml>', 'U0ADMIN')).text ?? '';
    expect(added).toMatch(/Added feed (\d+)/);
    const id = /Added feed (\d+)/.exec(added)?.[1];
    expect((await app.ctx.store.listFeeds()).map((f) => f.origin)).toEqual(['slack']);
    expect(reply(await caisi(`feeds remove ${id}`, 'U0ADMIN')).text).toMatch(/Removed feed/);
    expect(reply(await caisi('feeds remove 999', 'U0ADMIN')).text).toMatch(/No feed with id 999/);
  });
});

describe('roster change proposals', () => {
  let feeds: FeedServer;
  beforeAll(async () => {
    feeds = await startFeedServer();
  });
  afterAll(async () => {
    await feeds.close();
  });

  /** Poll a feed carrying "Meta signs CAISI agreement" and deliver its alert. */
  async function alertWithProposal() {
    feeds.route('/wire.xml', {
      headers: { 'content-type': 'application/rss+xml' },
      body: rss('Wire', [
        {
          title: 'Meta signs CAISI agreement for pre-release testing of its AI models',
          description:
            'Meta signed an agreement with the Center for AI Standards and Innovation on Tuesday, joining the voluntary pre-release review.',
          link: 'https://example.org/wire/meta-signs',
          guid: 'wire-meta-signs',
          pubDate: '2026-06-24T10:00:00Z',
        },
      ]),
    });
    const now = new Date(app.clock.now()).toISOString();
    await app.ctx.store.syncConfigFeeds([feeds.urlFor('/wire.xml')], now);
    await pollOnce({
      store: app.ctx.store,
      matcher: app.ctx.matcher,
      config: app.config,
      clock: app.clock,
      alertChannel: 'C0ALERTS',
    });
    await app.deliverer.drain();
    const [msg] = app.slack.messages('C0ALERTS');
    expect(msg).toBeDefined();
    const actions = (
      (msg?.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[]
    ).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => e.action_id)).toEqual([CONFIRM_ACTION, DISMISS_ACTION]);
    return { msg: msg as NonNullable<typeof msg>, proposalId: actions?.elements?.[0]?.value as string };
  }

  const click = (actionId: string, value: string, userId: string, messageTs: string) =>
    sendBlockAction(
      app.url,
      SIGNING_SECRET,
      buttonClickPayload({
        actionId,
        value,
        userId,
        channelId: 'C0ALERTS',
        messageTs,
        responseUrl: app.slack.responseUrl(`click-${userId}`),
      }),
    );

  it('only admins can confirm; confirmation writes the roster and the audit log with the item as source', async () => {
    const { msg, proposalId } = await alertWithProposal();
    expect(JSON.stringify(msg.blocks)).toContain('Proposed roster change');

    const refused = await click(CONFIRM_ACTION, proposalId, 'U0USER', msg.ts);
    expect(refused.status).toBe(200);
    const answer = await app.slack.waitForResponse(1);
    expect(JSON.stringify(answer.body)).toMatch(/Only admins can confirm/);
    expect(await app.ctx.store.rosterEdits()).toEqual([]);
    expect(app.slack.callsTo('chat.update')).toHaveLength(0);

    const ok = await click(CONFIRM_ACTION, proposalId, 'U0ADMIN', msg.ts);
    expect(ok.status).toBe(200);
    const update = await app.slack.waitForCall('chat.update');
    expect(update.args.ts).toBe(msg.ts);
    const redrawn = JSON.stringify(app.slack.message('C0ALERTS', msg.ts)?.blocks);
    expect(redrawn).toContain('confirmed by U0ADMIN');
    expect(redrawn).not.toContain(CONFIRM_ACTION);
    expect(await app.ctx.store.rosterEdits()).toMatchObject([
      {
        lab: 'meta',
        program: 'caisi',
        status: 'signed',
        sourceUrl: 'https://example.org/wire/meta-signs',
        setBy: 'U0ADMIN',
      },
    ]);
    const h = all(await caisi('history meta'));
    expect(h).toContain('confirm proposal by U0ADMIN');
    expect(h).toContain('https://example.org/wire/meta-signs');
    expect(all(await caisi('roster'))).toContain('CAISI review: 6 of 6 signed');

    // A second click (or a second admin) changes nothing.
    await click(DISMISS_ACTION, proposalId, 'U0ADMIN', msg.ts);
    const again = await app.slack.waitFor(() => app.slack.responses.find((r) => r.id === 'click-U0ADMIN'));
    expect(JSON.stringify(again.body)).toMatch(/already decided/);
    expect(await app.ctx.store.auditLog('meta')).toHaveLength(1);
  });

  it('an admin can dismiss: the roster stays, the audit log says so', async () => {
    const { msg, proposalId } = await alertWithProposal();
    await click(DISMISS_ACTION, proposalId, 'U0WSADMIN', msg.ts);
    await app.slack.waitForCall('chat.update');
    expect(await app.ctx.store.rosterEdits()).toEqual([]);
    expect((await app.ctx.store.auditLog('meta')).map((e) => e.action)).toEqual(['dismiss proposal']);
    expect(all(await caisi('roster'))).toContain('CAISI review: 5 of 6 signed');
  });
});

describe('App Home', () => {
  it('a signed app_home_opened publishes the roster, latest alerts, feed health and (admins) parked alerts', async () => {
    const now = new Date(app.clock.now()).toISOString();
    await app.ctx.store.syncConfigFeeds(['https://example.org/health.xml'], now);
    const feed = (await app.ctx.store.listFeeds())[0];
    await app.ctx.store.recordFetchError(feed?.id as number, {
      now,
      code: 'unreachable/timeout',
      message: 'timed out',
      nextFetchAt: now,
      disable: null,
    });
    app.slack.setChannel('C0ARCH', { is_archived: true });
    const story = await app.ctx.store.createStory(
      {
        title: 'Meta faces CAISI review pressure',
        labs: ['meta'],
        programs: ['caisi'],
        summary: 's',
        published: now,
        source: {
          feedId: feed?.id as number,
          itemId: 'i1',
          outlet: 'Wire',
          title: 't',
          link: null,
          published: now,
        },
      },
      now,
    );
    await app.ctx.store.enqueue(
      { key: `alert:${story.id}:C0ARCH`, kind: 'alert', storyId: story.id, channel: 'C0ARCH', payload: {} },
      now,
    );
    await app.deliverer.drain();
    expect(await app.ctx.store.parkedDeliveries()).toHaveLength(1);
    // The admins are told privately (a DM notice), never in an alert channel.
    await app.deliverer.drain();
    expect(app.slack.messages('D0ADMIN')[0]?.text).toMatch(
      /could not post an alert to channel C0ARCH \(is_archived\)/,
    );

    const r = await sendAppHomeOpened(app.url, SIGNING_SECRET, 'U0ADMIN');
    expect(r.status).toBe(200);
    await app.slack.waitFor(() => app.slack.view('U0ADMIN'));
    const view = JSON.stringify(app.slack.view('U0ADMIN'));
    expect(view).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    expect(view).toContain('Meta faces CAISI review pressure');
    expect(view).toContain('Feed health');
    expect(view).toContain('failing ×1');
    expect(view).toContain('Parked alerts (1)');
    expect(view).toContain('C0ARCH: is_archived');

    await sendAppHomeOpened(app.url, SIGNING_SECRET, 'U0USER');
    await app.slack.waitFor(() => app.slack.view('U0USER'));
    const plain = JSON.stringify(app.slack.view('U0USER'));
    expect(plain).toContain('Feed health');
    expect(plain).not.toContain('Parked alerts');
  });

  it('a parked alert is released by /caisi subscribe in its channel once the bot can post there', async () => {
    const now = new Date(app.clock.now()).toISOString();
    const feedId = (await app.ctx.store.addFeed('https://example.org/p.xml', 'U0ADMIN', now)).feed.id;
    const story = await app.ctx.store.createStory(
      {
        title: 'Meta and the CAISI review',
        labs: ['meta'],
        programs: ['caisi'],
        summary: 's',
        published: now,
        source: { feedId, itemId: 'p1', outlet: 'Wire', title: 't', link: null, published: now },
      },
      now,
    );
    app.slack.setChannel('C0PRIVATE', { is_private: true, is_member: false });
    await app.ctx.store.enqueue(
      {
        key: `alert:${story.id}:C0PRIVATE`,
        kind: 'alert',
        storyId: story.id,
        channel: 'C0PRIVATE',
        payload: {},
      },
      now,
    );
    await app.deliverer.drain();
    expect((await app.ctx.store.parkedDeliveries()).map((p) => p.lastError)).toEqual(['channel_not_found']);
    app.slack.setChannel('C0PRIVATE', { is_member: true }); // someone invites the bot
    const r = await caisi('subscribe meta', 'U0ADMIN', 'C0PRIVATE');
    expect(reply(r).text).toMatch(/1 parked alert\(s\) will be posted now/);
    await app.deliverer.drain();
    expect(await app.ctx.store.parkedDeliveries()).toEqual([]);
    expect(app.slack.messages('C0PRIVATE')).toHaveLength(1);
  });

  it('an unsigned event is refused and publishes nothing', async () => {
    const r = await sendAppHomeOpened(app.url, SIGNING_SECRET, 'U0ADMIN', { badSignature: true });
    expect(r.status).toBe(401);
    expect(app.slack.callsTo('views.publish')).toHaveLength(0);
  });
});

describe('/healthz', () => {
  it('reports last poll, failing feeds and outbox depth; 503 when polling stalled for 3 intervals', async () => {
    const start = app.clock.now();
    app.health.lastPollFinishedAt = start;
    await app.ctx.store.syncConfigFeeds(
      ['https://example.org/a.xml', 'https://example.org/b.xml'],
      new Date(start).toISOString(),
    );
    const a = (await app.ctx.store.listFeeds())[0];
    await app.ctx.store.recordFetchError(a?.id as number, {
      now: new Date(start).toISOString(),
      code: 'not a feed/not-a-feed',
      message: 'HTML',
      nextFetchAt: new Date(start).toISOString(),
      disable: null,
    });
    let res = await fetch(`${app.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ok: true,
      lastPoll: new Date(start).toISOString(),
      feeds: 2,
      feedsFailing: 1,
      outboxDepth: 0,
    });
    app.clock.advance(3 * app.config.pollSeconds * 1000 + 1);
    res = await fetch(`${app.base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false });
  });

  it('is not reachable without GET on its path; Slack requests still need signatures', async () => {
    const r = await sendSigned(
      `${app.base}/slack/events`,
      'wrong-secret',
      slashCommandBody({ text: 'help' }),
    );
    expect(r.status).toBe(401);
  });
});
