// TuneResult → a Falco rules file that appends exceptions, with the evidence and the refusals as comments.
import { UsageError } from '../errors.js';
import { appendSyntaxFor, falcoQuote, type AppendSyntax } from './falco-syntax.js';
import type { ExceptionKeys, ExceptionValue, Refusal, RuleTuning, SuggestedRow, TuneResult, TupleEvidence } from './suggest.js';
import { commentText, commentValue, yamlQuoted, yamlWord } from './yaml-text.js';

/** How the file is written. */
export interface RenderExceptionsOptions {
  /** The Falco version the file is for (`--falco-version`); before 0.37 it uses `append: true`. */
  readonly falcoVersion?: string;
  /** Named in the header, such as `falco-report 0.1.0`. */
  readonly generator?: string;
  /** Applied to evidence shown in comments (command lines, hosts), never to the values themselves. */
  readonly redact?: (text: string) => string;
}

/** The append form for the options; throws UsageError for a version that is not one. */
export function appendSyntax(opts: RenderExceptionsOptions): AppendSyntax {
  if (opts.falcoVersion === undefined) return 'override';
  const s = appendSyntaxFor(opts.falcoVersion);
  if (!s) throw new UsageError(`--falco-version: expected a Falco version such as 0.36.2 or 0.38.0, got ${JSON.stringify(opts.falcoVersion)}`);
  return s;
}

/** RFC 3339 with nanoseconds, shown to the second: evidence needs the day and hour, not the nanosecond. */
function shortTime(text: string): string {
  return text.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+Z$/, '$1Z');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One value as written in a row: Falco-quoted, then YAML-quoted; lists as flow sequences. */
function rowValue(v: ExceptionValue): string {
  return typeof v === 'string' ? yamlQuoted(falcoQuote(v)) : `[${v.map((x) => yamlQuoted(falcoQuote(x))).join(', ')}]`;
}

/** A tuple for a comment: `proc.name="bash", fd.name startswith "/etc/"`. */
export function describeTuple(keys: ExceptionKeys, values: readonly ExceptionValue[]): string {
  return keys.fields
    .map((f, i) => {
      const v = values[i] as ExceptionValue;
      const op = keys.comps[i] ?? '=';
      const shown = typeof v === 'string' ? commentValue(v) : `(${v.map(commentValue).join(', ')})`;
      return op === '=' ? `${commentText(f)}=${shown}` : `${commentText(f)} ${op} ${shown}`;
    })
    .join(', ');
}

function topList(label: string, top: TupleEvidence['hosts'], distinct: number, redact: (s: string) => string): string | undefined {
  if (top.length === 0) return undefined;
  const more = distinct > top.length ? `, and ${distinct - top.length} more` : '';
  return `${label}: ${top.map((c) => `${commentValue(redact(c.value))} (${c.count})`).join(', ')}${more}`;
}

function evidenceLines(e: TupleEvidence, redact: (s: string) => string, approximate: boolean): string[] {
  const when = e.firstSeen && e.lastSeen ? (e.firstSeen === e.lastSeen ? `, at ${commentText(shortTime(e.firstSeen))}` : `, ${commentText(shortTime(e.firstSeen))} to ${commentText(shortTime(e.lastSeen))}`) : '';
  const where = [topList('hosts', e.hosts, e.hostsDistinct, redact), topList('namespaces', e.namespaces, e.namespacesDistinct, redact)].filter((x): x is string => x !== undefined);
  const lines = [`${approximate ? 'at least ' : ''}${plural(e.count, 'alert')}${when}`];
  if (where.length > 0) lines.push(where.join('; '));
  if (e.example) lines.push(`e.g. ${commentText(e.example.field)}=${commentValue(redact(e.example.value))}`);
  return lines;
}

function rowLines(row: SuggestedRow, redact: (s: string) => string, approximate: boolean): string[] {
  return [...evidenceLines(row.evidence, redact, approximate).map((l) => `        # ${l}`), `        - [${row.values.map(rowValue).join(', ')}]`];
}

function keysNote(r: RuleTuning): string {
  const k = r.keys;
  if (!k) return '';
  const from = k.from === 'kb' ? 'keyed as the KB entry says' : 'keyed on default fields';
  return k.note ? `${from}: ${commentText(k.note)}` : from;
}

/**
 * One rule's item: the exception with its rows and their evidence, in the chosen append form. Empty when
 * nothing was suggested for the rule. `analyze --suggest-exceptions` shows this under the rule.
 */
export function renderRuleExceptions(r: RuleTuning, opts: RenderExceptionsOptions = {}): string {
  if (r.rows.length === 0 || !r.keys || !r.exceptionName) return '';
  const syntax = appendSyntax(opts);
  const redact = opts.redact ?? ((s: string) => s);
  const k = r.keys;
  const lines = [
    `# ${commentValue(r.rule)}: ${plural(r.total, 'alert')}, ${r.covered} covered by ${plural(r.rows.length, 'row')}; ${keysNote(r)}`,
    `- rule: ${yamlQuoted(r.rule)}`,
  ];
  if (syntax === 'append') lines.push('  append: true');
  lines.push(
    '  exceptions:',
    `    - name: ${r.exceptionName}`,
    `      fields: [${k.fields.map(yamlWord).join(', ')}]`,
    `      comps: [${k.comps.map(yamlWord).join(', ')}]`,
    '      values:',
    ...r.rows.flatMap((row) => rowLines(row, redact, r.approximate)),
  );
  if (syntax === 'override') lines.push('  override:', '    exceptions: append');
  return `${lines.join('\n')}\n`;
}

function refusalLines(r: RuleTuning): string[] {
  const out: string[] = [];
  for (const f of r.refusals) out.push(...refusalItem(r, f));
  if (r.refusalsOmitted.tuples > 0) {
    out.push(`#   - and ${plural(r.refusalsOmitted.tuples, 'more tuple')} (${plural(r.refusalsOmitted.alerts, 'alert')}), not listed`);
  }
  return out;
}

function refusalItem(r: RuleTuning, f: Refusal): string[] {
  const head = f.values && r.keys ? `${describeTuple(r.keys, f.values)}: ${plural(f.count, 'alert')}` : f.count > 0 ? `the rule, ${plural(f.count, 'alert')}` : 'the rule';
  return [`#   - ${head}`, ...f.reasons.map((why) => `#       ${commentText(why)}`)];
}

function header(result: TuneResult, opts: RenderExceptionsOptions, syntax: AppendSyntax): string[] {
  const t = result.totals;
  const s = result.settings;
  const span = result.firstSeen && result.lastSeen ? ` (${commentText(shortTime(result.firstSeen))} to ${commentText(shortTime(result.lastSeen))})` : '';
  const form = syntax === 'override'
    ? `'override: {exceptions: append}', which needs Falco 0.37 or later`
    : `'append: true', the form Falco read before 0.37 (deprecated since)`;
  const tactics = s.allowTactics.length > 0 ? `allowed after review: ${s.allowTactics.join(', ')}` : 'see --allow-tactic';
  return [
    `# Falco rule exceptions suggested by ${commentText(opts.generator ?? 'falco-report')} from ${plural(t.alerts, 'alert')} of ${plural(t.rules, 'rule')}${span}:`,
    `# ${plural(t.rows, 'value row')} for ${plural(t.tunedRules, 'rule')}, covering ${plural(t.covered, 'alert')}.`,
    '#',
    `# Each rule gets its exception through ${form}.`,
    '# Load this file after the rules files that define these rules, for example:',
    '#   falco -r /etc/falco/falco_rules.yaml -r /etc/falco/rules.d/falco-report-exceptions.yaml',
    `# A row is suggested only when its tuple was seen at least ${s.minCount} times, it keys on more than one field or`,
    `# covers less than ${Math.round(s.wideShare * 100)}% of the rule's alerts, and none of the alerts it covers is above priority`,
    `# ${s.maxPriority}, comes from a rule mapped to a tactic beyond execution (${tactics}), or is ${commentText(s.riskyLabel)}.`,
    `# Values are written '"..."': the outer quotes are YAML's, the inner ones Falco's, so that no value can be`,
    '# read as a list name, a transformer or more condition.',
    '# Review every row: an exception silences every future alert it matches, on every host.',
  ];
}

/**
 * Renders the whole file: a header saying where it came from and how to load it, one item per rule with
 * suggested rows (noisiest first), then what was not suggested and why. Always a YAML sequence (`[]`
 * when nothing was suggested), so that it validates against Falco's rules schema.
 */
export function renderRulesFile(result: TuneResult, opts: RenderExceptionsOptions = {}): string {
  const syntax = appendSyntax(opts);
  const parts = [header(result, opts, syntax).join('\n')];
  const items = result.rules.map((r) => renderRuleExceptions(r, opts).trimEnd()).filter((x) => x !== '');
  parts.push(...(items.length > 0 ? items : ['[]']));
  const refused = result.rules.filter((r) => r.refusals.length > 0 || r.refusalsOmitted.tuples > 0);
  if (refused.length > 0 || result.untrackedAlerts > 0) {
    const lines = ['# Not suggested, and why (add such rows by hand only after review):'];
    for (const r of refused) lines.push('#', `# ${commentValue(r.rule)} (${plural(r.total, 'alert')}):`, ...refusalLines(r));
    if (result.untrackedAlerts > 0) lines.push('#', `# ${plural(result.untrackedAlerts, 'alert')} of rules past the tracked-rule limit were counted but not tuned.`);
    parts.push(lines.join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}
