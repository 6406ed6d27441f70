/**
 * Daily digests for channels subscribed with `daily`: queued at the configured hour in the configured
 * time zone (time injected), grouped by lab with the roster line, delivered through the outbox;
 * nothing when nothing happened, and never twice a day.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Context, createContext } from '../../src/app/context.js';
import { applyRosterEdits } from '../../src/roster/effective.js';
import { Deliverer } from '../../src/slack/deliver.js';
import { queueDueDigests } from '../../src/slack/digest.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { type SlackApiServer, startSlackApiServer } from '../slack-api-server.js';

const TOKEN = 'xoxb-digest-test';
const NY = { hour: 9, timeZone: 'America/New_York' };

let slack: SlackApiServer;
let ctx: Context;
let clock: ManualClock;
let deliverer: Deliverer;
let feedId: number;

const iso = () => new Date(clock.now()).toISOString();

async function story(title: string, labs: string[], programs: string[], link: string) {
  return await ctx.store.createStory(
    {
      title,
      labs,
      programs,
      summary: 'summary',
      published: iso(),
      source: { feedId, itemId: link, outlet: 'Wire', title, link, published: iso() },
    },
    iso(),
  );
}

beforeEach(async () => {
  // 2026-06-24 08:30 in New York (EDT, UTC-4).
  clock = new ManualClock(Date.parse('2026-06-24T12:30:00Z'));
  slack = await startSlackApiServer({ token: TOKEN, now: () => clock.now() });
  ctx = await createContext({ dbFile: ':memory:' });
  feedId = (await ctx.store.addFeed('https://example.org/feed.xml', 'U0ADMIN', iso())).feed.id;
  deliverer = new Deliverer({
    store: ctx.store,
    client: new webApi.WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    }),
    roster: async () => applyRosterEdits(ctx.seed, await ctx.store.rosterEdits()),
    clock,
    logger: createLogger('trace', { write: () => {} }),
    channelGapMs: 0,
  });
});

afterEach(async () => {
  await slack.close();
  await ctx.close();
});

describe('daily digest', () => {
  it('is queued at the configured hour and time zone, once a day, grouped by lab with the roster line', async () => {
    await ctx.store.subscribe(
      { channel: 'C0DAILY', target: 'all', mode: 'daily', createdBy: 'U0ADMIN' },
      iso(),
    );
    await ctx.store.subscribe(
      { channel: 'C0LIVE', target: 'all', mode: 'realtime', createdBy: 'U0ADMIN' },
      iso(),
    );
    await story('Officials email Meta about the CAISI review', ['meta'], ['caisi'], 'https://example.org/a');
    await story('Meta says it hopes to sign soon', ['meta'], ['caisi'], 'https://example.org/b');
    await story('OpenAI extends its review agreement', ['openai'], ['caisi'], 'https://example.org/c');

    expect(await queueDueDigests(ctx.store, clock.now(), NY)).toBe(0); // 08:30 in New York
    clock.set('2026-06-24T13:00:00Z'); // 09:00 EDT
    expect(await queueDueDigests(ctx.store, clock.now(), NY)).toBe(1);
    expect(await queueDueDigests(ctx.store, clock.now(), NY)).toBe(0);
    clock.advance(3_600_000);
    expect(await queueDueDigests(ctx.store, clock.now(), NY)).toBe(0); // the day is claimed

    await deliverer.drain();
    expect(slack.messages('C0LIVE')).toHaveLength(0); // realtime channels get no digest
    const [msg] = slack.messages('C0DAILY');
    const text = msg?.text ?? '';
    expect(text).toContain('daily digest — 2026-06-24');
    expect(text).toContain('(3 stories)');
    expect(text).toContain('*Meta*');
    expect(text).toContain('*OpenAI*');
    expect(text).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    expect(text.indexOf('Officials email Meta')).toBeGreaterThan(text.indexOf('*Meta*'));
    expect(text.indexOf('Meta says it hopes')).toBeLessThan(text.indexOf('*OpenAI*'));
    expect(text).toContain('<https://example.org/c|OpenAI extends its review agreement>');

    // The next day, at 09:00 New York time, a new digest (with what happened since).
    await story('xAI joins a new review pilot', ['xai'], ['caisi'], 'https://example.org/d');
    clock.set('2026-06-25T13:00:00Z');
    expect(await queueDueDigests(ctx.store, clock.now(), NY)).toBe(1);
    await deliverer.drain();
    expect(slack.messages('C0DAILY')).toHaveLength(2);
    expect(slack.messages('C0DAILY')[1]?.text).toContain('2026-06-25');
  });

  it('follows the configured time zone', async () => {
    await ctx.store.subscribe(
      { channel: 'C0BERLIN', target: 'all', mode: 'daily', createdBy: 'U0ADMIN' },
      iso(),
    );
    const berlin = { hour: 9, timeZone: 'Europe/Berlin' }; // CEST, UTC+2
    clock.set('2026-06-24T05:00:00Z');
    await story('Meta and CAISI', ['meta'], ['caisi'], 'https://example.org/e');
    clock.set('2026-06-24T06:59:00Z');
    expect(await queueDueDigests(ctx.store, clock.now(), berlin)).toBe(0);
    clock.set('2026-06-24T07:00:00Z');
    expect(await queueDueDigests(ctx.store, clock.now(), berlin)).toBe(1);
  });

  it('sends nothing when nothing happened, or nothing the channel follows', async () => {
    await ctx.store.subscribe(
      { channel: 'C0QUIET', target: 'xai', mode: 'daily', createdBy: 'U0ADMIN' },
      iso(),
    );
    await ctx.store.subscribe(
      { channel: 'C0EMPTY', target: 'all', mode: 'daily', createdBy: 'U0ADMIN' },
      iso(),
    );
    clock.set('2026-06-24T13:00:00Z');
    expect(await queueDueDigests(ctx.store, clock.now(), NY)).toBe(0);
    await story('Meta and CAISI', ['meta'], ['caisi'], 'https://example.org/f');
    clock.set('2026-06-25T13:00:00Z');
    expect(await queueDueDigests(ctx.store, clock.now(), NY)).toBe(1); // C0EMPTY (all), not C0QUIET (xai)
    await deliverer.drain();
    expect(slack.messages('C0QUIET')).toHaveLength(0);
    expect(slack.messages('C0EMPTY')).toHaveLength(1);
    expect(slack.allMessages()).toHaveLength(1);
  });
});
