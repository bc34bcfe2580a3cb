// Progress on stderr while reading a large file: only when stderr is a terminal, never in the report.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
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

describe('progress', () => {
  // A file that takes well over the 500 ms between progress lines to read.
  const dir = mkdtempSync(join(tmpdir(), 'fr-progress-'));
  const file = join(dir, 'big.ndjson');
  const line = `${JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice', time: '2026-11-27T09:00:00Z', output_fields: { 'proc.name': 'bash', 'container.id': 'c1', x: 'y'.repeat(400) } })}\n`;
  writeFileSync(file, line.repeat(120_000));

  it('shows bytes read and the rate on a terminal stderr, and keeps it out of the report', async () => {
    const f = fakeIo(true);
    const code = await main(['analyze', file, '--format', 'json'], f.io);
    expect(code).toBe(0);
    expect(f.err()).toMatch(/\rfalco-report: read \d+\.\d MiB \(\d+\.\d MiB\/s\)/);
    expect(f.out()).not.toContain('falco-report: read');
    expect((JSON.parse(f.out()) as { totals: { alerts: number } }).totals.alerts).toBe(120_000);
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
