import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { rss, SEED_ITEMS } from '../helpers/rss.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'caisi-cli-'));
let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
  server.route('/news', {
    headers: { 'content-type': 'application/rss+xml' },
    body: rss('News', [
      { ...(SEED_ITEMS[0]?.item ?? { title: '', description: '' }), pubDate: new Date().toISOString() },
    ]),
  });
});
afterAll(() => server.close());

/** No stack traces, ever: a user sees one line. */
const oneLine = (stderr: string) => {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr.trim().split('\n')).toHaveLength(1);
};

describe('caisi-watch demo', () => {
  it('--json shows exactly one Meta story with its five sources, and nothing from the noise feed', async () => {
    const r = await runCli(['demo', '--json']);
    expect(r.code).toBe(0);
    const alerts = JSON.parse(r.stdout) as {
      story: number;
      title: string;
      labs: string[];
      programs: string[];
      sources: { outlet: string; title: string; link: string }[];
    }[];
    const meta = alerts.filter((a) => a.labs.includes('meta'));
    expect(meta).toHaveLength(1);
    expect(meta[0]?.programs).toContain('caisi');
    expect(meta[0]?.sources.map((s) => s.outlet).sort()).toEqual(
      [
        'Feature analysis',
        'News digest',
        'Pondero Newsdesk',
        'Policy explainer',
        'The New York Times',
      ].sort(),
    );
    for (const s of meta[0]?.sources ?? []) expect(s.link).toMatch(/^https:\/\//);
    expect(r.stdout).not.toMatch(/meta-analysis|Surface|anthropic principle|Explainable/i);
    expect(alerts).toHaveLength(1);
  });

  it('prints the alert as Slack would show it, with the roster line as context', async () => {
    const r = await runCli(['demo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    expect(r.stdout).toMatch(/Sources \(5\):/);
    expect(r.stdout).not.toMatch(/walking|Surface/);
  });

  it('refuses an unknown flag with one line and exit 2', async () => {
    const r = await runCli(['demo', '--jsn']);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
  });
});

describe('lookups', () => {
  it.each(['meta', 'Meta Platforms', 'gdm', 'deepmind', 'google'])('status %s answers', async (q) => {
    const r = await runCli(['status', ...q.split(' ')], { env: { CAISI_DB: path.join(tmp, 'none.db') } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CAISI review: /);
  });

  it('status meta says not signed, and cites sources', async () => {
    const r = await runCli(['status', 'meta'], { env: { CAISI_DB: path.join(tmp, 'none.db') } });
    expect(r.stdout).toMatch(/CAISI review: not signed since 2026-06-23/);
    expect(r.stdout).toMatch(/Sources: The New York Times \(2026-06-23\)/);
    expect(existsSync(path.join(tmp, 'none.db'))).toBe(false);
  });

  it('an unknown lab lists the known ones and exits 2', async () => {
    const r = await runCli(['status', 'mistral']);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(
      /Unknown lab "mistral"\. Known labs: openai, anthropic, google-deepmind, microsoft, xai, meta/,
    );
  });

  it('status with no lab is a usage error', async () => {
    const r = await runCli(['status']);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
  });

  it('roster shows the CAISI line; roster of an unknown program exits 2', async () => {
    const ok = await runCli(['roster']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    const bad = await runCli(['roster', 'nope']);
    expect(bad.code).toBe(2);
    oneLine(bad.stderr);
  });

  it('timeline is in date order; timeline of a lab or program filters', async () => {
    const all = await runCli(['timeline']);
    expect(all.code).toBe(0);
    const dates = [...all.stdout.matchAll(/^ {2}(\d{4}(?:-\d{2}){0,2}) /gm)].map((m) => m[1] ?? '');
    expect(dates.length).toBeGreaterThanOrEqual(6);
    expect([...dates].sort()).toEqual(dates);
    const eo = await runCli(['timeline', 'EO', '14409']);
    expect(eo.stdout).toContain('2026-06-02');
    expect(eo.stdout).not.toContain('2024-08');
    const bad = await runCli(['timeline', 'zzz']);
    expect(bad.code).toBe(2);
    oneLine(bad.stderr);
  });
});

describe('poll --once', () => {
  it('polls CAISI_FEEDS into the database; a dry run changes nothing', async () => {
    const db = path.join(tmp, 'poll.db');
    const env = { CAISI_DB: db, CAISI_FEEDS: `${server.url}/news` };
    const dry = await runCli(['poll', '--once', '--dry-run', '--json'], { env });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).alerts).toHaveLength(1);
    const real = await runCli(['poll', '--once', '--json'], { env });
    expect(JSON.parse(real.stdout).alerts).toHaveLength(1);
    const again = await runCli(['poll', '--once', '--json'], { env });
    expect(JSON.parse(again.stdout).alerts).toHaveLength(0);
    const recent = await runCli(['recent', 'meta'], { env });
    expect(recent.stdout).toContain(SEED_ITEMS[0]?.item.title);
  });

  it('rejects a bad CAISI_FEEDS, a bad config file and a missing --once with one line and exit 2', async () => {
    const badFeeds = await runCli(['poll', '--once'], {
      env: { CAISI_FEEDS: 'ftp://x', CAISI_DB: path.join(tmp, 'x.db') },
    });
    expect(badFeeds.code).toBe(2);
    oneLine(badFeeds.stderr);
    const cfg = path.join(tmp, 'bad.yaml');
    writeFileSync(cfg, 'feeds:\n  - url: 5\npollSeconds: "often"\n');
    const badCfg = await runCli(['poll', '--once', '--config', cfg], {
      env: { CAISI_DB: path.join(tmp, 'y.db') },
    });
    expect(badCfg.code).toBe(2);
    expect(badCfg.stderr).toMatch(/bad\.yaml: at feeds\[0\]\.url/);
    const noOnce = await runCli(['poll']);
    expect(noOnce.code).toBe(2);
    oneLine(noOnce.stderr);
  });

  it('a corrupt database gives one clear line', async () => {
    const db = path.join(tmp, 'corrupt.db');
    writeFileSync(db, 'this is not a database'.repeat(100));
    const r = await runCli(['poll', '--once'], { env: { CAISI_DB: db } });
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/corrupt or not a SQLite file/);
  });
});

describe('recent', () => {
  it('with nothing stored says so; a bad count or an unknown lab is one line and exit 2', async () => {
    const none = await runCli(['recent'], { env: { CAISI_DB: path.join(tmp, 'none.db') } });
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/No matched news yet/);
    const badCount = await runCli(['recent', 'meta', '500']);
    expect(badCount.code).toBe(2);
    oneLine(badCount.stderr);
    expect(badCount.stderr).toMatch(/between 1 and 50/);
    const badLab = await runCli(['recent', 'nobody']);
    expect(badLab.code).toBe(2);
    oneLine(badLab.stderr);
  });
});

describe('history', () => {
  it('with no roster edits says the roster is as the sources give it; no lab is a usage error', async () => {
    const r = await runCli(['history', 'meta'], { env: { CAISI_DB: path.join(tmp, 'none.db') } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Roster history: Meta/);
    expect(r.stdout).toMatch(/No changes recorded/);
    const bad = await runCli(['history']);
    expect(bad.code).toBe(2);
    oneLine(bad.stderr);
    expect(bad.stderr).toMatch(/Whose history\?/);
  });
});

describe('start', () => {
  it('a malformed token is one line per problem, never echoing the value, and exit 2', async () => {
    const r = await runCli(['start'], {
      env: { SLACK_BOT_TOKEN: 'not-a-token-SECRET123', CAISI_POLL_SECONDS: 'soon' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('SECRET123');
    expect(r.stderr).toMatch(/SLACK_BOT_TOKEN: must be a bot token starting with xoxb-/);
    expect(r.stderr).toMatch(/CAISI_POLL_SECONDS/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('usage', () => {
  it('unknown command and no command exit 2; help exits 0', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/demo \[--json\]/);
  });
});
