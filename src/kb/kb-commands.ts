// The `kb` subcommands: list, show, validate, coverage. Each returns its exit code.
import { realpathSync } from 'node:fs';
import { formatProblem, KbError, UsageError } from '../errors.js';
import { toolVersion, write, type Io } from '../io.js';
import { readRulesFiles, missingRules } from './coverage.js';
import { checkCommands } from './check-commands.js';
import { builtinKbDir, loadKnowledgeBase, normaliseRuleName } from './knowledge-base.js';
import { loadCatalogue } from './load-kb.js';

/** `kb list`: one line per entry, or a JSON array. */
export async function kbList(dirs: readonly string[], json: boolean, io: Io): Promise<number> {
  const kb = await loadKnowledgeBase(dirs);
  const rows = [...kb.entries]
    .sort((a, b) => a.source.localeCompare(b.source) || a.rule.localeCompare(b.rule))
    .map((e) => ({ rule: e.rule, kind: e.kind, source: e.source, priority: e.priority, maturity: e.maturity, mitre: e.mitre.map((m) => m.id), origin: e.origin, file: e.file }));
  if (json) {
    await write(io.stdout, `${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const lines = rows.map((r) => [r.rule, r.source, r.priority, r.maturity, r.mitre.join(',') || '-'].join('\t'));
  await write(io.stdout, `${['RULE\tSOURCE\tPRIORITY\tMATURITY\tMITRE', ...lines].join('\n')}\n`);
  return 0;
}

/** `kb show RULE`: the entry as a report shows it, placeholders unfilled. */
export async function kbShow(rule: string, dirs: readonly string[], format: 'terminal' | 'markdown', view: { width: number; color: boolean }, io: Io): Promise<number> {
  const kb = await loadKnowledgeBase(dirs);
  const hit = kb.byName.get(normaliseRuleName(rule))?.ref ?? kb.generic.find((e) => normaliseRuleName(e.head.rule) === normaliseRuleName(rule));
  if (!hit) throw new UsageError(`no knowledge-base entry for rule "${rule}" (kb list shows them all)`);
  const { renderEntryMarkdown } = await import('../render/markdown.js');
  const md = renderEntryMarkdown(hit.entry);
  if (format === 'markdown') await write(io.stdout, md);
  else {
    const { markdownToTerminal } = await import('../render/terminal.js');
    await write(io.stdout, markdownToTerminal(md, { version: toolVersion(), ...view }));
  }
  return 0;
}

/** Whether a directory is the built-in catalogue, however it was named. */
function isBuiltin(dir: string): boolean {
  try {
    return realpathSync(dir) === realpathSync(builtinKbDir());
  } catch {
    return false;
  }
}

/** `kb validate [DIR...]`: every problem in every directory, with file:line; exit 2 on any. */
export async function kbValidate(dirs: readonly string[], io: Io): Promise<number> {
  const targets = dirs.length > 0 ? dirs.map((d) => [d, d] as const) : [[builtinKbDir(), 'rules-kb'] as const];
  let total = 0;
  let entries = 0;
  for (const [dir, shownAs] of targets) {
    const loaded = loadCatalogue(dir, dir, shownAs);
    const shell = checkCommands(loaded.entries);
    const problems = [...loaded.problems, ...shell.problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    for (const p of problems) io.stderr.write(`${formatProblem(p)}\n`);
    for (const s of shell.skipped) io.stderr.write(`falco-report: warning: ${s}\n`);
    // The built-in patterns run on the usual engine and npm test checks each: only a user's are shown.
    if (!isBuiltin(dir)) for (const w of loaded.warnings) io.stderr.write(`falco-report: warning: ${formatProblem(w)}\n`);
    total += problems.length;
    entries += loaded.entries.length;
  }
  await write(io.stdout, `${entries} entries checked, ${total} problem${total === 1 ? '' : 's'}\n`);
  return total > 0 ? 2 : 0;
}

/** `kb coverage FILE...`: rules with no entry; exit 1 when any, 2 when a file cannot be read or parsed. */
export async function kbCoverage(files: readonly string[], dirs: readonly string[], json: boolean, io: Io): Promise<number> {
  const { rules, problems } = readRulesFiles(files);
  if (problems.length > 0) throw new KbError(problems);
  const kb = await loadKnowledgeBase(dirs);
  const missing = missingRules(rules, kb);
  if (json) {
    await write(io.stdout, `${JSON.stringify({ rules: rules.length, covered: rules.length - missing.length, missing: missing.map((m) => m.name) }, null, 2)}\n`);
  } else {
    const lines = missing.map((m) => `${m.file}:${m.line}: no entry for rule "${m.name}"${m.enabled ? '' : ' (disabled by default)'}`);
    await write(io.stdout, `${[...lines, `${rules.length} rules, ${rules.length - missing.length} covered, ${missing.length} missing`].join('\n')}\n`);
  }
  return missing.length > 0 ? 1 : 0;
}
