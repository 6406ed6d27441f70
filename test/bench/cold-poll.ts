/**
 * One cold poll cycle in a fresh process, for poll.bench.ts's comparison of where feeds are parsed:
 *   node dist/test/bench/cold-poll.js <farm base URL> threads|main
 * Prints {"wallS":…,"cpuS":…} on one line. A fresh process each time, so neither variant runs on
 * code the other one has already compiled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inlineFeedParser, sharedFeedParser } from '../../src/feeds/parse-pool.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { loadRoster } from '../../src/roster/load.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { timed } from './common.js';
import { BENCH_NOW, FEED_COUNT } from './corpus.js';
import { ALERT_CHANNEL, benchConfig } from './poll.bench.js';

const [base, mode] = process.argv.slice(2);
if (!base || (mode !== 'threads' && mode !== 'main')) {
  console.error('usage: cold-poll.js <farm base URL> threads|main');
  process.exit(2);
}
const urls = Array.from({ length: FEED_COUNT }, (_, i) => `${base}/feed/${i}.xml`);
const dir = mkdtempSync(path.join(tmpdir(), 'caisi-bench-cold-'));
try {
  const clock = new ManualClock(BENCH_NOW);
  const store = SqliteStore.open(path.join(dir, 'cold.db'));
  await store.syncConfigFeeds(urls, new Date(clock.now()).toISOString());
  const deps = {
    store,
    matcher: compileMatcher(loadRoster()),
    config: benchConfig(urls),
    clock,
    alertChannel: ALERT_CHANNEL,
    parser: mode === 'main' ? inlineFeedParser : sharedFeedParser(),
  };
  const t = await timed(() => pollOnce(deps));
  await store.close();
  console.log(JSON.stringify({ wallS: t.wallS, cpuS: t.cpuS, items: t.value.newItems }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
