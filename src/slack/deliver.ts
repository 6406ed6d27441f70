/**
 * Delivery: the outbox worker. Exactly once across crashes and Slack faults:
 *  1. a delivery is marked `sending` in the store before the Slack call;
 *  2. the message carries the delivery key in its `metadata`;
 *  3. a delivery whose outcome is unknown (crash, timeout, 5xx) is looked up with
 *     `conversations.history` before it is ever sent again.
 * The outbox owns retries (the WebClient's own are off) and reads time from an injected clock,
 * so tests drive 429s and backoff without sleeping.
 */
import type { KnownBlock, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { renderAlertBlocks } from '../render/alert.js';
import { escapeMrkdwn, truncate } from '../render/mrkdwn.js';
import type { Roster } from '../roster/schema.js';
import type { Store } from '../store/store.js';
import type { OutboxRow } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { renderDigest } from './digest.js';
import {
  classifySlackError,
  MISSING_SCOPE_PREFIX,
  missingScopeError,
  type SlackCallError,
  scopeLabel,
} from './slack-errors.js';

export const ALERT_EVENT_TYPE = 'caisi_alert';

export interface DelivererDeps {
  store: Store;
  client: WebClient;
  roster: () => Promise<Roster>;
  clock: Clock;
  logger: Logger;
  /** Gap between two messages to the same channel (Slack allows about one a second). */
  channelGapMs?: number;
  /** Told when a delivery is parked, so admins hear of it privately. */
  onParked?: (row: OutboxRow, error: string) => void | Promise<void>;
  /**
   * Told the first time (per run) Slack refuses a call for lack of a scope, so admins hear which
   * scope to add. `method` is the Web API method that needed it.
   */
  onMissingScope?: (scope: string, method: string) => void | Promise<void>;
  maxAttempts?: number;
  /** With several replicas: checked in the transaction that marks a delivery as sending. */
  fence?: (t: Store) => Promise<boolean>;
  /** With several replicas: may this replica start a Slack call now (its lease has time left)? */
  mayAct?: () => boolean;
}

type SlackError = SlackCallError;

export const backoffMs = (attempts: number) => Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';
/** How many queued deliveries one scheduling pass looks at. */
const SCAN_LIMIT = 2000;

/** Channel ids that may be joined: public channels (C…) and legacy groups (G…, refused by Slack). */
const JOINABLE = /^[CG][A-Z0-9]+$/;

export class Deliverer {
  private readonly channelReadyAt = new Map<string, number>();
  /** Channels with a delivery in flight: never two calls to one channel at once. */
  private readonly inFlight = new Set<string>();
  /** Channels the bot joined (or need not / cannot join) since start. */
  private readonly joined = new Set<string>();
  private authError: string | null = null;
  /** Scopes Slack said the token lacks, since start. */
  private readonly missingScopes = new Set<string>();
  private readonly gap: number;

  constructor(private readonly d: DelivererDeps) {
    this.gap = d.channelGapMs ?? 1100;
  }

  /** Set when Slack rejected the token: nothing is posted until restart with a good one. */
  get stoppedBecause(): string | null {
    return this.authError;
  }

  private now() {
    return this.d.clock.now();
  }
  private iso(ms = this.now()) {
    return new Date(ms).toISOString();
  }

  /**
   * After a restart: every delivery left `sending` may or may not be in Slack. Look for it by its
   * key; found → sent, not found → pending again.
   */
  async recover(): Promise<void> {
    // Parked for a missing scope: the scope may have been added since (reinstall, restart); try again.
    const released = await this.d.store.unparkByError(MISSING_SCOPE_PREFIX, this.iso());
    if (released) this.d.logger.info({ released }, 'deliveries parked for a missing scope are tried again');
    for (const row of await this.d.store.inDoubtDeliveries()) {
      try {
        const ts = await this.findPosted(row);
        if (ts) {
          await this.d.store.markSent(row.id, ts, this.iso());
          this.d.logger.info({ delivery: row.deliveryKey, ts }, 'delivery found in Slack after restart');
        } else {
          await this.d.store.retryLater(row.id, this.iso(), 'not found in channel history after restart');
          await this.d.store.patchPayload(row.id, { inDoubt: false });
        }
      } catch (err) {
        // A missing scope (e.g. im:history for an admin's DM) parks this one delivery.
        if (classifySlackError(err).kind === 'missing-scope') {
          await this.d.store.patchPayload(row.id, { inDoubt: true }); // looked up again once released
          await this.handleError(row, err as SlackError);
          continue;
        }
        // History unreadable now: keep it in doubt; it is checked again before any send.
        await this.d.store.retryLater(row.id, this.iso(this.now() + backoffMs(row.attempts)), errorText(err));
        await this.d.store.patchPayload(row.id, { inDoubt: true });
      }
    }
  }

  /**
   * When the worker should run next: the earliest pending delivery (a retry, or a channel's pacing
   * gap) in a channel that is not busy. A busy channel's next message waits for its call to end.
   */
  async nextWakeAt(): Promise<number | null> {
    if (this.authError) return null;
    if (this.inFlight.size === 0) {
      const t = await this.d.store.nextDeliveryTime();
      return t ? Date.parse(t) : null;
    }
    let min: number | null = null;
    for (const row of await this.d.store.dueDeliveries(FAR_FUTURE, SCAN_LIMIT)) {
      if (this.inFlight.has(row.channel)) continue;
      const t = Date.parse(row.nextAttemptAt);
      if (min === null || t < min) min = t;
    }
    return min;
  }

  /** Channels with a Slack call in flight. */
  get busyChannels(): number {
    return this.inFlight.size;
  }

  /**
   * Start what is due, at most one message per channel (Slack's per-channel pace), and return the
   * deliveries started without waiting for them: a channel whose call hangs or waits never holds
   * the others, and is skipped until its call ends.
   */
  async startDue(): Promise<Promise<boolean>[]> {
    if (this.authError) return [];
    const now = this.now();
    const due = await this.d.store.dueDeliveries(this.iso(now), SCAN_LIMIT);
    const firstPerChannel = new Map<string, OutboxRow>();
    for (const row of due)
      if (!firstPerChannel.has(row.channel) && !this.inFlight.has(row.channel))
        firstPerChannel.set(row.channel, row);
    const started: Promise<boolean>[] = [];
    for (const row of firstPerChannel.values()) {
      const ready = this.channelReadyAt.get(row.channel) ?? 0;
      if (ready > now) {
        await this.d.store.retryLater(row.id, this.iso(ready), row.lastError ?? 'paced');
        continue;
      }
      this.inFlight.add(row.channel);
      started.push(
        this.deliver(row)
          .catch((err: unknown) => {
            this.d.logger.error(
              { delivery: row.deliveryKey, err: errorText(err) },
              'delivery failed unexpectedly',
            );
            return false;
          })
          .finally(() => this.inFlight.delete(row.channel)),
      );
    }
    return started;
  }

  /** Start what is due (see startDue) and wait for those deliveries; returns how many were sent. */
  async runDue(): Promise<number> {
    const results = await Promise.all(await this.startDue());
    return results.filter(Boolean).length;
  }

  /** Deliver everything due now and whatever becomes due as the clock moves (tests, shutdown). */
  async drain(maxRounds = 1000): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      const sent = await this.runDue();
      if (this.authError) return;
      // Stop when nothing was sent and nothing is due now (a retry queued for "now", such as the
      // plain-text fallback, goes round again).
      if (sent === 0 && (await this.d.store.dueDeliveries(this.iso(), 1)).length === 0) return;
    }
  }

  private async deliver(row: OutboxRow): Promise<boolean> {
    const { store, logger } = this.d;
    if (row.payload.inDoubt) {
      try {
        const ts = await this.findPosted(row);
        if (ts) {
          await store.markSent(row.id, ts, this.iso());
          return true;
        }
        await store.patchPayload(row.id, { inDoubt: false });
      } catch (err) {
        // History unreadable: a rate limit waits, a channel the bot cannot read parks (still in
        // doubt, so it is looked up again when released), anything else backs off.
        await this.handleError(row, err as SlackError);
        return false;
      }
    }
    // Join before rendering: the render and `sending` must not be split by an await, or a source
    // that a poll adds meanwhile is neither in the message nor queued as an update (the poll sees
    // the alert still pending and leaves it to the render).
    if (row.kind !== 'update') await this.ensureJoined(row.channel);
    // Render and `sending` in one transaction: a poll that adds a source meanwhile either comes
    // first (and is in the message) or sees the alert in flight (and queues an update).
    const message = await store.tx(async (t) => {
      // Claimed for this transaction: pending still, and nobody else is sending it.
      if (!(await t.claimDelivery(row.id))) return { kind: 'gone' as const };
      // Only the leader sends; a former leader's stale token passes no more.
      if (this.d.fence && !(await this.d.fence(t))) return { kind: 'gone' as const };
      const m = await this.render(row, t);
      if (!m) {
        // Nothing to say (the story is gone, or an update for an alert not yet posted): done.
        await t.markSent(row.id, null, this.iso());
        return null;
      }
      if (m.kind === 'wait') {
        await t.retryLater(row.id, this.iso(this.now() + 1000), 'waiting for the alert to be posted');
        return null;
      }
      await t.markSending(row.id, this.iso());
      return m;
    });
    if (!message || message.kind === 'gone') return false;
    if (this.d.mayAct && !this.d.mayAct()) {
      // Paused past the lease between marking and sending: send nothing. It stays in doubt; the
      // next leader looks it up in the channel before sending it.
      logger.warn(
        { delivery: row.deliveryKey },
        'leader lease ending: not sending; left for the next leader',
      );
      return false;
    }
    this.channelReadyAt.set(row.channel, this.now() + this.gap);
    try {
      let ts: string | null;
      if (message.kind === 'update') {
        await this.d.client.chat.update({
          channel: row.channel,
          ts: message.ts,
          text: message.text,
          blocks: (message.blocks ?? []) as unknown as KnownBlock[],
        });
        ts = message.ts;
      } else {
        const res = await this.d.client.chat.postMessage({
          channel: row.channel,
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks as unknown as KnownBlock[] } : {}),
          unfurl_links: false,
          unfurl_media: false,
          metadata: {
            event_type: ALERT_EVENT_TYPE,
            event_payload: { delivery_id: row.deliveryKey, story_id: row.storyId ?? 0 },
          },
        });
        ts = (res.ts as string | undefined) ?? null;
      }
      await store.markSent(row.id, ts, this.iso());
      logger.info({ delivery: row.deliveryKey, channel: row.channel, kind: row.kind }, 'delivered');
      return true;
    } catch (err) {
      await this.handleError(row, err as SlackError);
      return false;
    }
  }

  private async handleError(row: OutboxRow, err: SlackError): Promise<void> {
    const { store, logger } = this.d;
    const fault = classifySlackError(err);
    const method = methodOf(err) ?? (row.kind === 'update' ? 'chat.update' : 'chat.postMessage');
    switch (fault.kind) {
      case 'rate-limited': {
        const wait = fault.retryAfterSeconds * 1000;
        const at = this.now() + wait;
        this.channelReadyAt.set(row.channel, at);
        await store.retryLater(row.id, this.iso(at), `rate limited; retry after ${wait / 1000} s`);
        logger.warn(
          { delivery: row.deliveryKey, channel: row.channel, retryAfterSeconds: wait / 1000 },
          'Slack rate limit',
        );
        return;
      }
      case 'missing-scope':
        // Only this delivery (and others that need the same scope, as they meet it) waits; the
        // rest go on. Released at the next start, once the scope may have been added.
        await store.park(row.id, missingScopeError(fault.scope));
        logger.warn(
          { delivery: row.deliveryKey, channel: row.channel, method, scope: fault.scope },
          `delivery parked: the bot token lacks the Slack scope ${scopeLabel(fault.scope)} (for ${method})`,
        );
        await this.reportMissingScope(fault.scope, method);
        return;
      case 'auth':
        this.authError = fault.code;
        await store.retryLater(row.id, this.iso(), fault.code);
        logger.error(
          { error: fault.code },
          `Slack refused the bot token (${fault.code}): posting stopped, nothing is lost; fix SLACK_BOT_TOKEN and restart`,
        );
        return;
      case 'park':
        await store.park(row.id, fault.code);
        logger.warn(
          { delivery: row.deliveryKey, channel: row.channel, error: fault.code },
          'delivery parked',
        );
        await this.d.onParked?.(row, fault.code);
        return;
      case 'content':
        if (!row.payload.fallback) {
          await store.patchPayload(row.id, { fallback: true });
          await store.retryLater(row.id, this.iso(), fault.code);
          logger.warn(
            { delivery: row.deliveryKey, error: fault.code },
            'Slack refused the message; sending a plain one',
          );
          return;
        }
        await this.refused(row, fault.code);
        return;
      case 'refused':
        if (row.kind === 'update' && fault.code === 'message_not_found') {
          await store.markSent(row.id, null, this.iso());
          return;
        }
        await this.refused(row, fault.code);
        return;
      case 'unknown-outcome':
        // Timeout, network error or 5xx: the message may or may not have been posted.
        await store.patchPayload(row.id, { inDoubt: row.kind !== 'update' });
        await this.retry(row, err);
        return;
    }
  }

  /** Slack said no, so nothing was posted: retry with backoff, then park. */
  private async refused(row: OutboxRow, code: string): Promise<void> {
    const { store } = this.d;
    if (row.attempts + 1 >= (this.d.maxAttempts ?? 8)) {
      await store.park(row.id, code);
      await this.d.onParked?.(row, code);
    } else await store.retryLater(row.id, this.iso(this.now() + backoffMs(row.attempts + 1)), code);
  }

  /** Once per scope per run: the admins are told which scope to add. */
  private async reportMissingScope(scope: string, method: string): Promise<void> {
    if (this.missingScopes.has(scope)) return;
    this.missingScopes.add(scope);
    this.d.logger.error(
      { scope, method },
      `the bot token lacks the Slack scope ${scopeLabel(scope)} (needed for ${method}): add it to the app (manifest.yml, OAuth & Permissions), reinstall, restart; what needs it is parked, everything else goes on`,
    );
    await this.d.onMissingScope?.(scope, method);
  }

  /** Scopes Slack said the token lacks, since start. */
  get lackingScopes(): string[] {
    return [...this.missingScopes];
  }

  private async retry(row: OutboxRow, err: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    await this.d.store.retryLater(row.id, this.iso(this.now() + backoffMs(attempts)), errorText(err));
    this.d.logger.warn(
      { delivery: row.deliveryKey, channel: row.channel, attempts, err: errorText(err) },
      'delivery failed; will retry',
    );
  }

  /**
   * Join a public channel before the first post there. chat:write.public lets the bot post without
   * joining, but a bot token reads conversations.history only where it is a member, and recovery
   * after a crash needs that read. Private channels and DMs cannot be joined (the bot must be
   * invited); any refusal is left for the post itself to report (it parks with the right reason).
   * Returns whether the bot is now known to be a member.
   */
  private async ensureJoined(channel: string, force = false): Promise<boolean> {
    if (!JOINABLE.test(channel) || (this.joined.has(channel) && !force)) return false;
    try {
      await this.d.client.conversations.join({ channel });
      this.joined.add(channel);
      return true;
    } catch (err) {
      const e = err as SlackError;
      const code = e.data?.error ?? '';
      const fault = classifySlackError(err);
      // No channels:join: post anyway (chat:write.public), and tell the admins once.
      if (fault.kind === 'missing-scope') await this.reportMissingScope(fault.scope, 'conversations.join');
      // A definite answer (private channel, no channels:join scope, gone): do not ask again.
      // A transient one (429, 5xx, timeout): try again before the next post.
      if (e.code === 'slack_webapi_platform_error') this.joined.add(channel);
      this.d.logger.debug(
        { channel, err: code || e.message },
        'conversations.join failed; posting without joining',
      );
      return false;
    }
  }

  /** Look for a delivery's message in the channel by the key in its metadata. */
  private async findPosted(row: OutboxRow): Promise<string | null> {
    if (row.kind === 'update') return null;
    const since = Date.parse(row.sendingAt ?? row.createdAt) - 10 * 60_000;
    let cursor: string | undefined;
    let rejoined = false;
    // A notice to an admin is posted with their user id; its history is that of the app's DM.
    const channel = /^[UW][A-Z0-9]+$/.test(row.channel)
      ? ((
          await this.d.client.conversations
            .open({ users: row.channel })
            .catch((err: unknown) => Promise.reject(tagMethod(err, 'conversations.open')))
        ).channel?.id ?? row.channel)
      : row.channel;
    for (let page = 0; page < 10; page++) {
      const args = {
        channel,
        oldest: String(Math.max(0, since) / 1000),
        include_all_metadata: true,
        limit: 200,
        cursor,
      };
      let res: Awaited<ReturnType<WebClient['conversations']['history']>>;
      try {
        res = await this.d.client.conversations.history(args);
      } catch (err) {
        tagMethod(err, 'conversations.history');
        // Posted through chat:write.public but not a member (e.g. joined before a restart, then
        // removed): join once and read again.
        if ((err as SlackError).data?.error !== 'not_in_channel' || rejoined) throw err;
        rejoined = true;
        if (!(await this.ensureJoined(row.channel, true))) throw err;
        res = await this.d.client.conversations
          .history(args)
          .catch((e: unknown) => Promise.reject(tagMethod(e, 'conversations.history')));
      }
      for (const m of res.messages ?? []) {
        const payload = (m as { metadata?: { event_payload?: { delivery_id?: string } } }).metadata
          ?.event_payload;
        if (payload?.delivery_id === row.deliveryKey) return m.ts ?? null;
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return null;
  }

  private async render(
    row: OutboxRow,
    store: Store,
  ): Promise<
    | { kind: 'post'; text: string; blocks?: Record<string, unknown>[] }
    | { kind: 'update'; ts: string; text: string; blocks?: Record<string, unknown>[] }
    | { kind: 'wait' }
    | null
  > {
    const r = await this.d.roster();
    if (row.kind === 'notice' || row.kind === 'digest') {
      const text =
        row.kind === 'digest'
          ? await renderDigest(r, store, row.payload)
          : escapeMrkdwn(String(row.payload.text ?? ''));
      return text ? { kind: 'post', text: truncate(text, 3900) } : null;
    }
    const story = row.storyId != null ? await store.story(row.storyId) : undefined;
    if (!story) return null;
    const rendered = renderAlertBlocks(r, story, await store.proposalsForStory(story.id));
    const plain = {
      text: truncate(
        `${rendered.text}${story.sources[0]?.link ? `\n${story.sources[0].link}` : ''}${story.sources.length > 1 ? `\nAlso covered by ${story.sources.length - 1} more outlet(s).` : ''}`,
        1500,
      ),
    };
    const body = row.payload.fallback ? plain : { text: rendered.text, blocks: rendered.blocks };
    if (row.kind === 'alert') return { kind: 'post', ...body };
    const alert = await store.sentAlert(story.id, row.channel);
    // No alert, or one not posted yet: the alert is rendered when sent and will name this source.
    if (!alert || alert.state === 'parked' || (alert.state === 'pending' && !alert.payload.inDoubt))
      return null;
    if (alert.state !== 'sent' || !alert.messageTs) return { kind: 'wait' };
    return { kind: 'update', ts: alert.messageTs, ...body };
  }
}

/** Which Web API method an error came from, when it was not the post itself. */
const METHOD_TAG = Symbol('slackMethod');
function tagMethod(err: unknown, method: string): unknown {
  if (err && typeof err === 'object') (err as { [METHOD_TAG]?: string })[METHOD_TAG] = method;
  return err;
}
const methodOf = (err: unknown) =>
  err && typeof err === 'object' ? (err as { [METHOD_TAG]?: string })[METHOD_TAG] : undefined;

const errorText = (err: unknown) => {
  const e = err as SlackError;
  return (e.data?.error ?? e.message ?? String(err)).slice(0, 300);
};
