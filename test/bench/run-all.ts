/**
 * `npm run bench`: every benchmark, one after another, each in its own node process (with
 * --expose-gc, so that memory figures follow a forced GC, and so that one benchmark's garbage and
 * compiled code do not colour the next). Prints each benchmark's figures, then a summary against
 * the targets, and writes everything to bench-results.json at the repository root.
 *
 *   npm run bench                 all of them (a few minutes), with a throwaway Postgres
 *                                 (.ci/with-postgres) for the slash and poll figures on Postgres
 *   npm run bench -- poll match   only those
 *
 * Not part of `npm test`. Everything runs on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { type Figures, HERE, machine, ROOT } from './common.js';

const BENCHES = ['match', 'cluster', 'poll', 'slash', 'memory'] as const;
/** No single benchmark may run longer than this. */
const BENCH_TIMEOUT_MS = 8 * 60_000;

function runBench(name: string, outFile: string): Promise<Figures | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(HERE, `${name}.bench.js`)], {
      env: { ...process.env, BENCH_OUT: outFile },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setTimeout(() => {
      console.error(`${name}: still running after ${BENCH_TIMEOUT_MS / 60_000} min; stopping it`);
      child.kill('SIGKILL');
    }, BENCH_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        console.error(`${name}: failed (exit ${code})`);
        resolve(null);
        return;
      }
      try {
        resolve(JSON.parse(readFileSync(outFile, 'utf8')) as Figures);
      } catch {
        resolve(null);
      }
    });
  });
}

interface Check {
  label: string;
  value: (f: Figures) => string;
  ok: (f: Figures) => boolean | undefined;
}

const n = (f: Figures, k: string) => (typeof f[k] === 'number' ? (f[k] as number) : Number.NaN);
const CHECKS: Check[] = [
  {
    label: 'poll, cold cycle ≤ 5 s',
    value: (f) => `${n(f, 'poll_cold_s')} s`,
    ok: (f) => f.poll_cold_ok as boolean,
  },
  {
    label: "poll, warm cycle ≤ 0.5 s and ≥ 10× less CPU than baseline's 2nd pass",
    value: (f) =>
      `${n(f, 'poll_warm_s')} s, ${(n(f, 'naive_warm_cpu_s') / n(f, 'poll_warm_cpu_s')).toFixed(1)}× less cpu (${(n(f, 'naive_warm_s') / n(f, 'poll_warm_s')).toFixed(1)}× wall)`,
    ok: (f) => f.poll_warm_ok as boolean,
  },
  {
    label: '5 feeds gain an item: alerted within one cycle',
    value: (f) => `${f.poll_fresh_alerted}/5`,
    ok: (f) => f.poll_fresh_ok as boolean,
  },
  {
    label: 'matching, seed roster ≥ 50,000 items/s',
    value: (f) => `${n(f, 'match_seed_items_per_s').toLocaleString('en-US')} items/s`,
    ok: (f) => f.match_seed_ok as boolean,
  },
  {
    label: 'matching, 1,000 labs ≥ 10× baseline',
    value: (f) => `${f.match_1k_ratio}×`,
    ok: (f) => f.match_1k_ok as boolean,
  },
  {
    label: 'clustering against 10,000 stories ≥ 10× the no-index baseline',
    value: (f) =>
      `${n(f, 'cluster_items_per_s').toLocaleString('en-US')} items/s, ${f.cluster_ratio}× baseline, ${(n(f, 'cluster_agreement') * 100).toFixed(1)}% same choice`,
    ok: (f) => f.cluster_ok as boolean,
  },
  {
    label: '/caisi status meta at 200/s: p99 ≤ 30 ms, no errors, none > 3 s',
    value: (f) => `p50 ${f.status_p50_ms} ms, p99 ${f.status_p99_ms} ms, errors ${f.status_errors}`,
    ok: (f) => f.status_ok as boolean,
  },
  {
    label: 'the same on Postgres (100k items): p99 ≤ 30 ms, no errors, none > 3 s',
    value: (f) => `p50 ${f.pg_status_p50_ms} ms, p99 ${f.pg_status_p99_ms} ms, errors ${f.pg_status_errors}`,
    ok: (f) => f.pg_status_ok as boolean,
  },
  {
    label: 'poll cycle on Postgres ≤ 2× SQLite (same run)',
    value: (f) => `cold ${f.poll_pg_cold_ratio}× (${f.poll_pg_cold_s} s), warm ${f.poll_pg_warm_ratio}×`,
    ok: (f) => f.poll_pg_ok as boolean,
  },
  {
    label: 'memory, rss after 300 cycles within 10% of 30, < 250 MB',
    value: (f) => `${f.rss_mb_cycle_30} → ${f.rss_mb_cycle_300} MB`,
    ok: (f) => f.memory_ok as boolean,
  },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => (BENCHES as readonly string[]).includes(a));
  const benches = wanted.length ? wanted : [...BENCHES];
  const m = machine();
  console.log(
    `caisi-watch benchmarks on ${m.cpu}, ${m.cores} cores, node ${m.node} (${m.platform}), load average ${m.load_avg_1m}`,
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'caisi-bench-'));
  const figures: Figures = {};
  const failed: string[] = [];
  const t0 = performance.now();
  try {
    for (const name of benches) {
      const out = await runBench(name, path.join(dir, `${name}.json`));
      if (out) Object.assign(figures, out);
      else failed.push(name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const totalS = Number(((performance.now() - t0) / 1000).toFixed(1));
  const loadAfter = Number((os.loadavg()[0] ?? 0).toFixed(2));

  console.log(`\n== Summary (${totalS} s; load average ${m.load_avg_1m} before, ${loadAfter} after) ==`);
  for (const c of CHECKS) {
    const ok = c.ok(figures);
    if (ok === undefined) continue;
    console.log(`  ${ok ? 'PASS' : 'MISS'}  ${c.label.padEnd(70)} ${c.value(figures)}`);
  }
  for (const name of failed) console.log(`  FAIL  ${name} benchmark did not finish`);

  const file = path.join(ROOT, 'bench-results.json');
  writeFileSync(
    file,
    `${JSON.stringify({ ...figures, machine: { ...m, load_avg_1m_after: loadAfter }, finished_at: new Date().toISOString(), total_s: totalS }, null, 2)}\n`,
  );
  console.log(`\nWrote ${path.relative(process.cwd(), file) || file}`);
  process.exitCode = failed.length ? 1 : 0;
}

await main();
