/**
 * Socket Mode, the default install path, over a local WebSocket server that speaks the protocol
 * (test/socket-mode-server.ts) and the local Web API stand-in, whose `apps.connections.open`
 * answers that server's URL. The app is the one `start` builds (createSlackApp), in-process, with
 * the connection's retry waits shortened to milliseconds; every wait below is for an event
 * (a connection, an ack, a log line), never for time.
 *
 * Covered: /caisi, App Home and buttons over the socket; 503s and dropped connections at start and
 * on refresh; a connection cut while connected; ping/pong; the alert client keeps `retries: 0`.
 * The same as a child process, with SIGTERM in the middle of a reconnect: socket-mode-process.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SHARE_ACTION } from '../../src/render/alert.js';
import { reconnectDelayMs } from '../../src/slack/socket.js';
import { type InProcessApp, type LogLine, startInProcessApp } from '../helpers/app-process.js';
import { buttonClickPayload } from '../signed-request.js';
import type { SlackApiServer } from '../slack-api-server.js';
import type { SocketModeServer } from '../socket-mode-server.js';

let app: InProcessApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(beforeStart?: (slack: SlackApiServer, socket: SocketModeServer) => void) {
  app = await startInProcessApp({ mode: 'socket', admins: ['U0ADMIN'], beforeStart });
  return { app, slack: app.slack, socket: app.socketServer as SocketModeServer };
}

const failedAttempts = (logs: LogLine[]) =>
  logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('Socket Mode: could not connect'));

const statusMeta = (socket: SocketModeServer) =>
  socket.slashCommand({ text: 'status meta', user_id: 'U0USER', channel_id: 'C0POLICY' });

describe('Socket Mode: the bot over the socket', () => {
  it('answers /caisi in the ack, publishes App Home, and handles a button', async () => {
    const { app, slack, socket } = await start();
    expect(app.socket?.isConnected).toBe(true);
    expect(slack.callsTo('apps.connections.open')[0]?.token).toBe(app.slack.appToken);

    const ack = await statusMeta(socket);
    const reply = ack.payload as { response_type?: string; blocks?: unknown[] };
    expect(reply.response_type).toBe('ephemeral');
    expect(JSON.stringify(reply)).toContain('Meta: status');
    expect(JSON.stringify(reply)).toContain(SHARE_ACTION);

    const home = await socket.event({
      type: 'app_home_opened',
      user: 'U0ADMIN',
      channel: 'D0ADMIN',
      tab: 'home',
    });
    expect(home.envelope_id).toMatch(/^env-/);
    await slack.waitFor(() => slack.view('U0ADMIN'));
    expect(JSON.stringify(slack.view('U0ADMIN')?.blocks)).toMatch(/CAISI review/);

    const responseUrl = slack.responseUrl('share-socket');
    const click = await socket.interactive(
      buttonClickPayload({ actionId: SHARE_ACTION, value: 'status meta', userId: 'U0USER', responseUrl }),
    );
    expect(click.envelope_id).toMatch(/^env-/);
    const shared = await slack.waitForResponse(1);
    expect(shared.id).toBe('share-socket');
    expect(JSON.stringify(shared.body)).toContain('Shared by <@U0USER>');
  });

  it('answers pings with pongs', async () => {
    const { socket } = await start();
    await socket.ping();
    await socket.ping();
    expect(socket.current?.pongs).toBe(2);
  });
});

describe('Socket Mode: faults at start', () => {
  it('two 503s from apps.connections.open: one line per failed attempt, then connected', async () => {
    const { app, slack, socket } = await start((s) =>
      s.failNext('apps.connections.open', { status: 503 }, 2),
    );
    expect(slack.callsTo('apps.connections.open').map((c) => c.outcome)).toEqual([
      'http_503',
      'http_503',
      'ok',
    ]);
    const failed = failedAttempts(app.logs);
    expect(failed.map((l) => [l.attempt, l.err])).toEqual([
      [1, 'apps.connections.open: HTTP 503'],
      [2, 'apps.connections.open: HTTP 503'],
    ]);
    // Backoff doubles (4 ms, 8 ms before jitter), each wait between half and all of it.
    expect(Number(failed[0]?.retryInMs)).toBeGreaterThanOrEqual(2);
    expect(Number(failed[0]?.retryInMs)).toBeLessThanOrEqual(4);
    expect(Number(failed[1]?.retryInMs)).toBeGreaterThanOrEqual(4);
    expect(Number(failed[1]?.retryInMs)).toBeLessThanOrEqual(8);
    expect(app.logs.filter((l) => l.msg === 'Socket Mode connected')).toHaveLength(1);
    expect(JSON.stringify((await statusMeta(socket)).payload)).toContain('Meta: status');
  });

  it('dropped connections (the API call cut, the upgrade refused, closed before hello), then connected', async () => {
    const { app, slack, socket } = await start((s, ws) => {
      s.failNext('apps.connections.open', { drop: true });
      ws.failNextConnections('refuse-upgrade');
      ws.failNextConnections('close-before-hello');
    });
    expect(slack.callsTo('apps.connections.open')).toHaveLength(4);
    expect(socket.attempts).toBe(3);
    const failed = failedAttempts(app.logs);
    expect(failed).toHaveLength(3);
    expect(String(failed[0]?.err)).toMatch(/^apps\.connections\.open: /);
    expect(JSON.stringify((await statusMeta(socket)).payload)).toContain('Meta: status');
  });

  it('a 429 waits its Retry-After; a Slack-side error is retried with backoff', async () => {
    const { app, slack } = await start((s) => {
      s.failNext('apps.connections.open', { status: 429, retryAfter: 1 });
      s.failNext('apps.connections.open', { error: 'internal_error' });
    });
    expect(slack.callsTo('apps.connections.open').map((c) => c.outcome)).toEqual([
      'http_429',
      'internal_error',
      'ok',
    ]);
    const failed = failedAttempts(app.logs);
    expect(failed.map((l) => l.err)).toEqual([
      'apps.connections.open: rate limited',
      'apps.connections.open: internal_error',
    ]);
    expect(Number(failed[0]?.retryInMs)).toBeGreaterThanOrEqual(1000); // Retry-After: 1 is honoured
  });
});

describe('Socket Mode: refresh and drops while running', () => {
  it('disconnect (refresh_requested): a new connection with a new ticket; the old one closed cleanly', async () => {
    const { app, socket } = await start();
    const first = socket.current;
    socket.disconnect('refresh_requested');
    const second = await socket.waitForConnection(2);
    expect(second.ticket).not.toBe(first?.ticket);
    await socket.waitFor(() => first?.closed);
    expect(first?.closeCode).toBe(1000);
    expect(app.logs.find((l) => l.msg?.startsWith('Socket Mode connection closed'))?.reason).toBe(
      'refresh_requested',
    );
    expect(failedAttempts(app.logs)).toHaveLength(0);
    expect(JSON.stringify((await statusMeta(socket)).payload)).toContain('Meta: status');
  });

  it('503s on refresh: retried with backoff, one line each, then reconnected (no unhandled rejection)', async () => {
    const { app, slack, socket } = await start();
    slack.failNext('apps.connections.open', { status: 503 }, 3);
    socket.disconnect('refresh_requested');
    await socket.waitForConnection(2);
    await app.waitForLog((l) => l.msg === 'Socket Mode reconnected');
    expect(failedAttempts(app.logs).map((l) => l.attempt)).toEqual([1, 2, 3]);
    expect(app.logs.find((l) => l.msg === 'Socket Mode reconnected')?.attempt).toBe(4);
    expect(JSON.stringify((await statusMeta(socket)).payload)).toContain('Meta: status');
  });

  it('a dropped connection on refresh (upgrade refused, API call cut) and a cut while connected', async () => {
    const { app, slack, socket } = await start();
    socket.failNextConnections('refuse-upgrade');
    slack.failNext('apps.connections.open', { drop: true });
    socket.disconnect('refresh_requested');
    await socket.waitForConnection(2);
    expect(failedAttempts(app.logs)).toHaveLength(2);
    // A network blip: the TCP connection is cut, no close frame.
    socket.drop();
    await socket.waitForConnection(3);
    await app.waitForLog((l) => l.msg === 'Socket Mode reconnected' && l.connections === 3);
    expect(socket.connections[1]?.closeCode).toBe(1006);
    expect(JSON.stringify((await statusMeta(socket)).payload)).toContain('Meta: status');
    expect(socket.openCount).toBe(1);
  });

  it('the alert client does not retry on its own (the outbox does); the socket client does', async () => {
    const { app, slack } = await start();
    const channel = 'C0ALERTS';
    await app.ctx.store.enqueue(
      { key: 'notice:x', kind: 'notice', storyId: null, channel, payload: { text: 'hello' } },
      new Date(app.clock.now()).toISOString(),
    );
    slack.failNext('chat.postMessage', { status: 503 });
    await app.deliverer.runDue();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1); // one call: no client-side retry
    expect((await app.ctx.store.dueDeliveries('9999-01-01T00:00:00Z', 10))[0]?.lastError).toMatch(/503/);
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from the base up to the cap, with equal jitter', async () => {
    const policy = { baseMs: 1000, maxMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => reconnectDelayMs(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => reconnectDelayMs(n, policy, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(reconnectDelayMs(30, policy, () => 1)).toBe(60_000);
    expect(reconnectDelayMs(30, policy, () => 0)).toBe(30_000);
  });
});
