import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statusAnswer } from '../../src/answers/answer.js';
import { loadRoster, parseRoster, SeedError } from '../../src/roster/load.js';
import { findLab, membership, programById, rosterLine } from '../../src/roster/query.js';

const roster = loadRoster();

describe('bundled roster: what users ask', () => {
  it('Meta has not signed the CAISI review', () => {
    expect(membership(roster, 'meta', 'caisi')?.status).toBe('not-signed');
  });

  it('five labs have signed the CAISI review, with their dates', () => {
    const signed = roster.memberships
      .filter((m) => m.program === 'caisi' && m.status === 'signed')
      .map((m) => [m.lab, m.since]);
    expect(Object.fromEntries(signed)).toEqual({
      openai: '2024-08',
      anthropic: '2024-08',
      'google-deepmind': '2026-05',
      microsoft: '2026-05',
      xai: '2026-05',
    });
  });

  it('the roster line reads as the alert context block shows it', () => {
    expect(rosterLine(roster, 'caisi')).toBe('CAISI review: 5 of 6 signed — not signed: Meta');
  });

  it('EO 14409 was signed on 2026-06-02 and allows up to 30 days, down from a 90-day draft', () => {
    const eo = programById(roster, 'eo-14409');
    expect(eo?.signed).toBe('2026-06-02');
    expect(eo?.terms.join(' ')).toMatch(/up to 30 days/);
    expect(eo?.terms.join(' ')).toMatch(/90-day/);
    expect(roster.events.find((e) => e.date === '2026-06-02')?.programs).toContain('eo-14409');
  });

  it('the June 12 directive concerned Anthropic, and both accounts of which models are kept', () => {
    const event = roster.events.find((e) => e.date === '2026-06-12');
    expect(event?.labs).toEqual(['anthropic']);
    const accounts = event?.versions.map((v) => v.says).join(' | ') ?? '';
    expect(accounts).toMatch(/Fable 5 and Mythos 5/);
    expect(event?.versions.length).toBeGreaterThanOrEqual(2);
    expect(membership(roster, 'anthropic', 'export-directive-2026-06')?.since).toBe('2026-06-12');
  });

  it('every membership and event cites at least one known source', () => {
    const ids = new Set(roster.sources.map((s) => s.id));
    for (const x of [...roster.memberships, ...roster.events]) {
      expect(x.sources.length).toBeGreaterThan(0);
      for (const s of x.sources) expect(ids.has(s)).toBe(true);
    }
  });

  it.each([
    ['meta', 'meta'],
    ['Meta Platforms', 'meta'],
    ['META', 'meta'],
    ['deepmind', 'google-deepmind'],
    ['google', 'google-deepmind'],
    ['gdm', 'google-deepmind'],
    ['Google DeepMind', 'google-deepmind'],
    ['open ai', 'openai'],
    ['x.ai', 'xai'],
    ['anthro', 'anthropic'],
  ])('finds the lab for %j', (query, id) => {
    expect(findLab(roster, query)?.id).toBe(id);
  });

  it.each(['', 'mistral', 'm', 'the'])('does not guess a lab for %j', (query) => {
    expect(findLab(roster, query)).toBeUndefined();
  });

  it('status for Meta counts the days its request has been open', () => {
    const a = statusAnswer(roster, 'meta', [], new Date('2026-07-03T00:00:00Z'));
    const caisi = a.sections[0]?.lines.find((l) => l.text.startsWith('CAISI review'));
    expect(caisi?.text).toBe('CAISI review: not signed since 2026-06-23 — request open 10 days');
    expect(caisi?.detail).toMatch(/The New York Times/);
  });
});

describe('seed validation', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'caisi-seed-'));
  const good = readFileSync(path.join(import.meta.dirname, '../../seeds/roster.yaml'), 'utf8');

  it('a membership without sources is refused with the file, the path and the problem', () => {
    const broken = good.replace(
      '    since: 2026-05\n    sources: [digest-2026-06-24, explainer-2026-06-24, feature-2026-06-24]\n  - lab: microsoft',
      '    since: 2026-05\n    sources: []\n  - lab: microsoft',
    );
    expect(broken).not.toBe(good);
    const file = path.join(dir, 'roster.yaml');
    writeFileSync(file, broken);
    expect(() => loadRoster(file)).toThrowError(SeedError);
    expect(() => loadRoster(file)).toThrowError(
      /roster\.yaml: at memberships\[2\]\.sources: every membership cites at least one source/,
    );
  });

  it('a reference to an unknown source is refused', () => {
    const broken = good.replace(
      'sources: [nist-2024-08-29, explainer-2026-06-24]',
      'sources: [nist-2024-08-29, no-such-source]',
    );
    expect(() => parseRoster(broken, 'r.yaml')).toThrowError(
      /r\.yaml: at memberships\[0\]\.sources\[1\]: unknown source "no-such-source"/,
    );
  });

  it('a bad date and a YAML syntax error each give one clear line', () => {
    expect(() => parseRoster(good.replace('signed: 2026-06-02', 'signed: June 2'), 'r.yaml')).toThrowError(
      /r\.yaml: at programs\[1\]\.signed: expected a date as YYYY, YYYY-MM or YYYY-MM-DD/,
    );
    expect(() => parseRoster('labs: [unclosed', 'r.yaml')).toThrowError(/^r\.yaml: not valid YAML/);
    expect(() => loadRoster(path.join(dir, 'missing.yaml'))).toThrowError(
      /missing\.yaml: cannot read the file \(ENOENT\)/,
    );
  });
});
