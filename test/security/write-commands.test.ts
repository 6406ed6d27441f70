/**
 * Who may change things. Every write command run by a non-admin is refused, says who can, and changes
 * nothing at all in the store (subscriptions, feeds, roster edits, audit log, outbox: every row of
 * every table is compared). Also as a property: whatever a stranger types, nothing changes.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshot } from '../faults/support.js';
import {
  ADMIN,
  commandHarness,
  type Harness,
  STRANGER,
  seedState,
  WHO_CAN_WRITE,
} from './command-harness.js';

let h: Harness;
afterEach(() => h?.close());

const WRITES = [
  'subscribe meta',
  'subscribe all daily',
  'subscribe "pre-release review"',
  'subscribe caisi realtime',
  'unsubscribe meta',
  'unsubscribe "pre-release review"',
  'unsubscribe all',
  'feeds add https://evil.example/feed.xml',
  'feeds add <https://evil.example/feed.xml|evil>',
  'feeds add http://127.0.0.1/feed.xml',
  'feeds remove 1',
  'feeds remove #2',
  'feeds delete 1',
  'set meta caisi signed',
  'set meta caisi signed 2026-07-01 https://evil.example/fake',
  'set openai caisi suspended',
  // Spelling does not get round the check.
  'SUBSCRIBE meta',
  'Set Meta CAISI signed',
  'FEEDS ADD https://evil.example/x',
  '“subscribe” meta',
  '"set" meta caisi signed',
  '  feeds   remove   1  ',
];

describe('a non-admin running a write command', () => {
  it.each(WRITES)('"%s": refused, says who can, changes nothing', async (text) => {
    h = commandHarness();
    await seedState(h);
    const before = await snapshot(h.store);
    const dnsBefore = h.dnsCalls.length;
    const reply = await h.run(text, STRANGER);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/^Only admins can use "/);
    expect(reply.text).toContain(WHO_CAN_WRITE);
    expect(reply.text).toMatch(/Nothing was changed\.$/);
    expect(await snapshot(h.store)).toEqual(before);
    // Not even a DNS lookup is made for a stranger's URL.
    expect(h.dnsCalls.length).toBe(dnsBefore);
  });

  it('the same commands from an admin do change the store (the refusal is not a no-op for everyone)', async () => {
    h = commandHarness();
    await seedState(h);
    for (const text of ['subscribe openai', 'feeds remove 1', 'set xai caisi suspended']) {
      const before = await snapshot(h.store);
      const reply = await h.run(text, ADMIN);
      expect(reply.text).not.toMatch(/Only admins/);
      expect(await snapshot(h.store)).not.toEqual(before);
    }
    expect((await h.store.auditLog()).map((a) => a.action)).toEqual(
      expect.arrayContaining(['subscribe', 'feed-remove', 'set']),
    );
    expect((await h.store.auditLog()).every((a) => a.actor === ADMIN)).toBe(true);
  });

  it('lookups stay open to everyone and change nothing', async () => {
    h = commandHarness();
    await seedState(h);
    const before = await snapshot(h.store);
    for (const text of [
      'status meta',
      'roster',
      'timeline meta',
      'recent',
      'history meta',
      'feeds',
      'feeds list',
      'help',
      '',
    ]) {
      const reply = await h.run(text, STRANGER);
      expect(reply.text).not.toMatch(/Only admins/);
    }
    expect(await snapshot(h.store)).toEqual(before);
  });

  it('property: whatever a stranger types, the store does not change', async () => {
    h = commandHarness();
    await seedState(h);
    const before = await snapshot(h.store);
    const word = fc.oneof(
      fc.constantFrom(
        'subscribe',
        'unsubscribe',
        'feeds',
        'add',
        'remove',
        'set',
        'list',
        'meta',
        'caisi',
        'signed',
        'all',
        'daily',
        '1',
        '#1',
        '"',
        '“',
        '”',
        '<@U0ADMIN>',
        '<!channel>',
        'https://evil.example/x',
        '<https://evil.example/x|x>',
        '2026-07-01',
      ),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    const text = fc.oneof(
      fc.array(word, { maxLength: 8 }).map((w) => w.join(' ')),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        await h.run(t, STRANGER);
        expect(await snapshot(h.store)).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
