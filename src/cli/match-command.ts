/**
 * `caisi-watch match [--json]`: reads JSON lines `{"id","title","summary"}` on stdin and writes one
 * JSON line per input line, in the same order:
 *   {"id","labs":[…],"programs":[…],"alert":bool,"reason":"…","evidence":[…]}
 * A line that cannot be read (bad JSON, not an object, no string title) gives
 * {"line":N,"error":"…"} and the stream goes on; blank lines are skipped. Input is streamed line by
 * line, never buffered whole. Output is JSON lines with or without `--json`.
 */
import { createInterface } from 'node:readline';
import { compileMatcher } from '../match/matcher.js';
import type { Roster } from '../roster/schema.js';
import { type CliIO, EXIT_OK, EXIT_USAGE } from './io.js';

const USAGE = 'usage: caisi-watch match [--json] < items.jsonl   (one {"id","title","summary"} per line)\n';

type LineResult = Record<string, unknown>;

/** Read one input line into an output record; never throws. */
function parseLine(
  line: string,
  lineNo: number,
): { id: unknown; title: string; summary: string } | LineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { line: lineNo, error: `invalid JSON: ${why}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line: lineNo, error: 'expected a JSON object with "id", "title" and "summary"' };
  }
  const record = value as Record<string, unknown>;
  if (typeof record.title !== 'string') {
    return { line: lineNo, error: '"title" is missing or not a string' };
  }
  if (record.summary !== undefined && record.summary !== null && typeof record.summary !== 'string') {
    return { line: lineNo, error: '"summary" is not a string' };
  }
  return { id: record.id ?? null, title: record.title, summary: (record.summary as string | null) ?? '' };
}

export async function matchCommand(args: string[], io: CliIO, roster: Roster): Promise<number> {
  for (const arg of args) {
    if (arg === '--json') continue;
    if (arg === '-h' || arg === '--help') {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    io.stderr(`match: unknown option ${JSON.stringify(arg)}\n${USAGE}`);
    return EXIT_USAGE;
  }

  const matcher = compileMatcher(roster);
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  for await (const rawLine of lines) {
    lineNo++;
    const line = lineNo === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
    if (line.trim() === '') continue;
    const parsed = parseLine(line, lineNo);
    if (!('title' in parsed) || typeof parsed.title !== 'string') {
      io.stdout(`${JSON.stringify(parsed)}\n`);
      continue;
    }
    let out: LineResult;
    try {
      const r = matcher.match({ title: parsed.title, summary: parsed.summary as string });
      out = {
        id: parsed.id,
        labs: r.labs,
        programs: r.programs,
        alert: r.alert,
        reason: r.reason,
        evidence: r.evidence,
      };
    } catch (err) {
      out = { line: lineNo, error: `could not match: ${err instanceof Error ? err.message : String(err)}` };
    }
    io.stdout(`${JSON.stringify(out)}\n`);
  }
  return EXIT_OK;
}
