/**
 * A local WebSocket server that speaks Slack's Socket Mode protocol, for tests
 * (docs.slack.dev/apis/events-api/using-socket-mode). The Web API stand-in's `apps.connections.open`
 * hands out its URL: `slack.setSocketModeUrl(() => socket.nextUrl())`.
 *
 * What it models:
 * - On connect: `{type: "hello", num_connections, connection_info, debug_info}`.
 * - Envelopes `slash_commands`, `events_api` and `interactive`, each with an `envelope_id`; the app
 *   acks with `{envelope_id, payload?}` on the same socket; `send*` resolve with that ack.
 * - `{type: "disconnect", reason: "refresh_requested"}` (or any reason), after which a client opens a
 *   new connection; `drop()` cuts the TCP connection without a close frame.
 * - Ping/pong: `ping()` resolves on the client's pong; the `ws` library answers the client's pings.
 * - Faults for the next connections: refuse the upgrade (the TCP connection is cut), or accept and
 *   close before hello.
 * - `waitFor` resolves on events (connection, message, close): no polling, no sleeping.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { slashCommandFields } from './signed-request.js';

export interface SocketConnection {
  id: number;
  ticket: string;
  ws: WebSocket;
  /** Messages from the app (acks), parsed. */
  received: Array<{ envelope_id?: string; payload?: unknown; [k: string]: unknown }>;
  pongs: number;
  helloSent: boolean;
  closed: boolean;
  /** The close code the server saw (1000 after a clean close handshake, 1006 for a cut). */
  closeCode?: number;
}

export type ConnectFault = 'refuse-upgrade' | 'close-before-hello';

export interface Ack {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export class SocketModeServer {
  readonly connections: SocketConnection[] = [];
  /** Upgrade requests seen, including refused ones. */
  attempts = 0;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Socket>();
  private readonly events = new EventEmitter();
  private readonly faults: ConnectFault[] = [];
  private tickets = 0;
  private envelopes = 0;
  private port = 0;

  constructor(readonly appId = 'A0TEST') {
    this.events.setMaxListeners(0);
    this.wss = new WebSocketServer({ noServer: true });
    this.http = createServer((_req, res) => {
      res.writeHead(426).end('Socket Mode: upgrade required');
    });
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('upgrade', (req, socket, head) => {
      this.attempts++;
      const fault = this.faults.shift();
      if (fault === 'refuse-upgrade') {
        socket.destroy();
        this.changed();
        return;
      }
      const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket, fault));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  /** A fresh URL, as `apps.connections.open` gives one per connection. */
  nextUrl(): string {
    this.tickets++;
    return `ws://127.0.0.1:${this.port}/link/?ticket=t${this.tickets}&app_id=${this.appId}`;
  }

  /** The next connection attempts fail this way, in order. */
  failNextConnections(fault: ConnectFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** The open connection that has had its hello, if any. */
  get current(): SocketConnection | undefined {
    return [...this.connections].reverse().find((c) => !c.closed && c.helloSent);
  }

  get openCount(): number {
    return this.connections.filter((c) => !c.closed).length;
  }

  /** Wait until a connection (the n-th, 1-based; default: any new one after `after`) is open with hello. */
  waitForConnection(n = this.connections.length + 1, timeoutMs = 10_000): Promise<SocketConnection> {
    return this.waitFor(() => {
      const c = this.connections[n - 1];
      return c && !c.closed && c.helloSent ? c : undefined;
    }, timeoutMs);
  }

  /** Send an envelope on the current connection; resolves with the app's ack. */
  async sendEnvelope(
    type: 'slash_commands' | 'events_api' | 'interactive',
    payload: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    timeoutMs = 5000,
  ): Promise<Ack> {
    const conn = this.current;
    if (!conn) throw new Error('no open Socket Mode connection');
    this.envelopes++;
    const envelope_id = `env-${this.envelopes}-${Math.random().toString(36).slice(2, 8)}`;
    conn.ws.send(
      JSON.stringify({
        envelope_id,
        payload,
        type,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
        ...extra,
      }),
    );
    return this.waitFor(
      () => conn.received.find((m) => m.envelope_id === envelope_id) as Ack | undefined,
      timeoutMs,
    );
  }

  /** `/caisi <text>` as Slack sends it over Socket Mode. */
  slashCommand(fields: Record<string, string>): Promise<Ack> {
    return this.sendEnvelope('slash_commands', slashCommandFields({ api_app_id: this.appId, ...fields }));
  }

  /** An Events API event (e.g. app_home_opened). */
  event(event: Record<string, unknown>): Promise<Ack> {
    const now = Math.floor(Date.now() / 1000);
    return this.sendEnvelope('events_api', {
      token: 'deprecated-verification-token',
      team_id: 'T0TEST',
      api_app_id: this.appId,
      event: { event_ts: `${now}.000100`, ...event },
      type: 'event_callback',
      event_id: `Ev${this.envelopes + 1}`,
      event_time: now,
      authorizations: [{ team_id: 'T0TEST', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
    });
  }

  /** An interactive payload (a button click: `block_actions`). */
  interactive(payload: Record<string, unknown>): Promise<Ack> {
    return this.sendEnvelope('interactive', payload);
  }

  /** Ask the app to reconnect, as Slack does every few hours. */
  disconnect(reason = 'refresh_requested'): void {
    const conn = this.current;
    if (!conn) throw new Error('no open Socket Mode connection');
    conn.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-test' } }));
  }

  /** Cut the current connection without a close frame (a network blip). */
  drop(): void {
    this.current?.ws.terminate();
  }

  /** Ping the app; resolves once its pong arrives. */
  async ping(): Promise<void> {
    const conn = this.current;
    if (!conn) throw new Error('no open Socket Mode connection');
    const before = conn.pongs;
    conn.ws.ping(Buffer.from('ping from the test Slack'));
    await this.waitFor(() => conn.pongs > before);
  }

  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = predicate();
        if (v) {
          done();
          resolve(v as T);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `socket waitFor timed out after ${timeoutMs} ms (${this.attempts} attempts, ${this.connections.length} connections)`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.events.off('change', check);
      };
      this.events.on('change', check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) if (!c.closed) c.ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private accept(ws: WebSocket, ticket: string, fault: ConnectFault | undefined): void {
    const conn: SocketConnection = {
      id: this.connections.length + 1,
      ticket,
      ws,
      received: [],
      pongs: 0,
      helloSent: false,
      closed: false,
    };
    this.connections.push(conn);
    ws.on('message', (data) => {
      try {
        conn.received.push(JSON.parse(String(data)));
      } catch {
        conn.received.push({ raw: String(data) });
      }
      this.changed();
    });
    ws.on('pong', () => {
      conn.pongs++;
      this.changed();
    });
    ws.on('close', (code) => {
      conn.closed = true;
      conn.closeCode = code;
      this.changed();
    });
    ws.on('error', () => {});
    if (fault === 'close-before-hello') {
      ws.close(1011, 'test: closed before hello');
      this.changed();
      return;
    }
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openCount,
        debug_info: { host: 'applink-test', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    conn.helloSent = true;
    this.changed();
  }

  private changed(): void {
    this.events.emit('change');
  }
}

export async function startSocketModeServer(appId?: string): Promise<SocketModeServer> {
  return new SocketModeServer(appId).listen();
}
