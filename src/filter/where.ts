// --where conditions: `field OP value` parsed and checked once, then tested on each alert without allocating.
import type { Alert } from '../alert/alert.js';
import { lookupValue } from '../alert/field-values.js';
import { UsageError } from '../errors.js';
import { BACKTRACKING_WARNING, linearRegExp } from '../enrich/linear-regex.js';

/** The --where operators, in the order the help and the error messages list them. */
export const WHERE_OPERATORS = ['=', '!=', '~=', '^=', '$=', '*='] as const;
export type WhereOperator = (typeof WHERE_OPERATORS)[number];

/** One parsed --where condition. */
export interface WhereCondition {
  readonly field: string;
  readonly op: WhereOperator;
  readonly value: string;
  /** For the report header: `proc.name is not "bash"`. */
  readonly label: string;
  /** Set for a `~=` pattern that runs on the backtracking engine: what to tell the user. */
  readonly warning?: string;
  test(alert: Alert): boolean;
}

/** The `alert.*` names lookupValue knows; any other `alert.` name would never match, so it is refused. */
const ALERT_KEYS = ['alert.hostname', 'alert.rule', 'alert.priority', 'alert.source', 'alert.time'] as const;

const EXPECTED_FORM = 'expected FIELD=VALUE, FIELD!=VALUE, FIELD~=REGEX, FIELD^=PREFIX, FIELD$=SUFFIX or FIELD*=SUBSTRING';
/** A Falco field name, with an optional argument in brackets (`proc.aname[2]`, `ka.uri.param[command]`). */
const FIELD = /^[A-Za-z_][\w.]*(?:\[[^\]]*\])?$/;
/** The field is everything up to the first operator outside brackets; the value is the rest, as written. */
const CONDITION = /^((?:[^=!~^$*[]|\[[^\]]*\])*)(!=|~=|\^=|\$=|\*=|=)([\s\S]*)$/;

const VERB: Readonly<Record<WhereOperator, string>> = {
  '=': 'is',
  '!=': 'is not',
  '~=': 'matches',
  '^=': 'starts with',
  '$=': 'ends with',
  '*=': 'contains',
};

/**
 * Parses one --where value. Values are compared with the field as text, the way Falco printed it
 * (`fd.sport=443`, `evt.arg.flags*=O_CREAT`), case-sensitively. `~=` takes a JavaScript regular expression
 * that may match anywhere (anchor it with ^ and $). An empty value, `==` and `=~` are refused as typos.
 *
 * A condition on a field the alert lacks (absent, null or "<NA>") is FALSE for every operator, `!=`
 * included: `proc.name!=bash` keeps alerts that have a process other than bash, not the alerts that have
 * no process at all (k8s_audit, cloud sources).
 */
export function parseWhere(text: string): WhereCondition {
  const flag = `--where ${JSON.stringify(text)}`;
  const m = CONDITION.exec(text);
  if (!m) throw new UsageError(`${flag}: ${EXPECTED_FORM}`);
  const [, field = '', op = '=', value = ''] = m as unknown as [string, string, WhereOperator, string];
  if (!FIELD.test(field)) {
    throw new UsageError(`${flag}: expected a field name such as proc.name, proc.aname[2] or alert.hostname before "${op}", found ${JSON.stringify(field)}`);
  }
  if (field.startsWith('alert.') && !(ALERT_KEYS as readonly string[]).includes(field)) {
    throw new UsageError(`${flag}: expected ${ALERT_KEYS.slice(0, -1).join(', ')} or ${ALERT_KEYS.at(-1)}, found ${JSON.stringify(field)}`);
  }
  if (op === '=' && value.startsWith('=')) throw new UsageError(`${flag}: expected one "=" (FIELD=VALUE), found "=="`);
  if (op === '=' && value.startsWith('~')) throw new UsageError(`${flag}: expected "~=" for a regular expression (FIELD~=REGEX), found "=~"`);
  if (value === '') throw new UsageError(`${flag}: expected a value after "${op}", found nothing`);
  const label = `${field} ${VERB[op]} ${op === '~=' ? `/${value}/` : JSON.stringify(value)}`;
  if (op !== '~=') return { field, op, value, label, test: tester(field, op, value) };
  const pattern = wherePattern(flag, value);
  const test = matching(field, pattern);
  // A pattern the linear-time engine cannot run comes back without its `l` flag.
  if (pattern.flags.includes('l')) return { field, op, value, label, test };
  const warning = `${flag}: the pattern ${BACKTRACKING_WARNING}`;
  return { field, op, value, label, warning, test };
}

/** A `~=` value compiled for the linear-time engine where it can run it; a usage error when it is no regular expression. */
function wherePattern(flag: string, want: string): RegExp {
  try {
    return linearRegExp(want);
  } catch (err) {
    // V8 says "Invalid regular expression: /(/: Unterminated group": keep only the reason.
    const reason = (err as Error).message.replace(/^[\s\S]*: /, '');
    throw new UsageError(`${flag}: expected a JavaScript regular expression after "~=", found ${JSON.stringify(want)} (${reason})`);
  }
}

/** The per-alert test of `~=`: the field is known and the pattern matches it. */
function matching(field: string, re: RegExp): (alert: Alert) => boolean {
  return (a) => {
    const v = lookupValue(a, field);
    return v !== undefined && re.test(v);
  };
}

/** Builds the per-alert test of the other operators; every branch rejects a missing value first (see parseWhere). */
function tester(field: string, op: Exclude<WhereOperator, '~='>, want: string): (alert: Alert) => boolean {
  switch (op) {
    case '=':
      return (a) => lookupValue(a, field) === want;
    case '!=':
      return (a) => {
        const v = lookupValue(a, field);
        return v !== undefined && v !== want;
      };
    case '^=':
      return (a) => lookupValue(a, field)?.startsWith(want) === true;
    case '$=':
      return (a) => lookupValue(a, field)?.endsWith(want) === true;
    case '*=':
      return (a) => lookupValue(a, field)?.includes(want) === true;
  }
}
