/**
 * Several replicas on one Postgres, as deployed: three `caisi-watch start` child processes (HTTP
 * mode) share a database, a local feed server and the local Slack API server. One is elected
 * leader and polls and posts; the leader is killed (SIGKILL) while Slack holds its
 * chat.postMessage; another takes over within the lease plus a poll, finds the held post by its key
 * instead of posting it again, and goes on: every story in the channel once. A roster edit made
 * through one replica is what another answers; every replica answers /caisi and /healthz.
 * A leader paused (SIGSTOP) past its lease comes back to find its token stale: it saves and sends
 * nothing. Needs Postgres (CAISI_TEST_DATABASE_URL; `.ci/with-postgres`) and `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedServer } from '../feed-server.js';
import {
  type AppProcess,
  type ChildHarness,
  SIGNING_SECRET,
  startChildHarness,
} from '../helpers/app-process.js';
import { freshPostgresUrl, PG_URL } from '../helpers/backends.js';
import { rss, SEED_ITEMS, type TestItem } from '../helpers/rss.js';
import { sendSlashCommand } from '../signed-request.js';
import type { SlackApiServer, StoredMessage } from '../slack-api-server.js';

const CHANNEL = 'C0REPLICAS';
const LEASE_S = 3;
const POLL_S = 1;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toUTCString();

const STORY_1: TestItem = { ...(SEED_ITEMS[0]?.item as TestItem), pubDate: hoursAgo(2) };
const STORY_2: TestItem = {
  title: 'Anthropic challenges June 12 directive under Executive Order 14409 in court',
  description:
    'Anthropic asked a federal court to block the June 12 export-control directive issued under Executive Order 14409, arguing the order exceeds the authority the executive order grants.',
  link: 'https://example.org/wire/anthropic-directive-court',
  guid: 'wire-anthropic-court',
  pubDate: hoursAgo(0.5),
};
const STORY_3: TestItem = {
  title: 'xAI agrees to CAISI pre-release testing of its next Grok model',
  description:
    'xAI said it would give the Center for AI Standards and Innovation early access to its next Grok model for voluntary pre-release testing, joining the other labs under the CAISI agreements.',
  link: 'https://example.org/wire/xai-caisi-grok',
  guid: 'wire-xai-caisi',
  pubDate: hoursAgo(0.2),
};

const isLeader = (a: AppProcess) => {
  const roles = a.logs.filter(
    (l) => l.msg === 'became leader: polling and sending' || l.msg === 'lost leadership: standing by',
  );
  return roles.at(-1)?.msg === 'became leader: polling and sending';
};

describe.skipIf(!PG_URL)('three replicas on one Postgres', () => {
  let h: ChildHarness;
  let slack: SlackApiServer;
  let feeds: FeedServer;
  let url: string;

  beforeAll(async () => {
    h = await startChildHarness({ channel: CHANNEL, prefix: 'replicas' });
    ({ slack, feeds } = h);
    url = await freshPostgresUrl();
  });
  afterAll(() => h?.close());

  const serve = (items: TestItem[]) =>
    feeds.route('/wire.xml', {
      headers: { 'content-type': 'application/rss+xml' },
      body: rss('Wire', items),
    });
  const start = () =>
    h.start({
      CAISI_DATABASE_URL: url,
      CAISI_FEEDS: feeds.urlFor('/wire.xml'),
      CAISI_ADMINS: 'U0ADMIN',
      CAISI_LEADER_LEASE_SECONDS: String(LEASE_S),
      CAISI_POLL_SECONDS: String(POLL_S),
      LOG_LEVEL: 'info',
    });
  const keys = (ms: StoredMessage[]) =>
    ms.map((m) => (m.metadata?.event_payload as { delivery_id?: string } | undefined)?.delivery_id);
  const health = async (a: AppProcess) =>
    (await fetch(`http://127.0.0.1:${await a.port()}/healthz`)).json() as Promise<Record<string, unknown>>;
  const command = async (a: AppProcess, text: string) =>
    sendSlashCommand(`http://127.0.0.1:${await a.port()}/slack/events`, SIGNING_SECRET, {
      text,
      user_id: 'U0ADMIN',
      channel_id: CHANNEL,
      response_url: slack.responseUrl('replicas'),
    });

  it('the leader killed mid-post: another takes over within the lease and a poll, every story posted once; edits seen everywhere', {
    timeout: 90_000,
  }, async () => {
    serve([STORY_1]);
    const hold = slack.holdNext('chat.postMessage', { channel: CHANNEL });
    const replicas = [start(), start(), start()];
    for (const r of replicas) await r.waitForLog((l) => l.msg === 'caisi-watch started', 30_000);

    // Exactly one leader; the others stand by and say so.
    await hold.held; // the leader posted story 1; Slack keeps its answer
    const leaders = replicas.filter(isLeader);
    expect(leaders).toHaveLength(1);
    const first = leaders[0] as AppProcess;
    const standbys = replicas.filter((r) => r !== first);
    for (const r of replicas)
      expect(await health(r)).toMatchObject({ role: r === first ? 'leader' : 'standby', store: 'postgres' });

    // Kill the leader while its post is held.
    const killedAt = Date.now();
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    hold.release();
    const elected = await Promise.race(
      standbys.map((r) =>
        r.waitForLog((l) => l.msg === 'became leader: polling and sending', 30_000).then(() => r),
      ),
    );
    const tookOverMs = Date.now() - killedAt;
    // Within the lease and one poll (and a second for a loaded machine).
    expect(tookOverMs).toBeLessThan((LEASE_S + POLL_S + 1) * 1000);
    const second = elected;
    const third = standbys.find((r) => r !== second) as AppProcess;
    // The held post is found by its key: not posted again.
    await second.waitForLog((l) => l.msg === 'delivery found in Slack after restart', 15_000);
    expect(await health(second)).toMatchObject({ role: 'leader' });
    expect(await health(third)).toMatchObject({ role: 'standby' });

    // News after the failover goes out once, from the new leader.
    serve([STORY_1, STORY_2]);
    await slack.waitFor(() => h.topLevel().length === 2, 20_000);
    const polls = second.logs.filter((l) => l.msg === 'poll finished').length;
    await second.waitForLog(
      () => second.logs.filter((l) => l.msg === 'poll finished').length >= polls + 2,
      15_000,
    );
    const posted = h.topLevel();
    expect(posted).toHaveLength(2);
    expect(new Set(keys(posted)).size).toBe(2);
    expect(JSON.stringify(posted[0]?.blocks)).toContain('US presses Meta');
    expect(JSON.stringify(posted[1]?.blocks)).toContain('Anthropic challenges June 12 directive');
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === CHANNEL)).toHaveLength(2);

    // A roster edit through the standby is what the leader answers, and the other way round.
    const before = await command(second, 'status meta');
    expect(JSON.stringify(before.body)).toMatch(/not signed/i);
    const set = await command(third, 'set meta caisi signed 2026-07-01');
    expect(set.status).toBe(200);
    expect(JSON.stringify(set.body)).toContain('not-signed → signed');
    const status = await command(second, 'status meta');
    expect(JSON.stringify(status.body)).toMatch(/signed/);
    expect(JSON.stringify(status.body)).not.toMatch(/not signed/i);
    const history = await command(third, 'history meta');
    expect(JSON.stringify(history.body)).toContain('U0ADMIN');

    for (const r of [second, third]) expect(r.stderr()).toBe('');
  });

  it('a leader paused past its lease saves and sends nothing when it wakes; the new leader posts once', {
    timeout: 60_000,
  }, async () => {
    const alive = h.apps().filter((a) => a.child.exitCode === null && a.child.signalCode === null);
    expect(alive).toHaveLength(2);
    const leader = alive.find(isLeader) as AppProcess;
    const other = alive.find((a) => a !== leader) as AppProcess;
    expect(leader).toBeDefined();
    const before = h.topLevel().length;
    // Pause the leader, then publish: only another replica can see the story now.
    leader.child.kill('SIGSTOP');
    const pausedAt = Date.now();
    serve([STORY_1, STORY_2, STORY_3]);
    await other.waitForLog(
      (l) => l.msg === 'became leader: polling and sending' && Number(l.time) >= pausedAt - 50,
      20_000,
    );
    await slack.waitFor(() => h.topLevel().length === before + 1, 20_000);
    // Wake the old leader: it finds its lease gone and stands by, without a post or a poll saved.
    const resumedAt = leader.logs.length;
    leader.child.kill('SIGCONT');
    await leader.waitForLog((l) => l.msg === 'lost leadership: standing by', 20_000);
    const polls = other.logs.filter((l) => l.msg === 'poll finished').length;
    await other.waitForLog(
      () => other.logs.filter((l) => l.msg === 'poll finished').length >= polls + 2,
      15_000,
    );
    expect(h.topLevel()).toHaveLength(before + 1);
    expect(new Set(keys(h.topLevel())).size).toBe(before + 1);
    expect(await health(leader)).toMatchObject({ role: 'standby' });
    // Whatever it had in flight when paused, it saved no poll and sent nothing after waking.
    const after = leader.logs.slice(resumedAt).map((l) => l.msg);
    expect(after).not.toContain('poll finished');
    expect(after).not.toContain('delivered');
    expect(await health(other)).toMatchObject({ role: 'leader' });
  });
});
