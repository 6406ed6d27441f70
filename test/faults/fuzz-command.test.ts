/**
 * Property-based fuzzing of `/caisi` command text through runCaisiCommand (in-memory store, stub admin
 * check): any unicode, quotes, mention and link syntax, huge inputs, from an admin or a stranger.
 * It always answers (bad input is a LookupError/UserError turned into a reply, never a throw), within a
 * bound, with well-formed Block Kit, and leaves no unhandled promise rejection behind.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../src/slack/command.js';
import { ADMIN, commandHarness, type Harness, STRANGER, seedState } from '../security/command-harness.js';

const BOUND_MS = 1500;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
let h: Harness;

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  h = commandHarness({ dns: { 'private.example': ['10.0.0.1'], 'gone.example': [] } });
  await seedState(h);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  h.close();
});

function expectWellFormed(reply: CommandReply): void {
  expect(['ephemeral', 'in_channel']).toContain(reply.response_type);
  expect(typeof reply.text).toBe('string');
  expect(reply.text.length).toBeGreaterThan(0);
  expect(reply.text.length).toBeLessThanOrEqual(40_000);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn' || o.type === 'plain_text') {
        expect(typeof o.text).toBe('string');
        expect((o.text as string).length).toBeGreaterThan(0);
        expect((o.text as string).length).toBeLessThanOrEqual(3000);
      }
      if (o.type === 'mrkdwn') expect(o.verbatim).toBe(true);
      Object.values(o).forEach(walk);
    }
  };
  walk(reply.blocks ?? []);
  expect((reply.blocks ?? []).length).toBeLessThanOrEqual(50);
}

async function answers(text: string, userId: string): Promise<void> {
  const started = performance.now();
  const reply = await h.run(text, userId);
  expectWellFormed(reply);
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
}

const SUBCOMMANDS = [
  'status',
  'roster',
  'timeline',
  'recent',
  'history',
  'feeds',
  'feeds list',
  'feeds add',
  'feeds remove',
  'subscribe',
  'unsubscribe',
  'set',
  'help',
  '?',
  'STATUS',
  'Feeds Add',
];
const WORDS = [
  'meta',
  'Meta Platforms',
  'openai',
  'open ai',
  'gdm',
  'google',
  'xai',
  'caisi',
  'eo-14409',
  'signed',
  'in-talks',
  'suspended',
  'daily',
  'realtime',
  'all',
  '0',
  '1',
  '50',
  '51',
  '-1',
  '1e400',
  '99999999999999999999',
  '#1',
  'NaN',
  '2026-07-01',
  '2026-02-30',
  '2026',
  '9999-99',
  'https://news.example/feed.xml',
  'http://127.0.0.1/feed',
  'http://private.example/feed',
  'http://gone.example/feed',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '<https://news.example/x|news>',
  '<https://news.example/x>',
  '<mailto:a@b.example|a>',
  '<@U123>',
  '<@U123|bob>',
  '<!channel>',
  '<!here>',
  '<!subteam^S1|team>',
  '<#C123|general>',
  '"',
  '""',
  '"quoted phrase"',
  '“curly phrase”',
  '“',
  '”',
  "'",
  '`code`',
  '*bold*',
  '\u202e',
  '\u200b',
  '\u0000',
  '💥',
  'é',
  '\ud83d',
];

const word = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
);
const command = fc
  .tuple(
    fc.constantFrom(...SUBCOMMANDS),
    fc.array(word, { maxLength: 8 }),
    fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0'),
  )
  .map(([sub, words, sep]) => [sub, ...words].join(sep));
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc
    .array(fc.constantFrom('"', '“', '”', ' ', 'a', '<', '>', '|', '@', '!'), { maxLength: 300 })
    .map((a) => a.join('')),
);
const who = fc.constantFrom(ADMIN, STRANGER, 'W0GUEST', '', 'U<!channel>');

describe('`/caisi` fuzzing: always an answer, bounded, well-formed, no unhandled rejection', () => {
  it('structured commands with hostile arguments', async () => {
    await fc.assert(fc.asyncProperty(command, who, answers), { numRuns: 600 });
  });

  it('arbitrary text', async () => {
    await fc.assert(fc.asyncProperty(anyText, who, answers), { numRuns: 400 });
  });

  it('huge inputs', async () => {
    const huge = [
      'x'.repeat(1_000_000),
      `subscribe "${'a'.repeat(500_000)}"`,
      `status ${'meta '.repeat(200_000)}`,
      '"'.repeat(100_001),
      `set meta caisi signed ${'2026-07-01 '.repeat(50_000)}`,
      `feeds add https://news.example/${'a'.repeat(100_000)}`,
      `${'<@U1> '.repeat(100_000)}`,
      `recent ${'9'.repeat(100_000)}`,
      '\ud83d'.repeat(100_000),
    ];
    for (const text of huge) for (const user of [ADMIN, STRANGER]) await answers(text, user);
  });

  it('left no unhandled promise rejection behind', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
  });
});
