// Static gates over one validated KB entry: known fields, real ATT&CK ids, parseable snippets, safe templates.
import { parseAllDocuments } from 'yaml';
import type { Problem } from '../errors.js';
import { commandProgram, shellPosition, TEMPLATE_VAR, templateVars, wordsBefore } from '../enrich/fill-template.js';
import { withoutArgument } from '../alert/field-name.js';
import { BACKTRACKING_WARNING, runsInLinearTime } from '../enrich/linear-regex.js';
import { ATTACK_TECHNIQUES } from './generated/attack.js';
import { FALCO_FIELDS } from './generated/falco-fields.js';
import type { KbEntryData } from './schema.js';

type LineOf = (path: readonly (string | number)[]) => number;

/** Alert-level keys a template or condition may name as `alert.<key>`. */
export const ALERT_KEYS = ['alert.hostname', 'alert.rule', 'alert.priority', 'alert.source', 'alert.time'] as const;

const FIELD_SOURCE = new Map(FALCO_FIELDS.map(([name, , source]) => [name, source]));
const TECHNIQUES = new Map(ATTACK_TECHNIQUES.map(([id, name, tactics, retired]) => [id, { name, tactics: tactics.split(','), retired }]));

/** The base name of a field (`proc.aname[2]` → `proc.aname`, `evt.arg.target` → `evt.arg`). */
export function fieldBase(name: string): string {
  const plain = withoutArgument(name);
  const arg = /^(evt\.(?:raw)?arg)\.\w+$/.exec(plain);
  return arg ? (arg[1] as string) : plain;
}

/** True when Falco or a plugin defines the field, or it is an alert-level key. */
export function isKnownField(name: string): boolean {
  return (ALERT_KEYS as readonly string[]).includes(name) || FIELD_SOURCE.has(fieldBase(name));
}

function fieldProblem(entry: KbEntryData, name: string): string | undefined {
  if ((ALERT_KEYS as readonly string[]).includes(name)) return undefined;
  const source = FIELD_SOURCE.get(fieldBase(name));
  if (source === undefined) return `"${name}" is not a field that Falco or its plugins define`;
  if (entry.kind === 'rule' && source !== '*' && source !== entry.source && entry.source !== 'internal') {
    return `"${name}" belongs to the ${source} source, not ${entry.source}`;
  }
  return undefined;
}

/** Offsets of `{{` that stand inside single or double quotes of a shell command template. */
export function quotedTemplateUses(template: string): number[] {
  const hits: number[] = [];
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (quote === '' && c === '\\') {
      i++;
      continue;
    }
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c === "'" && quote !== '"') quote = quote === "'" ? '' : "'";
    else if (c === '"' && quote !== "'") quote = quote === '"' ? '' : '"';
    else if (c === '{' && template[i + 1] === '{' && quote !== '') hits.push(i);
  }
  return hits;
}

/** Programs that read their pattern operand as a regular expression: a field passed as it needs `|ere`. */
const REGEX_PROGRAMS = new Set(['pgrep', 'pkill']);
/** Options of pgrep and pkill whose next word is their value (a user, a process id, a delimiter), not the pattern. */
const VALUE_OPTIONS = new Set(['-d', '--delimiter', '-g', '--pgroup', '-G', '--group', '-P', '--parent', '-s', '--session', '-t', '--terminal', '-u', '--euid', '-U', '--uid', '-F', '--pidfile', '-r', '--runstates', '--ns', '--nslist', '--signal', '-q', '--queue']);

/** Options of grep that take the next word as their value. */
const GREP_VALUE_OPTIONS = new Set(['-e', '--regexp', '-f', '--file', '-m', '--max-count', '-A', '--after-context', '-B', '--before-context', '-C', '--context', '-d', '--directories', '-D', '--devices', '--label']);

/**
 * Whether the next word of a grep command is its pattern, from the command's words before it: the word
 * after -e, else the first operand (after `grep`) when no -e or -f gave the pattern.
 */
function grepPatternNext(words: readonly string[]): boolean {
  let given = false;
  let operands = 0;
  for (let k = words.indexOf('grep') + 1; k < words.length; k++) {
    const w = words[k] as string;
    if (w === '--') {
      operands += words.length - k - 1;
      break;
    }
    if (w === '-e' || w === '--regexp') {
      if (k === words.length - 1) return true;
      given = true;
    }
    if (w === '-f' || w === '--file' || w.startsWith('--regexp=') || w.startsWith('--file=')) given = true;
    if (GREP_VALUE_OPTIONS.has(w)) k++;
    else if (!w.startsWith('-') || w === '-') operands++;
  }
  return !given && operands === 0;
}

/**
 * Problems of the `{{...}}` uses of a command template: text in braces that is not a field template,
 * and a field passed to pgrep or pkill without `|ere` (they read it as a regular expression, so a
 * process named `.*` would match every process), or to grep as its pattern without -F.
 */
export function templateUseProblems(template: string): string[] {
  const problems: string[] = [];
  const stray = template.replace(TEMPLATE_VAR, '').indexOf('{{');
  if (stray !== -1) problems.push(`"${template.slice(stray, template.indexOf('}}', stray) + 2 || undefined)}" is not a field template: write {{field}} or {{field|ere}}`);
  for (const m of template.matchAll(TEMPLATE_VAR)) {
    if (m[2] !== undefined) continue;
    const field = m[1] as string;
    // The simple command the field stands in (bash's reading: quotes and command substitutions kept whole).
    const before = template.slice(0, m.index);
    const position = shellPosition(template, m.index);
    const { command } = position;
    const program = commandProgram(command);
    // The word before the one the field stands in: the option it is the value of, if any (`-c` for `-c /^{{x}}`).
    const previous = wordsBefore(position).at(-1) ?? '';
    if (REGEX_PROGRAMS.has(program) && !VALUE_OPTIONS.has(previous)) problems.push(`${program} reads {{${field}}} as a regular expression: write {{${field}|ere}}`);
    else if (program === 'lsof' && previous === '-c') problems.push(`lsof -c takes {{${field}}} as the start of a name, and a leading ^ as "all but": write -c /^{{${field}|ere}}$/`);
    else if (program === 'grep' && !/\s(-[A-Za-z]*F|--fixed-strings)(\s|$)/.test(command) && grepPatternNext(wordsBefore(position))) {
      problems.push(`grep reads {{${field}}} as a regular expression: add -F before it`);
    }
    // A shell variable set to the field and handed to pgrep or pkill later (`n={{proc.name}}; pgrep -x "$n"`).
    const assigned = /(?:^|[\s|;&(])([A-Za-z_][A-Za-z0-9_]*)=$/.exec(before)?.[1];
    if (assigned === undefined) continue;
    for (const use of template.slice(m.index).matchAll(new RegExp(`\\$\\{?${assigned}\\b`, 'g'))) {
      const user = commandProgram(shellPosition(template, m.index + use.index).command);
      if (REGEX_PROGRAMS.has(user)) {
        problems.push(`${user} reads $${assigned}, set from {{${field}}}, as a regular expression: write ${assigned}={{${field}|ere}}`);
        break;
      }
    }
  }
  return problems;
}

/** A Kubernetes object: it names apiVersion or kind, or has metadata with a spec (org policies have name + spec). */
function isK8sLike(doc: unknown): doc is Record<string, unknown> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
  return 'apiVersion' in doc || 'kind' in doc || ('metadata' in doc && 'spec' in doc);
}

/** Checks one snippet parses in its language; Kubernetes objects need apiVersion and kind. */
export function snippetProblems(lang: string, snippet: string): string[] {
  if (lang === 'json') {
    try {
      JSON.parse(snippet);
      return [];
    } catch (err) {
      return [`JSON snippet does not parse: ${(err as Error).message}`];
    }
  }
  if (lang !== 'yaml') return [];
  const out: string[] = [];
  for (const doc of parseAllDocuments(snippet)) {
    if (!('errors' in doc)) continue;
    for (const e of doc.errors) out.push(`YAML snippet does not parse: ${e.message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (isK8sLike(value) && (!value.apiVersion || !value.kind)) {
      out.push('Kubernetes snippet needs both apiVersion and kind');
    }
  }
  return out;
}

/** Runs every static gate over an entry; the shell gates (bash -n, shellcheck) live in check-commands.ts. */
export function lintEntry(entry: KbEntryData & { file: string }, lineOf: LineOf): Problem[] {
  const problems: Problem[] = [];
  const add = (path: (string | number)[], message: string): void => {
    problems.push({ file: entry.file, line: lineOf(path), message });
  };

  if (entry.kind === 'generic' && !entry.applies) add(['kind'], 'a generic entry needs "applies" (source and tags)');

  for (const section of ['investigate', 'remediate'] as const) {
    entry[section].forEach((cmd, i) => {
      const vars = templateVars(cmd.run);
      for (const v of vars) {
        const p = fieldProblem(entry, v);
        if (p) add([section, i, 'run'], `${section}[${i}].run: ${p}`);
      }
      if (vars.length > 0 && !cmd.if_missing) {
        add([section, i], `${section}[${i}]: uses ${vars.join(', ')} but has no "if_missing" saying what to do without them`);
      }
      for (const p of templateUseProblems(cmd.run)) add([section, i, 'run'], `${section}[${i}].run: ${p}`);
      if (quotedTemplateUses(cmd.run).length > 0) {
        add([section, i, 'run'], `${section}[${i}].run: a {{field}} stands inside quotes; values are quoted for you, so put it outside quotes (use --arg for jq)`);
      }
      if (section === 'investigate' && cmd.destructive) {
        add([section, i, 'destructive'], 'investigate commands must be read-only; move it to remediate');
      }
    });
  }

  entry.mitre.forEach((m, i) => {
    const t = TECHNIQUES.get(m.id);
    if (!t) return add(['mitre', i, 'id'], `mitre[${i}]: ${m.id} is not an ATT&CK Enterprise technique`);
    if (t.retired) add(['mitre', i, 'id'], `mitre[${i}]: ${m.id} is deprecated or revoked in ATT&CK`);
    if (!t.tactics.includes(m.tactic)) {
      add(['mitre', i, 'tactic'], `mitre[${i}]: ${m.id} is not in tactic ${m.tactic} (it is in ${t.tactics.join(', ')})`);
    }
    if (t.name !== m.name) add(['mitre', i, 'name'], `mitre[${i}]: ${m.id} is named "${t.name}", not "${m.name}"`);
  });
  const ownIds = entry.tags.filter((t) => /^T\d{4}(\.\d{3})?$/.test(t));
  const kbIds = entry.mitre.map((m) => m.id);
  const differs = ownIds.some((id) => !kbIds.some((k) => k === id || k.startsWith(`${id}.`) || id.startsWith(`${k}.`)));
  if (differs && !entry.mitre_note) {
    add(['mitre'], `the rule is tagged ${ownIds.join(', ')} but the entry maps other techniques: add "mitre_note" saying why`);
  }

  entry.harden.forEach((s, i) => {
    for (const p of snippetProblems(s.lang, s.snippet)) add(['harden', i, 'snippet'], `harden[${i}]: ${p}`);
  });

  entry.benign.forEach((b, i) => {
    b.when.forEach((c, j) => {
      if (!isKnownField(c.field)) add(['benign', i, 'when', j, 'field'], `benign[${i}]: "${c.field}" is not a known field`);
      const needsValue = c.op !== 'exists' && c.op !== 'missing';
      if (needsValue && c.value === undefined) add(['benign', i, 'when', j], `benign[${i}]: operator ${c.op} needs a value`);
      if (c.op === 'regex' && typeof c.value === 'string' && !isRegExp(c.value)) {
        add(['benign', i, 'when', j, 'value'], `benign[${i}]: invalid regular expression ${JSON.stringify(c.value)}`);
      }
      if (c.op === 'in' && !Array.isArray(c.value)) add(['benign', i, 'when', j, 'value'], `benign[${i}]: operator in needs a list`);
    });
  });

  if (entry.exception) {
    entry.exception.fields.forEach((f, i) => {
      const p = fieldProblem(entry, f);
      if (p || f.startsWith('alert.')) add(['exception', 'fields', i], `exception.fields[${i}]: ${p ?? `"${f}" is not a Falco field`}`);
    });
    const comps = entry.exception.comps;
    if (comps && comps.length !== entry.exception.fields.length) {
      add(['exception', 'comps'], 'exception.comps must have one operator per field');
    }
  }
  return problems;
}

/**
 * The regex conditions of an entry that V8's linear-time engine cannot run (lookaround, a
 * backreference, a large count): in a user's entry they run on the backtracking engine, where an
 * attacker's long value can take exponential time if the pattern can match the same text in two ways.
 * Warnings, not problems: such a pattern may well be safe, and the built-in ones are checked by npm test.
 */
export function backtrackingPatterns(entry: KbEntryData & { file: string }, lineOf: LineOf): Problem[] {
  const out: Problem[] = [];
  entry.benign.forEach((b, i) => {
    b.when.forEach((c, j) => {
      if (c.op !== 'regex' || typeof c.value !== 'string' || !isRegExp(c.value) || runsInLinearTime(c.value)) return;
      out.push({
        file: entry.file,
        line: lineOf(['benign', i, 'when', j, 'value']),
        message: `benign[${i}]: ${JSON.stringify(c.value)} ${BACKTRACKING_WARNING}`,
      });
    });
  });
  return out;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
