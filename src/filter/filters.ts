// The analyze filters (--rule, --source, --host, --namespace, --tag, --since, --until, --where) compiled into one test.
import type { Alert } from '../alert/alert.js';
import { alertHost } from '../alert/field-values.js';
import { contextValue } from '../alert/context.js';
import { alertSource } from '../kb/match-entry.js';
import { UsageError } from '../errors.js';
import { anyOfMatcher } from './glob.js';
import { compareBounds, isBefore, parseTimeBound, type TimeBound } from './time-bound.js';
import { parseWhere } from './where.js';

/** The filter flags as given on the command line; an empty list or an absent time means "no filter". */
export interface FilterSpec {
  readonly rules: readonly string[];
  readonly sources: readonly string[];
  readonly hosts: readonly string[];
  readonly namespaces: readonly string[];
  readonly tags: readonly string[];
  readonly since?: string;
  readonly until?: string;
  readonly where: readonly string[];
}

/** A compiled filter: it shapes the report and the --fail-on gate alike. */
export interface AlertFilter {
  /** False when no filter flag was given: every alert passes. */
  readonly active: boolean;
  /** human-readable list of the active conditions, for the report header */
  readonly describe: readonly string[];
  /** What the user should hear of before the run (a --where pattern on the backtracking engine). */
  readonly warnings: readonly string[];
  test(alert: Alert): boolean;
}

type Predicate = (alert: Alert) => boolean;

/** Event source names are identifiers (`syscall`, `k8s_audit`, `aws_cloudtrail`, a plugin's name). */
const SOURCE_NAME = /^[\w.-]+$/;

function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(' or ');
}

/** Refuses blank values: `--rule ""` from an unset shell variable would otherwise select nothing, silently. */
function requireValues(flag: string, values: readonly string[], expected: string): void {
  for (const v of values) {
    if (v.trim() === '') throw new UsageError(`${flag} ${JSON.stringify(v)}: expected ${expected}, found an empty value`);
  }
}

/** Matches a value read from the alert against any of the patterns; an alert without the value fails. */
function valueIn(matches: (value: string) => boolean, read: (alert: Alert) => string | undefined): Predicate {
  return (alert) => {
    const v = read(alert);
    return v !== undefined && matches(v);
  };
}

/**
 * Parses and checks every part; throws UsageError naming the flag, what was expected and what was found.
 *
 * - Repeating --rule, --source, --host, --namespace or --tag means any of the values; different flags and
 *   repeated --where conditions must all hold.
 * - --rule, --host and --namespace take globs (`*` any run, `?` one character); they, --source and --tag
 *   compare case-insensitively. --source compares with alertSource (inferred when the alert lacks it;
 *   `syscalls` is read as `syscall`); --host with alertHost; --namespace with k8s.ns.name, else
 *   ka.target.namespace.
 * - --since and --until take an RFC 3339 time with a zone, or a duration before `nowMs` (30s, 15m, 2h,
 *   7d, 1w). --since is inclusive and --until exclusive, to the nanosecond. An alert with no full time
 *   (a time of day only, as plain-text alerts without a date carry, or no time at all) does NOT pass
 *   either: its place in the window is unknown.
 * - --where: see parseWhere; a condition on a field the alert lacks is false, also for `!=`.
 */
export function compileFilter(spec: FilterSpec, nowMs: number): AlertFilter {
  const predicates: Predicate[] = [];
  const describe: string[] = [];

  // Cheapest and most selective first: most streams are filtered by rule or source.
  if (spec.rules.length > 0) {
    requireValues('--rule', spec.rules, 'a rule name or a glob such as "Terminal shell*"');
    const matches = anyOfMatcher(spec.rules, true);
    predicates.push((alert) => matches(alert.rule));
    describe.push(`rule matches ${quoteList(spec.rules)}`);
  }
  if (spec.sources.length > 0) {
    for (const s of spec.sources) {
      if (!SOURCE_NAME.test(s)) throw new UsageError(`--source ${JSON.stringify(s)}: expected an event source name such as syscall, k8s_audit or aws_cloudtrail`);
    }
    const names = spec.sources.map((s) => (s.toLowerCase() === 'syscalls' ? 'syscall' : s));
    const matches = anyOfMatcher(names, false);
    predicates.push((alert) => matches(alertSource(alert)));
    describe.push(`source is ${names.join(' or ')}`);
  }
  if (spec.tags.length > 0) {
    requireValues('--tag', spec.tags, 'a tag such as container or mitre_execution');
    const matches = anyOfMatcher(spec.tags, false);
    predicates.push((alert) => {
      const tags = alert.tags;
      for (let i = 0; i < tags.length; i++) if (matches(tags[i] as string)) return true;
      return false;
    });
    describe.push(`tagged ${quoteList(spec.tags)}`);
  }
  if (spec.hosts.length > 0) {
    requireValues('--host', spec.hosts, 'a host name or a glob such as "web-*"');
    predicates.push(valueIn(anyOfMatcher(spec.hosts, true), alertHost));
    describe.push(`host matches ${quoteList(spec.hosts)}`);
  }
  if (spec.namespaces.length > 0) {
    requireValues('--namespace', spec.namespaces, 'a namespace or a glob such as "prod-*"');
    predicates.push(valueIn(anyOfMatcher(spec.namespaces, true), (alert) => contextValue(alert, 'namespace')));
    describe.push(`namespace matches ${quoteList(spec.namespaces)}`);
  }

  const since = spec.since === undefined ? undefined : parseTimeBound('--since', spec.since, nowMs);
  const until = spec.until === undefined ? undefined : parseTimeBound('--until', spec.until, nowMs);
  if (since && until && compareBounds(since, until) >= 0) {
    throw new UsageError(`--until ${JSON.stringify(spec.until)}: expected a time after --since (${since.utc}), found ${until.utc}`);
  }
  if (since) predicates.push(sinceTest(since));
  if (until) predicates.push(untilTest(until));
  if (since) describe.push(`since ${since.label}`);
  if (until) describe.push(`until ${until.label}`);

  const warnings: string[] = [];
  for (const text of spec.where) {
    const cond = parseWhere(text);
    predicates.push((alert) => cond.test(alert));
    describe.push(cond.label);
    if (cond.warning !== undefined) warnings.push(cond.warning);
  }

  return { active: predicates.length > 0, describe, warnings, test: allOf(predicates) };
}

function sinceTest(bound: TimeBound): Predicate {
  return (alert) => alert.timeMs !== undefined && !isBefore(alert, alert.timeMs, bound);
}

function untilTest(bound: TimeBound): Predicate {
  return (alert) => alert.timeMs !== undefined && isBefore(alert, alert.timeMs, bound);
}

/** One function for the whole filter: no filter costs nothing, one filter costs one call. */
function allOf(predicates: readonly Predicate[]): Predicate {
  if (predicates.length === 0) return () => true;
  if (predicates.length === 1) return predicates[0] as Predicate;
  return (alert) => {
    for (let i = 0; i < predicates.length; i++) if (!(predicates[i] as Predicate)(alert)) return false;
    return true;
  };
}
