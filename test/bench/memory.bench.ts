/**
 * Memory: resident set size (after a forced GC; run node with --expose-gc) after 30 and after 300
 * quiet poll cycles over the 500 feeds. Target: the figure after 300 within 10% of the one after
 * 30, and under 250 MB.
 *
 * Bounded: at most 300 cycles and BENCH_MEMORY_MAX_S seconds (default 240); if time runs out first,
 * the figures say how far it got.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileMatcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { loadRoster } from '../../src/roster/load.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { type Figures, forceGc, isMain, round, rssMb, runMain, spawnFeedFarm, verdict } from './common.js';
import { BENCH_NOW, FEED_COUNT } from './corpus.js';
import { ALERT_CHANNEL, benchConfig } from './poll.bench.js';

const CYCLES = 300;
const MARKS = new Set([1, 10, 30, 100, 200, 300]);

export async function main(): Promise<Figures> {
  console.log(`\n== Memory: ${CYCLES} quiet cycles over ${FEED_COUNT} feeds ==`);
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  if (!hasGc) console.log('  (no --expose-gc: figures are without a forced GC)');
  const maxMs = Number(process.env.BENCH_MEMORY_MAX_S ?? 240) * 1000;
  const farm = await spawnFeedFarm(FEED_COUNT);
  const dir = mkdtempSync(path.join(tmpdir(), 'caisi-bench-mem-'));
  const store = SqliteStore.open(path.join(dir, 'mem.db'));
  try {
    const clock = new ManualClock(BENCH_NOW);
    const config = benchConfig(farm.urls);
    await store.syncConfigFeeds(farm.urls, new Date(clock.now()).toISOString());
    const deps = { store, matcher: compileMatcher(loadRoster()), config, clock, alertChannel: ALERT_CHANNEL };
    await pollOnce(deps);
    forceGc();
    console.log(`  after the cold cycle: rss ${rssMb()} MB`);

    const rss: Record<number, number> = {};
    const t0 = performance.now();
    let done = 0;
    let slowest = 0;
    for (let c = 1; c <= CYCLES; c++) {
      clock.advance((config.pollSeconds + 1) * 1000);
      const c0 = performance.now();
      const r = await pollOnce(deps);
      slowest = Math.max(slowest, performance.now() - c0);
      if (r.notModified + r.fetched !== FEED_COUNT || r.failed)
        throw new Error(`cycle ${c}: ${r.failed} feeds failed, ${r.notModified} not modified`);
      done = c;
      if (MARKS.has(c)) {
        forceGc();
        rss[c] = rssMb();
        const heap = round(process.memoryUsage().heapUsed / 1024 ** 2, 1);
        console.log(
          `  after ${String(c).padStart(3)} cycles: rss ${rss[c]} MB, heap used ${heap} MB (${((performance.now() - t0) / 1000).toFixed(1)} s so far)`,
        );
      }
      if (performance.now() - t0 > maxMs) {
        console.log(`  stopped after ${c} cycles: the ${maxMs / 1000} s budget ran out`);
        break;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const at30 = rss[30] ?? Number.NaN;
    const at300 = rss[300] ?? Number.NaN;
    const growth = at300 / at30 - 1;
    const ok = done === CYCLES && Math.abs(growth) <= 0.1 && at300 < 250;
    console.log(
      `  ${done} cycles in ${seconds.toFixed(1)} s (mean ${((seconds / done) * 1000).toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms); rss 30 → 300: ${at30} → ${at300} MB (${(growth * 100).toFixed(1)}%) — target within 10% and < 250 MB — ${verdict(ok)}`,
    );
    return {
      rss_mb_cycle_30: at30,
      rss_mb_cycle_300: at300,
      rss_growth_pct: round(growth * 100, 1),
      memory_cycles: done,
      memory_seconds: round(seconds, 1),
      memory_forced_gc: hasGc,
      memory_ok: ok,
    };
  } finally {
    await store.close();
    await farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) runMain(main);
