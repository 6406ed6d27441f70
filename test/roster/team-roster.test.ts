/**
 * A lab and a program are a YAML edit: a team's own roster file (CAISI_ROSTER, or `roster:` in the
 * config file) adds Mistral AI (with "mistral" the wind as a false friend) and a program, and the
 * matcher, the alert decision, `/caisi status`, the roster line and `/caisi help` all see them,
 * with no code change.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMatcher, type Matcher } from '../../src/match/matcher.js';
import { loadRoster, SeedError } from '../../src/roster/load.js';
import { rosterLine } from '../../src/roster/query.js';
import type { Roster } from '../../src/roster/schema.js';
import { runCli } from '../helpers/run-cli.js';
import { commandHarness } from '../security/command-harness.js';

const TEAM_ROSTER = `# Our team's additions to the bundled roster.
extends: bundled
sources:
  - id: team-note-2026-06
    outlet: Team research note
    title: Mistral AI and the EU general-purpose AI code
    date: 2026-06-20
labs:
  - id: mistral
    name: Mistral AI
    country: FR
    nicknames: [mistral, lechat]
    aliases:
      - Mistral AI
      - text: Mistral
        case: sensitive
        # the cold north wind of Provence
        unless:
          - mentions: [wind, winds, gust, gusts, provence, rhône, rhone, forecast, weather, storm]
      - { text: Le Chat, case: sensitive, weak: true, context: tech }
programs:
  - id: eu-gpai-code
    name: EU General-Purpose AI Code of Practice
    short: EU GPAI code
    agency: European Commission (AI Office)
    kind: voluntary-review
    aliases:
      - General-Purpose AI Code of Practice
      - GPAI code of practice
    sources: [team-note-2026-06]
memberships:
  - lab: mistral
    program: eu-gpai-code
    status: signed
    since: 2026-06
    sources: [team-note-2026-06]
  - lab: meta
    program: eu-gpai-code
    status: not-signed
    since: 2026-06
    sources: [team-note-2026-06]
events:
  - id: mistral-signs-gpai
    date: 2026-06-20
    title: Mistral AI signs the EU general-purpose AI code of practice.
    labs: [mistral]
    programs: [eu-gpai-code]
    sources: [team-note-2026-06]
`;

let dir: string;
let teamFile: string;
let roster: Roster;
let matcher: Matcher;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'caisi-team-roster-'));
  teamFile = path.join(dir, 'our-roster.yaml');
  writeFileSync(teamFile, TEAM_ROSTER);
  roster = loadRoster(teamFile);
  matcher = compileMatcher(roster);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('a team roster that extends the bundled one', () => {
  it('adds its lab, program, sources, memberships and events to the bundled ones', () => {
    const bundled = loadRoster();
    expect(roster.labs.map((l) => l.id)).toEqual([...bundled.labs.map((l) => l.id), 'mistral']);
    expect(roster.programs.map((p) => p.id)).toEqual([...bundled.programs.map((p) => p.id), 'eu-gpai-code']);
    expect(roster.sources).toHaveLength(bundled.sources.length + 1);
    expect(roster.memberships).toHaveLength(bundled.memberships.length + 2);
    expect(roster.events.at(-1)?.id).toBe('mistral-signs-gpai');
  });

  it('matches the new lab and program, and not the wind', () => {
    const r = matcher.match({ title: 'Mistral AI signs the GPAI code of practice', summary: '' });
    expect(r.labs).toEqual(['mistral']);
    expect(r.programs).toEqual(['eu-gpai-code']);
    expect(matcher.match({ title: 'Mistral releases a new Le Chat model', summary: '' }).labs).toEqual([
      'mistral',
    ]);
    const wind = matcher.match({
      title: 'Mistral gusts close roads as officials warn of fire risk',
      summary: 'The cold wind from the Rhône valley is forecast to blow for three days.',
    });
    expect(wind.labs).toEqual([]);
    expect(wind.alert).toBe(false);
    // "Le Chat" is a weak alias that needs an item about technology: French for "the cat".
    expect(matcher.match({ title: 'Le Chat Noir reopens in Montmartre', summary: '' }).labs).toEqual([]);
  });

  it('decides alerts for the new lab like for the bundled ones', () => {
    const probe = matcher.match({
      title: 'French regulators open probe into Mistral over chatbot data',
      summary: '',
    });
    expect(probe.alert, probe.reason).toBe(true);
    const raise = matcher.match({ title: 'Mistral AI raises €2 billion from investors', summary: '' });
    expect(raise.alert, raise.reason).toBe(false);
    const program = matcher.match({
      title: 'Who has signed the General-Purpose AI Code of Practice?',
      summary: '',
    });
    expect(program.alert).toBe(true);
    expect(program.programs).toEqual(['eu-gpai-code']);
  });

  it('draws a roster line for the new program and counts the new lab in the old one', () => {
    expect(rosterLine(roster, 'eu-gpai-code')).toBe(
      `EU GPAI code: 1 of 7 signed — not signed: ${roster.labs
        .filter((l) => l.id !== 'mistral')
        .map((l) => l.name)
        .join(', ')}`,
    );
    expect(rosterLine(roster, 'caisi')).toBe('CAISI review: 5 of 7 signed — not signed: Meta, Mistral AI');
  });

  it('shows the new lab in /caisi status and /caisi help', async () => {
    const h = commandHarness({ roster });
    try {
      const status = JSON.stringify(await h.run('status mistral'));
      expect(status).toContain('Mistral AI');
      expect(status).toContain('EU GPAI code: signed since 2026-06');
      expect(status).toContain('Team research note (2026-06-20)');
      const help = JSON.stringify(await h.run('help'));
      expect(help).toContain('mistral (lechat)');
      expect(help).toContain('eu-gpai-code');
      const roster = JSON.stringify(await h.run('roster eu-gpai-code'));
      expect(roster).toContain('EU GPAI code: 1 of 7 signed');
    } finally {
      h.close();
    }
  });

  it('replaces a bundled entry with the same id', () => {
    const file = write(
      'override.yaml',
      `extends: bundled
labs:
  - id: xai
    name: xAI Holdings
    aliases: [{ text: xAI, case: sensitive }]
memberships:
  - lab: meta
    program: caisi
    status: signed
    since: 2026-07-01
    sources: [nyt-2026-06-23]
`,
    );
    const r = loadRoster(file);
    expect(r.labs.filter((l) => l.id === 'xai').map((l) => l.name)).toEqual(['xAI Holdings']);
    expect(r.labs).toHaveLength(loadRoster().labs.length);
    expect(rosterLine(r, 'caisi')).toBe('CAISI review: 6 of 6 signed — all signed');
  });
});

describe('errors in a team roster', () => {
  const expectError = (text: string, where: string, problem: RegExp) => {
    const file = write(`bad-${Math.random().toString(36).slice(2)}.yaml`, text);
    let err: unknown;
    try {
      loadRoster(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SeedError);
    const e = err as SeedError;
    expect(e.file).toBe(file);
    expect(e.where).toBe(where);
    expect(e.problem).toMatch(problem);
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.message.startsWith(`${file}: at ${where}: `)).toBe(true);
  };

  it('names the file, the path in it and the problem', () => {
    expectError(
      'extends: bundled\nlabs:\n  - id: mistral\n    name: Mistral AI\n    aliases:\n      - { text: Mistral, unless: [{ mentoins: [wind] }] }\n',
      'labs[0].aliases[0].unless[0]',
      /mentoins/,
    );
    expectError(
      'extends: bundled\nlabs:\n  - id: mistral\n    name: Mistral AI\n    aliases:\n      - { text: Mistral, unless: [{}] }\n',
      'labs[0].aliases[0].unless[0]',
      /needs at least one of/,
    );
    expectError(
      'extends: bundled\nmemberships:\n  - { lab: mistral, program: caisi, status: signed, sources: [nyt-2026-06-23] }\n',
      'memberships[0].lab',
      /unknown lab "mistral"/,
    );
    expectError('extends: everything\n', 'extends', /bundled/);
  });

  it('checks a whole roster (no extends) on its own', () => {
    expectError('labs: []\n', 'sources', /expected array|Invalid input/i);
  });
});

describe('CAISI_ROSTER and the config file', () => {
  it('CAISI_ROSTER makes the CLI answer for the new lab', async () => {
    const status = await runCli(['status', 'mistral'], {
      env: { CAISI_ROSTER: teamFile, CAISI_DB: path.join(dir, 'none.db') },
    });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Mistral AI');
    expect(status.stdout).toContain('EU GPAI code: signed since 2026-06');
    const match = await runCli(['match', '--json'], {
      env: { CAISI_ROSTER: teamFile },
      input: `${JSON.stringify({ id: 'a', title: 'EU regulators probe Mistral AI over chatbot training data' })}\n`,
    });
    expect(JSON.parse(match.stdout)).toMatchObject({ id: 'a', labs: ['mistral'], alert: true });
  });

  it('roster: in the config file names it, relative to the config file; CAISI_ROSTER wins', async () => {
    const config = write('config.yaml', 'feeds: []\nroster: our-roster.yaml\n');
    const db = path.join(dir, 'none.db');
    const viaConfig = await runCli(['roster', 'eu-gpai-code'], {
      env: { CAISI_CONFIG: config, CAISI_DB: db },
    });
    expect(viaConfig.code, viaConfig.stderr).toBe(0);
    expect(viaConfig.stdout).toContain('EU GPAI code: 1 of 7 signed');
    const whole = write('whole.yaml', TEAM_ROSTER.replace('extends: bundled\n', ''));
    const envWins = await runCli(['status', 'mistral'], {
      env: { CAISI_CONFIG: config, CAISI_ROSTER: whole, CAISI_DB: db },
    });
    // The whole-roster file lacks the bundled labs and sources its memberships cite: the env file
    // was read (not the config's), and its error names that file, the path and the problem.
    expect(envWins.code).toBe(2);
    expect(envWins.stderr.trim().split('\n')).toHaveLength(1);
    expect(envWins.stderr).toContain(`${whole}: at memberships[1].lab: unknown lab "meta"`);
  });
});
