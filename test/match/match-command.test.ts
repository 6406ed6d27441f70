import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { matchCommand } from '../../src/cli/match-command.js';
import { loadRoster } from '../../src/roster/load.js';
import type { Roster } from '../../src/roster/schema.js';

let roster: Roster;
beforeAll(() => {
  roster = loadRoster();
});

function makeIO(input: string | Readable): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    stdin: typeof input === 'string' ? Readable.from([input]) : input,
    env: {},
    cwd: process.cwd(),
  };
  return { io, out: () => out, err: () => err };
}

const lines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('caisi-watch match', () => {
  it('answers every line in order and reports a malformed line without stopping', async () => {
    // Chunks split lines in awkward places, as a pipe would.
    const input = Readable.from([
      '{"id":"a","title":"Meta signs CAISI agreement","summary":"The deal ends a standoff."}\n{"id":"b","ti',
      'tle":"Microsoft launches Surface laptops","summary":""}\n',
      '{"id":"c","title": broken json\n',
      '\n',
      '[1,2,3]\n',
      '{"id":"d","summary":"no title"}\n',
      '{"id":"e","title":42}\n',
      '{"id":"f","title":"U.S. presses Meta to agree to A.I. reviews","summary":"Officials emailed Meta."}',
    ]);
    const { io, out, err } = makeIO(input);
    const code = await matchCommand(['--json'], io, roster);
    expect(code).toBe(0);
    expect(err()).toBe('');
    const got = lines(out());
    expect(got).toHaveLength(7);
    expect(got[0]).toMatchObject({ id: 'a', labs: ['meta'], programs: ['caisi'], alert: true });
    expect(got[1]).toMatchObject({ id: 'b', labs: ['microsoft'], programs: [], alert: false });
    expect(got[2]).toMatchObject({ line: 3 });
    expect(String(got[2]?.error)).toMatch(/invalid JSON/);
    expect(got[3]).toMatchObject({ line: 5 });
    expect(got[4]).toMatchObject({ line: 6, error: '"title" is missing or not a string' });
    expect(got[5]).toMatchObject({ line: 7, error: '"title" is missing or not a string' });
    expect(got[6]).toMatchObject({ id: 'f', labs: ['meta'], alert: true });
  });

  it('writes the documented fields with evidence', async () => {
    const { io, out } = makeIO('{"id":"x","title":"Meta’s model faces federal review","summary":""}\n');
    await matchCommand([], io, roster);
    const [row] = lines(out());
    expect(Object.keys(row ?? {})).toEqual(['id', 'labs', 'programs', 'alert', 'reason', 'evidence']);
    expect(row?.evidence).toEqual(
      expect.arrayContaining([
        { entity: 'meta', kind: 'lab', field: 'title', start: 0, end: 4, text: 'Meta' },
      ]),
    );
    expect(typeof row?.reason).toBe('string');
  });

  it('treats a missing summary as empty and keeps a missing id as null', async () => {
    const { io, out } = makeIO('{"title":"CAISI update"}\r\n');
    await matchCommand([], io, roster);
    expect(lines(out())).toEqual([expect.objectContaining({ id: null, programs: ['caisi'], alert: true })]);
  });

  it('rejects a summary that is not a string', async () => {
    const { io, out } = makeIO('{"id":"s","title":"t","summary":{"html":true}}\n');
    await matchCommand([], io, roster);
    expect(lines(out())).toEqual([{ line: 1, error: '"summary" is not a string' }]);
  });

  it('exits 0 on empty input', async () => {
    const { io, out } = makeIO('');
    expect(await matchCommand([], io, roster)).toBe(0);
    expect(out()).toBe('');
  });

  it('exits 2 on an unknown flag', async () => {
    const { io, out, err } = makeIO('{"id":"a","title":"x"}\n');
    expect(await matchCommand(['--yaml'], io, roster)).toBe(2);
    expect(out()).toBe('');
    expect(err()).toMatch(/unknown option "--yaml"/);
  });

  it('streams a long input line by line', async () => {
    const n = 5000;
    async function* gen() {
      for (let i = 0; i < n; i++)
        yield `{"id":"${i}","title":"Meta faces Senate probe of its AI models ${i}","summary":""}\n`;
    }
    const { io, out } = makeIO(Readable.from(gen()));
    expect(await matchCommand([], io, roster)).toBe(0);
    const got = lines(out());
    expect(got).toHaveLength(n);
    expect(got.every((r, i) => r.id === String(i) && r.alert === true)).toBe(true);
  });
});
