/**
 * Shared helpers for the benchmarks: timing (wall and CPU), the feed farm child process, result
 * hand-off to run-all, and a little formatting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository root, from dist/test/bench/ (compiled) or test/bench/ (source). */
export const ROOT = HERE.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(HERE, '../../..')
  : path.resolve(HERE, '../..');

export type Figures = Record<string, number | string | boolean | null | Record<string, unknown>>;

export interface Timing {
  wallS: number;
  cpuS: number;
}

/** Wall time and CPU time (user + system, this process) of one async call. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T } & Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Percentile by nearest rank (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export const round = (n: number, digits = 3) => Number(n.toFixed(digits));

export const fmtS = (s: number) => `${s.toFixed(3)} s`;
export const ratio = (ours: number, base: number) => (ours > 0 ? `${(base / ours).toFixed(1)}×` : '∞');
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    /** 1-minute load average when the run started: a shared machine's neighbours show up here. */
    load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
  };
}

/** Is this module the script node was started with? */
export const isMain = (metaUrl: string) =>
  !!process.argv[1] && metaUrl === pathToFileURL(process.argv[1]).href;

/**
 * Hand a benchmark's figures to run-all (a file named by BENCH_OUT), or print them when the
 * script was run on its own.
 */
export function emit(figures: Figures): void {
  const out = process.env.BENCH_OUT;
  if (out) writeFileSync(out, JSON.stringify(figures));
  else console.log(JSON.stringify(figures, null, 2));
}

/** Run a benchmark script's main, emit its figures, and exit (closing anything left open). */
export function runMain(main: () => Promise<Figures>): void {
  main().then(
    (figures) => {
      emit(figures);
      process.exit(0);
    },
    (err) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}

export interface FarmProcess {
  base: string;
  urls: string[];
  child: ChildProcess;
  control(pathAndQuery: string, method?: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Start the feed farm (feed-farm.js) as a child process and wait for its port. */
export async function spawnFeedFarm(feeds: number): Promise<FarmProcess> {
  const child = spawn(process.execPath, [path.join(HERE, 'feed-farm.js')], {
    env: { ...process.env, FEED_COUNT: String(feeds) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('feed farm did not start within 60 s')), 60_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      buf += d;
      const line = buf.split('\n')[0];
      if (buf.includes('\n') && line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`feed farm exited (${code})`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    urls: Array.from({ length: feeds }, (_, i) => `${base}/feed/${i}.xml`),
    child,
    control: async (p, method = 'GET') => (await fetch(`${base}${p}`, { method })).json(),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}

export function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

export const rssMb = () => round(process.memoryUsage().rss / 1024 ** 2, 1);
