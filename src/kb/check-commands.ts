// Shell gates over KB commands: each template, filled with sample values, must parse (bash -n), pass shellcheck, and
// give jq only programs that compile.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Problem } from '../errors.js';
import { commandProgram, fieldType, fillTemplate, shellPosition, TYPE_FORMS } from '../enrich/fill-template.js';
import { entryLine, type KbEntry } from './load-kb.js';

/**
 * A sample value with a space and a quote, so that quoting mistakes show up in the gate; a field whose
 * values have a fixed form (an IP address, a port) gets a sample of that form, as the alert would carry.
 */
const SAMPLE = "sample value's";
/** The sample where the command reads a list, which withholds a value with a blank: still a quote to test quoting. */
const LIST_SAMPLE = "sample_value's";
const sampleOf = (name: string): string => TYPE_FORMS[fieldType(name) ?? '']?.sample ?? SAMPLE;

/**
 * A template filled with samples. A field that sits in a list position gets the sample without a
 * blank, since a value with one would be withheld there and leave `<name>` in the script.
 */
function sampleScript(template: string): string {
  const first = fillTemplate(template, sampleOf);
  const inList = new Set(first.withheld.filter((w) => w.reason === 'list').map((w) => w.name));
  if (inList.size === 0) return first.text;
  return fillTemplate(template, (name) => (inList.has(name) ? LIST_SAMPLE : sampleOf(name))).text;
}

/** One command to check, and where it came from. */
interface Target {
  readonly entry: KbEntry;
  readonly where: string;
  readonly script: string;
  /** The line of the step's `run` (or the snippet) in the entry's file. */
  readonly line: number;
}

function targets(entries: readonly KbEntry[]): Target[] {
  const out: Target[] = [];
  for (const entry of entries) {
    for (const section of ['investigate', 'remediate'] as const) {
      entry[section].forEach((cmd, i) => {
        out.push({ entry, where: `${section}[${i}]`, script: sampleScript(cmd.run), line: entryLine(entry, [section, i, 'run']) });
      });
    }
    entry.harden.forEach((s, i) => {
      if (s.lang === 'shell') out.push({ entry, where: `harden[${i}]`, script: s.snippet, line: entryLine(entry, ['harden', i, 'snippet']) });
    });
  }
  return out;
}

/**
 * The words from offset `from` to the end of their simple command, as bash hands them to the program:
 * quotes and backslashes removed, a command substitution kept as written, redirections left out. It stops
 * at an unquoted `|`, `;`, `&`, `)` or line break.
 */
export function wordsFrom(script: string, from: number): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let redirect = false;
  const end = (): void => {
    if (word !== undefined && !redirect) words.push(word);
    else if (word !== undefined) redirect = false;
    word = undefined;
  };
  for (let i = from; i < script.length; i++) {
    const c = script[i] as string;
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      word = (word ?? '') + script.slice(i + 1, close < 0 ? script.length : close);
      i = close < 0 ? script.length : close;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        if (script[j] === '\\' && '"\\$`'.includes(script[j + 1] ?? '')) j++;
        text += script[j];
      }
      word = (word ?? '') + text;
      i = j;
    } else if (c === '\\') {
      word = (word ?? '') + (script[i + 1] ?? '');
      i++;
    } else if (c === '$' && script[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < script.length; j++) {
        if (script[j] === '(') depth++;
        else if (script[j] === ')' && --depth === 0) break;
      }
      word = (word ?? '') + script.slice(i, j + 1);
      i = j;
    } else if (c === '<' || c === '>') {
      // `2>/dev/null`, `> out`, `2>&1`: the file descriptor before it and the target after it are no arguments.
      if (word !== undefined && /^\d+$/.test(word)) word = undefined;
      end();
      redirect = true;
      while (script[i + 1] === '>' || script[i + 1] === '&') i++;
    } else if (c === ' ' || c === '\t') {
      end();
    } else if ('|;&)\n'.includes(c)) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  end();
  return words;
}

/** jq's options that take one value after them, and those that take two (a name and a value). */
const JQ_ONE_VALUE = new Set(['--indent', '-L']);
const JQ_TWO_VALUES = new Set(['--arg', '--argjson', '--slurpfile', '--rawfile']);

/**
 * The jq programs a script runs, each with the variables its command defines (as `--arg NAME x`, which is
 * all compiling needs). A program read from a file (`-f`) is not one of them.
 */
export function jqPrograms(script: string): { program: string; vars: string[] }[] {
  const out: { program: string; vars: string[] }[] = [];
  for (const m of script.matchAll(/(?<![\w./-])jq(?=[ \t])/g)) {
    if (commandProgram(shellPosition(script, m.index + 2).command) !== 'jq') continue;
    const words = wordsFrom(script, m.index + 2);
    const vars: string[] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      if (JQ_TWO_VALUES.has(w)) {
        vars.push('--arg', words[i + 1] ?? '', 'x');
        i += 2;
      } else if (JQ_ONE_VALUE.has(w)) i++;
      else if (w === '-f' || w === '--from-file' || w === '--args' || w === '--jsonargs') break;
      else if (!w.startsWith('-') || w === '-') {
        out.push({ program: w, vars });
        break;
      }
    }
  }
  return out;
}

/**
 * What jq says of programs that do not compile together (it exits 3: a syntax error, an unknown function or
 * variable), or undefined. Each is the body of a function of its own, on lines of their own (a comment at a
 * program's end would hide the `)` after it), called where nothing runs them: jq checks the functions a
 * program calls, and only those.
 */
function jqCompileError(programs: readonly string[], vars: readonly string[]): string | undefined {
  const defs = programs.map((p, i) => `def __program${i}: (\n${p}\n);\n`).join('');
  const text = `${defs}if false then ${programs.map((_, i) => `__program${i}`).join(', ')} else empty end`;
  const res = spawnSync('jq', ['-n', ...vars, text], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (res.status !== 3) return undefined;
  return (res.stderr.split('\n')[0] ?? '').replace(/^jq: error: /, '').replace(/ at <top-level>, line \d+:$/, '');
}

/**
 * Compiles every jq program of the targets. jq takes some 30 ms to start, so all of them are compiled in
 * one run; only when that fails is each compiled alone, to name the ones that do not compile.
 */
function jqProblems(list: readonly Target[]): Problem[] {
  const found = list.flatMap((t) => jqPrograms(t.script).map((p) => ({ t, ...p })));
  if (found.length === 0 || jqCompileError(found.map((p) => p.program), found.flatMap((p) => p.vars)) === undefined) return [];
  return found.flatMap(({ t, program, vars }) => {
    const error = jqCompileError([program], vars);
    return error === undefined ? [] : [{ file: t.entry.file, line: t.line, message: `${t.where}: jq: ${error}` }];
  });
}

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs bash -n and shellcheck over every command of the entries, and compiles the jq programs they hold.
 * Tools that are not installed are reported once as a problem in `skipped`, never silently passed.
 */
export function checkCommands(entries: readonly KbEntry[]): { problems: Problem[]; skipped: string[] } {
  const list = targets(entries);
  const problems: Problem[] = [];
  const skipped: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'falco-report-kb-'));
  try {
    const files = list.map((t, i) => {
      const file = join(dir, `c${i}.sh`);
      writeFileSync(file, `#!/usr/bin/env bash\n${t.script}\n`);
      return file;
    });
    if (hasTool('bash')) {
      // One bash for all: `bash -n FILE` per file, without starting a process for each.
      const loop = 'for f in "$@"; do bash -n "$f" 2>&1 | head -1 | sed "s|^|$f\\t|"; done';
      const res = spawnSync('bash', ['-c', loop, 'bash', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
      for (const line of res.stdout.split('\n')) {
        const [file, msg] = line.split('\t');
        if (!file || !msg) continue;
        const t = list[files.indexOf(file)];
        if (t) problems.push({ file: t.entry.file, line: t.line, message: `${t.where}: bash -n: ${msg.replace(/^.*?: line \d+: /, '')}` });
      }
    } else skipped.push('bash is not installed: commands were not parsed with bash -n');
    if (hasTool('shellcheck')) {
      const res = spawnSync('shellcheck', ['-s', 'bash', '-S', 'warning', '-f', 'json1', ...files], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      const parsed = JSON.parse(res.stdout || '{"comments":[]}') as { comments: { file: string; code: number; message: string }[] };
      for (const c of parsed.comments) {
        const t = list[files.indexOf(c.file)];
        if (t) problems.push({ file: t.entry.file, line: t.line, message: `${t.where}: shellcheck SC${c.code}: ${c.message}` });
      }
    } else skipped.push('shellcheck is not installed: commands were not linted');
    if (hasTool('jq')) problems.push(...jqProblems(list));
    else skipped.push('jq is not installed: the jq programs of commands were not compiled');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { problems, skipped };
}
