// Progress on stderr while reading a large file: only when stderr is a terminal, never in the report.
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main, progressLine } from '../src/cli.js';
import type { Io } from '../src/io.js';
import { ROOT } from './helpers.js';

function fakeIo(stderrTTY: boolean): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  stderr.isTTY = stderrTTY;
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: Io = {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { NO_COLOR: '1' },
    now: () => Date.now(),
    stdinKind: () => 'file',
    onSignal: () => () => undefined,
  };
  return { io, out: () => out, err: () => err };
}

describe('the progress line', () => {
  const MiB = 1048576;
  it('gives bytes of the total with the share, records, the rate and the time left when the total is known', () => {
    expect(progressLine(200 * MiB, 800 * MiB, 212_345, 10)).toBe('falco-report: 200.0 of 800.0 MiB (25%), 212,345 records, 20.0 MiB/s, 30s left');
    expect(progressLine(100 * MiB, 1000 * MiB, 1, 10)).toBe('falco-report: 100.0 of 1000.0 MiB (10%), 1 records, 10.0 MiB/s, 1m30s left');
    expect(progressLine(1 * MiB, 10_000 * MiB, 5, 1)).toBe('falco-report: 1.0 of 10000.0 MiB (0%), 5 records, 1.0 MiB/s, 2h46m left');
  });
  it('gives bytes, records and the rate alone when the total is unknown, or passed (a file that grew)', () => {
    expect(progressLine(3 * MiB, undefined, 4000, 2)).toBe('falco-report: 3.0 MiB, 4,000 records, 1.5 MiB/s');
    expect(progressLine(3 * MiB, 2 * MiB, 4000, 2)).toBe('falco-report: 3.0 MiB, 4,000 records, 1.5 MiB/s');
  });
});

describe('progress', () => {
  // A file that takes well over the 500 ms between progress lines to read.
  const dir = mkdtempSync(join(tmpdir(), 'fr-progress-'));
  const file = join(dir, 'big.ndjson');
  const line = `${JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', time: '2026-11-27T09:00:00Z', output_fields: { 'proc.name': 'bash', 'container.id': 'c1', x: 'y'.repeat(400) } })}\n`;
  writeFileSync(file, line.repeat(120_000));

  it('shows bytes read of the total, records, the rate and the time left on a terminal stderr, and keeps it out of the report', async () => {
    const f = fakeIo(true);
    const code = await main(['analyze', file, '--format', 'json'], f.io);
    expect(code).toBe(0);
    // The total is the file's size; records and the time left come with it.
    const total = (statSync(file).size / 1048576).toFixed(1);
    expect(f.err()).toMatch(new RegExp(`\\r\\x1b\\[2Kfalco-report: \\d+\\.\\d of ${total} MiB \\(\\d+%\\), [\\d,]+ records, \\d+\\.\\d MiB/s, [\\dhms]+ left`));
    // Cleared at the end, so the terminal is left clean for the report.
    expect(f.err().endsWith('\r\x1b[2K')).toBe(true);
    expect(f.out()).not.toContain('MiB/s');
    expect((JSON.parse(f.out()) as { totals: { alerts: number } }).totals.alerts).toBe(120_000);
  }, 120_000);
  it('takes its line away before a warning, so that every warning starts a line of its own', async () => {
    // A bad record every 10,000 lines: some come after a progress line was drawn.
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, Array.from({ length: 8 }, () => `${line.repeat(9_999)}{"rule":"x","priority":"Urgent"}\n`).join(''));
    const f = fakeIo(true);
    // Redrawn every millisecond: reading 10,000 lines takes longer, so lines are drawn between warnings.
    expect(await main(['analyze', bad, '--format', 'json'], { ...f.io, progressEveryMs: 1 })).toBe(0);
    const err = f.err();
    const warnings = [...err.matchAll(/falco-report: warning: /g)].map((m) => err.slice(Math.max(0, (m.index ?? 0) - 4), m.index));
    expect(warnings).toHaveLength(8);
    // What stands before each warning: the start, the end of a line, or the escape that cleared the line.
    for (const before of warnings) expect(before === '' || before.endsWith('\n') || before.endsWith('\x1b[2K'), JSON.stringify(before)).toBe(true);
    // Progress lines were drawn between the warnings (else this test would prove nothing).
    expect(err.split('falco-report: warning: ').slice(1, -1).filter((between) => /\x1b\[2Kfalco-report: \d+\.\d of /.test(between)).length).toBeGreaterThan(3);
  }, 120_000);
  it('says nothing when stderr is not a terminal', async () => {
    const f = fakeIo(false);
    expect(await main(['analyze', file, '--format', 'json'], f.io)).toBe(0);
    expect(f.err()).toBe('');
  }, 120_000);
  it('with no file and stdin a terminal, it says how to use it and exits 2 instead of waiting', async () => {
    const f = fakeIo(false);
    const io = { ...f.io, stdinKind: () => 'tty' as const };
    expect(await main([], io)).toBe(2);
    expect(f.err()).toBe('falco-report: error: no input: give alert files, or pipe Falco into it (falco -o json_output=true | falco-report)\n(run falco-report --help for usage)\n');
    expect(f.out()).toBe('');
  });
  it('main never throws: a bug exits 2 with the version and the stack', async () => {
    const f = fakeIo(false);
    // A stdout whose write throws stands in for a bug deep in the program.
    (f.io.stdout as PassThrough).write = () => {
      throw new Error('boom');
    };
    const code = await main(['analyze', join(ROOT, 'examples/seed-alert.json'), '--format', 'json'], f.io);
    expect(code).toBe(2);
    expect(f.err()).toMatch(/^falco-report 0\.1\.0: internal error \(a bug; please report it with this text\)\nError: boom\n {4}at /);
  });
});
