// Start-up: each run loads only the modules its format and flags need (the built bin/, as users run it).
// Every module the process loads is recorded, ESM through a loader hook and CommonJS from the require
// cache at exit, so an eager import added anywhere on these paths fails here.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const BIN = join(ROOT, 'bin/falco-report.js');
const DIR = mkdtempSync(join(tmpdir(), 'fr-startup-'));

beforeAll(() => {
  writeFileSync(
    join(DIR, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.FR_TRACE, url + '\\n');
  return next(url, context);
}
`,
  );
  writeFileSync(
    join(DIR, 'register.mjs'),
    `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(DIR, 'hooks.mjs')).href)});
const require = createRequire(import.meta.url);
process.on('exit', () => {
  // Only modules that ran: the ESM loader also lists CommonJS files it merely scanned for exports.
  const cjs = Object.entries(require.cache).filter(([, m]) => m && m.loaded).map(([path]) => 'file://' + path);
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => 'node:' + m.slice(13));
  appendFileSync(process.env.FR_TRACE, [...cjs, ...builtins].join('\\n') + '\\n');
});
`,
  );
});

/**
 * Runs the built tool and returns what it loaded: `dist/...`, `npm:<package>` (and `npm:<package>/<file>`)
 * and `node:<builtin>` names. A CommonJS stand-in (render/terminal.ts) counts as its package, loaded.
 */
function loaded(args: string[], input?: string | { readonly file: string }): { code: number | null; modules: Set<string>; stdout: string } {
  const trace = join(DIR, `trace-${Math.random().toString(36).slice(2)}`);
  writeFileSync(trace, '');
  const env = { ...process.env, NO_COLOR: '1', FR_TRACE: trace } as NodeJS.ProcessEnv;
  delete env.FORCE_COLOR;
  delete env.NODE_OPTIONS;
  // A string goes through a pipe; a file is stdin as `< file` makes it.
  const stdin = typeof input === 'object' ? openSync(input.file, 'r') : undefined;
  const feed: { input?: string; stdio?: ['pipe' | number, 'pipe', 'pipe'] } = typeof input === 'string' ? { input } : stdin !== undefined ? { stdio: [stdin, 'pipe', 'pipe'] } : {};
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(DIR, 'register.mjs')).href, BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', ...feed });
  if (stdin !== undefined) closeSync(stdin);
  const modules = new Set<string>();
  for (const url of readFileSync(trace, 'utf8').split('\n').filter(Boolean)) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
    if (pkg) modules.add(`npm:${pkg[1]}`).add(`npm:${pkg[1]}/${pkg[2]}`);
    else if (url.startsWith('node:')) modules.add(url);
    else {
      const dist = /\/(dist\/.*)$/.exec(url);
      if (dist) modules.add(dist[1] as string);
    }
  }
  return { code: r.status, modules, stdout: r.stdout };
}

/** Writes `content` to a file here and runs a JSON report of it. */
function jsonReportOf(name: string, content: string): ReturnType<typeof loaded> {
  const file = join(DIR, name);
  writeFileSync(file, content);
  return loaded([file, '--format', 'json']);
}

const REPORT = ['examples/seed-alert.json'];
const HEAVY = ['npm:marked', 'npm:marked-terminal', 'npm:chalk', 'npm:cli-table3', 'npm:node-emoji', 'npm:yaml', 'npm:zod'];

describe('start-up loads only what the run needs', () => {
  it('the tracer sees what it should (else the checks below prove nothing)', () => {
    const r = loaded([...REPORT, '--format', 'terminal']);
    expect(r.code).toBe(0);
    for (const m of ['dist/cli.js', 'dist/render/terminal.js', 'npm:commander', 'npm:marked', 'npm:marked-terminal', 'npm:cli-table3', 'node:fs']) expect(r.modules).toContain(m);
  });

  it('--format json: no Markdown, terminal, YAML or zod code, no filters, no live output, no YAML catalogue loader', () => {
    const r = loaded([...REPORT, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ totals: { alerts: 1 } });
    // Nor the text-line parser and its table of rule messages: the input is JSON.
    for (const m of [...HEAVY, 'dist/render/markdown.js', 'dist/render/terminal.js', 'dist/render/card.js', 'dist/filter/filters.js', 'dist/live.js', 'dist/kb/load-kb.js', 'dist/tune/render-exceptions.js', 'node:zlib', 'dist/alert/parse-text.js', 'dist/kb/generated/rule-messages.js']) {
      expect(r.modules, m).not.toContain(m);
    }
  });

  it('a plain-text alert line loads the text-line parser when it comes', () => {
    const r = jsonReportOf('falco.log', '2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)\n');
    expect(JSON.parse(r.stdout)).toMatchObject({ totals: { alerts: 1 } });
    expect(r.modules).toContain('dist/alert/parse-text.js');
  });

  it('--format markdown: no marked, chalk, YAML or zod', () => {
    const r = loaded([...REPORT, '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.modules).toContain('dist/render/markdown.js');
    // Falco's field list is for `tune`, not for writing the exceptions a report may show.
    // Nor the exception writer: only --suggest-exceptions shows exceptions.
    for (const m of [...HEAVY, 'dist/render/terminal.js', 'dist/render/card.js', 'dist/kb/load-kb.js', 'dist/kb/generated/falco-fields.js', 'dist/tune/render-exceptions.js']) expect(r.modules, m).not.toContain(m);
  });

  it('--format terminal: marked-terminal without highlight.js, the emoji table or cli-table3, and no YAML or zod', () => {
    const r = loaded([...REPORT, '--format', 'terminal']);
    expect(r.code).toBe(0);
    // cli-highlight, emojilib and cli-table3 are stand-ins: what the real ones would load is absent.
    expect(r.modules).toContain('npm:emojilib');
    expect(r.modules).toContain('dist/render/draw-table.js');
    // skin-tone's stand-in does not load the table of emoji its real self requires.
    for (const m of ['npm:highlight.js', 'npm:emojilib/emojis.json', 'npm:cli-table3/src/table.js', 'npm:string-width', 'npm:unicode-emoji-modifier-base', 'npm:yaml', 'npm:zod', 'dist/kb/load-kb.js']) expect(r.modules, m).not.toContain(m);
  });

  it('a small report loads neither node:crypto nor the heap settings (node:v8); a large, gzipped or piped input gets the settings', () => {
    for (const format of ['json', 'markdown']) {
      const r = loaded([...REPORT, '--format', format]);
      expect(r.code).toBe(0);
      for (const m of ['node:crypto', 'node:v8', 'dist/heap.js']) expect(r.modules, `${format}: ${m}`).not.toContain(m);
    }
    // Over 4 MiB of alerts in a file, then the same alert through a pipe (a stream that may never end).
    const line = readFileSync(join(ROOT, REPORT[0] as string), 'utf8').trim();
    expect(jsonReportOf('big.ndjson', `${line}\n`.repeat(Math.ceil((4.5 * 1024 * 1024) / (line.length + 1)))).modules).toContain('node:v8');
    const piped = loaded(['--format', 'json'], `${line}\n`);
    expect(JSON.parse(piped.stdout)).toMatchObject({ totals: { alerts: 1 } });
    expect(piped.modules).toContain('node:v8');
    // A small gzip file may hold many alerts: it gets the settings by its first bytes, whatever its
    // name, given as a file or as stdin redirected from it (which is then still read from its start).
    const many = gzipSync(`${line}\n`.repeat(2000));
    expect(many.length).toBeLessThan(64 * 1024);
    const gz = join(DIR, 'alerts.log');
    writeFileSync(gz, many);
    const named = loaded([gz, '--format', 'json']);
    expect(JSON.parse(named.stdout)).toMatchObject({ totals: { alerts: 2000 } });
    expect(named.modules).toContain('node:v8');
    const redirected = loaded(['--format', 'json'], { file: gz });
    expect(JSON.parse(redirected.stdout)).toMatchObject({ totals: { alerts: 2000 } });
    expect(redirected.modules).toContain('node:v8');
    // The same small input, not compressed and redirected: no settings.
    const plain = join(DIR, 'one.ndjson');
    writeFileSync(plain, `${line}\n`);
    const small = loaded(['--format', 'json'], { file: plain });
    expect(JSON.parse(small.stdout)).toMatchObject({ totals: { alerts: 1 } });
    expect(small.modules).not.toContain('node:v8');
  });

  it('a usage error loads neither the pipeline nor any renderer', () => {
    const r = loaded(['--bogus']);
    expect(r.code).toBe(2);
    for (const m of [...HEAVY, 'dist/run.js', 'dist/render/json.js', 'dist/render/markdown.js', 'dist/filter/filters.js', 'dist/aggregate/baseline.js']) expect(r.modules, m).not.toContain(m);
  });

  it('zod is loaded for a bad record, to say what is wrong with it', () => {
    const r = jsonReportOf('bad.json', '{"rule": 1, "priority": "Notice", "output_fields": {}}\n');
    expect(JSON.parse(r.stdout)).toMatchObject({ input: { rejected: 1 } });
    expect(r.modules).toContain('npm:zod');
  });

  it('filters and live output are still loaded when asked for', () => {
    const r = loaded([...REPORT, '--format', 'ndjson', '--rule', 'Detect*']);
    expect(r.code).toBe(0);
    for (const m of ['dist/filter/filters.js', 'dist/live.js']) expect(r.modules).toContain(m);
  });
});
