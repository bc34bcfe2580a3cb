// Shell gates over KB commands: each template, filled with sample values, must parse (bash -n) and pass shellcheck.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Problem } from '../errors.js';
import { fieldType, fillTemplate, TYPE_FORMS } from '../enrich/fill-template.js';
import type { KbEntry } from './load-kb.js';

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
}

function targets(entries: readonly KbEntry[]): Target[] {
  const out: Target[] = [];
  for (const entry of entries) {
    for (const section of ['investigate', 'remediate'] as const) {
      entry[section].forEach((cmd, i) => {
        out.push({ entry, where: `${section}[${i}]`, script: sampleScript(cmd.run) });
      });
    }
    entry.harden.forEach((s, i) => {
      if (s.lang === 'shell') out.push({ entry, where: `harden[${i}]`, script: s.snippet });
    });
  }
  return out;
}

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs bash -n and shellcheck over every command of the entries. Tools that are not installed are
 * reported once as a problem in `skipped`, never silently passed.
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
        if (t) problems.push({ file: t.entry.file, line: 1, message: `${t.where}: bash -n: ${msg.replace(/^.*?: line \d+: /, '')}` });
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
        if (t) problems.push({ file: t.entry.file, line: 1, message: `${t.where}: shellcheck SC${c.code}: ${c.message}` });
      }
    } else skipped.push('shellcheck is not installed: commands were not linted');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { problems, skipped };
}
