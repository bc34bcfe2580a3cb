// --check: evaluates a rules file's exceptions against alerts, as Falco would, and counts what they silence.
import { parse } from 'yaml';
import type { Alert, FieldValue } from '../alert/alert.js';
import { fieldText, ownField } from '../alert/field-values.js';
import { terminalSafe } from '../escape/terminal.js';
import { compare, isEvaluatedComp, type EvaluatedComp } from './compare.js';
import { falcoUnquote, LIST_COMPS } from './falco-syntax.js';

/** One exception as Falco builds it: `not ((f1 c1 v1 and f2 c2 v2) or ...)`. */
export interface ParsedException {
  readonly rule: string;
  readonly name: string;
  readonly fields: readonly string[];
  readonly comps: readonly EvaluatedComp[];
  /** Rows of values read as Falco reads them (unquoted, unescaped); a list for the list operators. */
  readonly rows: readonly (readonly (string | readonly string[])[])[];
}

/** The exceptions of a rules file, and what in it could not be evaluated. */
export interface ParsedRules {
  readonly exceptions: readonly ParsedException[];
  readonly problems: readonly string[];
}

/** What one exception silences. */
export interface ExceptionCheck {
  readonly rule: string;
  readonly name: string;
  readonly rows: number;
  /** Alerts of its rule that match one of its rows. */
  readonly silenced: number;
}

/** One rule's alerts before and after the exceptions. */
export interface RuleCheck {
  readonly rule: string;
  readonly alerts: number;
  readonly silenced: number;
  readonly remaining: number;
}

/** The outcome of `--check`. */
export interface CheckResult {
  readonly alerts: number;
  readonly silenced: number;
  readonly exceptions: readonly ExceptionCheck[];
  /** Every rule seen in the alerts, most remaining first. */
  readonly rules: readonly RuleCheck[];
  readonly problems: readonly string[];
}

type Scalar = string | number | boolean;

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A YAML scalar as Falco's condition would read it, or a problem. */
function readValue(v: Scalar, where: string, problems: string[]): string | undefined {
  if (typeof v !== 'string') return String(v);
  const r = falcoUnquote(v);
  if (r.ok) return r.value;
  problems.push(`${where}: ${r.reason}`);
  return undefined;
}

/**
 * Reads the exceptions of a Falco rules file (any items with `rule` and `exceptions`; lists, macros and
 * conditions are not evaluated). Shapes Falco would reject, and operators this tool does not evaluate,
 * are reported as problems and left out.
 */
export function parseExceptions(rulesYamlText: string): ParsedRules {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parse(rulesYamlText, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    return { exceptions: [], problems: [`rules file: ${(err as Error).message.split('\n')[0] ?? 'not YAML'}`] };
  }
  if (doc === null || doc === undefined) return { exceptions: [], problems };
  if (!Array.isArray(doc)) return { exceptions: [], problems: ['rules file: expected a list of rules, lists and macros'] };
  const byName = new Map<string, { fields: string[]; comps: EvaluatedComp[]; single: boolean; rows: (string | string[])[][]; rule: string; name: string }>();
  doc.forEach((item: unknown, i) => {
    if (!isRecord(item) || typeof item.rule !== 'string' || item.exceptions === undefined) return;
    const rule = item.rule;
    if (!Array.isArray(item.exceptions)) {
      problems.push(`item ${i + 1} (${rule}): exceptions: expected a list`);
      return;
    }
    item.exceptions.forEach((ex: unknown, j) => {
      const where = `${rule}: exception ${j + 1}`;
      if (!isRecord(ex) || typeof ex.name !== 'string') {
        problems.push(`${where}: expected a name`);
        return;
      }
      const key = `${rule}\u0000${ex.name}`;
      const prev = byName.get(key);
      if (prev && (ex.fields !== undefined || ex.comps !== undefined)) {
        problems.push(`${rule}: ${ex.name}: defined twice; Falco only appends values to an existing exception`);
        return;
      }
      const parsed = prev ?? readShape(ex, `${rule}: ${ex.name}`, problems);
      if (!parsed) return;
      const rows = readRows(ex.values, parsed.fields, parsed.comps, parsed.single, `${rule}: ${ex.name}`, problems);
      if (prev) prev.rows.push(...rows);
      else byName.set(key, { rule, name: ex.name, fields: parsed.fields, comps: parsed.comps, single: parsed.single, rows });
    });
  });
  return { exceptions: [...byName.values()], problems };
}

/** Fields and comps of a new exception, with Falco's defaults (`=` for each field; `in` for one field). */
function readShape(ex: Record<string, unknown>, where: string, problems: string[]): { fields: string[]; comps: EvaluatedComp[]; single: boolean } | undefined {
  const single = typeof ex.fields === 'string';
  const fields = single ? [ex.fields as string] : Array.isArray(ex.fields) && ex.fields.every((f) => typeof f === 'string') ? (ex.fields as string[]) : undefined;
  if (!fields) {
    problems.push(`${where}: fields: expected a field or a list of fields`);
    return undefined;
  }
  let comps: unknown[];
  if (ex.comps === undefined) comps = fields.map(() => (single ? 'in' : '='));
  else if (single && typeof ex.comps === 'string') comps = [ex.comps];
  else if (!single && Array.isArray(ex.comps)) comps = ex.comps;
  else {
    problems.push(`${where}: comps: expected ${single ? 'one operator' : 'a list of operators'}, like fields`);
    return undefined;
  }
  if (comps.length !== fields.length) {
    problems.push(`${where}: fields and comps must have the same length`);
    return undefined;
  }
  if (single && !LIST_COMPS.has(String(comps[0]))) {
    problems.push(`${where}: with a single field, comps must be in, pmatch or intersects`);
    return undefined;
  }
  const bad = comps.find((c) => typeof c !== 'string' || !isEvaluatedComp(c));
  if (bad !== undefined) {
    problems.push(`${where}: operator ${JSON.stringify(bad)} is not evaluated by --check`);
    return undefined;
  }
  return { fields, comps: comps as EvaluatedComp[], single };
}

function readRows(values: unknown, fields: readonly string[], comps: readonly EvaluatedComp[], single: boolean, where: string, problems: string[]): (string | string[])[][] {
  if (values === undefined) return [];
  if (!Array.isArray(values)) {
    problems.push(`${where}: values: expected a list`);
    return [];
  }
  if (single) {
    // `fields: f, comps: in, values: [a, b]` is `f in (a, b)`: one row with one list.
    const list = values.filter(isScalar).map((v) => readValue(v, where, problems));
    if (list.length !== values.length) problems.push(`${where}: values: expected a list of values`);
    return list.every((v): v is string => v !== undefined) && list.length > 0 ? [[list]] : [];
  }
  const rows: (string | string[])[][] = [];
  values.forEach((row: unknown, r) => {
    const at = `${where}: row ${r + 1}`;
    if (!Array.isArray(row) || row.length !== fields.length) {
      problems.push(`${at}: expected ${fields.length} values, one per field`);
      return;
    }
    const out: (string | string[])[] = [];
    for (let i = 0; i < row.length; i++) {
      const v: unknown = row[i];
      const list = LIST_COMPS.has(comps[i] as string);
      if (list && Array.isArray(v) && v.every(isScalar)) {
        const items = v.map((x) => readValue(x, at, problems));
        if (!items.every((x): x is string => x !== undefined)) return;
        out.push(items);
      } else if (isScalar(v)) {
        const s = readValue(v, at, problems);
        if (s === undefined) return;
        // Falco wraps a single value given to a list operator in parentheses: a one-item list.
        out.push(list ? [s] : s);
      } else {
        problems.push(`${at}: value ${i + 1}: expected ${list ? 'a list of values' : 'a value'}`);
        return;
      }
    }
    rows.push(out);
  });
  return rows;
}

/** A field's values in an alert: none when Falco did not know it, several for a list field. */
function fieldValues(alert: Alert, field: string): string[] {
  const raw: FieldValue | undefined = ownField(alert.fields, field);
  if (Array.isArray(raw)) return raw.map((x: FieldValue) => fieldText(x)).filter((x): x is string => x !== undefined);
  const v = fieldText(raw);
  return v === undefined ? [] : [v];
}

/** True when one row of the exception matches the alert. */
export function exceptionMatches(ex: ParsedException, alert: Alert): boolean {
  return ex.rows.some((row) => ex.fields.every((f, i) => compare(ex.comps[i] as EvaluatedComp, fieldValues(alert, f), row[i] as string | readonly string[])));
}

/** A streaming check: `add` every alert, then `finish`. Memory grows with rules, not alerts. */
export interface ExceptionChecker {
  add(alert: Alert): void;
  finish(): CheckResult;
}

/** Builds a checker for a rules file's exceptions. */
export function createExceptionChecker(rulesYamlText: string): ExceptionChecker {
  const parsed = parseExceptions(rulesYamlText);
  const byRule = new Map<string, { ex: ParsedException; silenced: number }[]>();
  for (const ex of parsed.exceptions) {
    const list = byRule.get(ex.rule) ?? [];
    list.push({ ex, silenced: 0 });
    byRule.set(ex.rule, list);
  }
  const rules = new Map<string, { alerts: number; silenced: number }>();
  let alerts = 0;
  let silenced = 0;
  return {
    add(alert) {
      alerts++;
      let r = rules.get(alert.rule);
      if (!r) {
        r = { alerts: 0, silenced: 0 };
        rules.set(alert.rule, r);
      }
      r.alerts++;
      let hit = false;
      for (const c of byRule.get(alert.rule) ?? []) {
        if (exceptionMatches(c.ex, alert)) {
          c.silenced++;
          hit = true;
        }
      }
      if (hit) {
        r.silenced++;
        silenced++;
      }
    },
    finish() {
      const exceptions = [...byRule.values()].flat().map(({ ex, silenced: n }) => ({ rule: ex.rule, name: ex.name, rows: ex.rows.length, silenced: n }));
      const ruleChecks = [...rules].map(([rule, r]) => ({ rule, alerts: r.alerts, silenced: r.silenced, remaining: r.alerts - r.silenced }));
      ruleChecks.sort((a, b) => b.remaining - a.remaining || b.alerts - a.alerts || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
      return { alerts, silenced, exceptions, rules: ruleChecks, problems: parsed.problems };
    },
  };
}

/** Checks a rules file's exceptions against a stream (or list) of alerts. */
export async function checkExceptions(rulesYamlText: string, alerts: AsyncIterable<Alert> | Iterable<Alert>): Promise<CheckResult> {
  const checker = createExceptionChecker(rulesYamlText);
  for await (const a of alerts) checker.add(a);
  return checker.finish();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The check as plain lines for people: names from alerts are made terminal-safe. */
export function formatCheck(result: CheckResult): string {
  const q = (s: string): string => terminalSafe(JSON.stringify(s));
  const lines = [`Exceptions checked against ${plural(result.alerts, 'alert')}: ${result.silenced} silenced, ${result.alerts - result.silenced} remaining.`];
  for (const e of result.exceptions) lines.push(`  ${q(e.rule)} ${terminalSafe(e.name)}: silences ${plural(e.silenced, 'alert')} (${plural(e.rows, 'row')})`);
  lines.push('Per rule:');
  for (const r of result.rules) lines.push(`  ${q(r.rule)}: ${plural(r.alerts, 'alert')}, ${r.silenced} silenced, ${r.remaining} remaining`);
  if (result.problems.length > 0) {
    lines.push('Problems:');
    for (const p of result.problems) lines.push(`  ${terminalSafe(p)}`);
  }
  return `${lines.join('\n')}\n`;
}
