// Folds enriched alerts into exception suggestions per rule: candidate tuples with evidence, then safety rules.
import type { Alert, FieldValue } from '../alert/alert.js';
import { contextValue } from '../alert/context.js';
import { alertHost, fieldText, ownField } from '../alert/field-values.js';
import { priorityRank, type Priority } from '../alert/priority.js';
import { createTopK, type Counted, type TopK } from '../aggregate/top-k.js';
import type { EnrichedAlert } from '../enrich/enrich.js';
import { alertSource } from '../kb/match-entry.js';
import { TACTICS } from '../alert/constants.js';
import { compare } from './compare.js';
import { LIST_COMPS, unrepresentable, type ExceptionComp } from './falco-syntax.js';
import { fieldExists } from './known-fields.js';

/** An ATT&CK tactic short name (`execution`, `credential-access`, ...). */
export type Tactic = (typeof TACTICS)[number];

/** One value of a row: a string, or a list of strings for the list operators (`in`, `pmatch`). */
export type ExceptionValue = string | readonly string[];

/** Why a tuple (or a whole rule) was not suggested; `reasons` says the same for people. */
export const REFUSAL_CODES = [
  'min-count',
  'priority',
  'tactic',
  'risky',
  'too-wide',
  'unrepresentable',
  'max-rows',
  'approximate',
  'unkeyed',
  'no-fields',
  'internal',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** What was seen of one tuple: the evidence each suggested row carries in its comments. */
export interface TupleEvidence {
  readonly count: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** Most frequent hosts, most first. */
  readonly hosts: readonly Counted[];
  readonly hostsDistinct: number;
  /** Most frequent Kubernetes namespaces, most first. */
  readonly namespaces: readonly Counted[];
  readonly namespacesDistinct: number;
  /** One command line (or request) of the tuple, from the field named. */
  readonly example?: { readonly field: string; readonly value: string };
}

/** One value row of a suggested exception. */
export interface SuggestedRow {
  /** Aligned with the exception's fields and comps. */
  readonly values: readonly ExceptionValue[];
  readonly evidence: TupleEvidence;
}

/** A tuple, or a whole rule when `values` is absent, that was not suggested, and why. */
export interface Refusal {
  readonly values?: readonly ExceptionValue[];
  /** Alerts it stands for. */
  readonly count: number;
  readonly codes: readonly RefusalCode[];
  /** One sentence per code, in the same order. */
  readonly reasons: readonly string[];
}

/** The fields and operators a rule's exception keys on, and where they came from. */
export interface ExceptionKeys {
  readonly fields: readonly string[];
  /** The operators written in the file (a KB `!=` or `glob` becomes `=`: rows hold observed values). */
  readonly comps: readonly ExceptionComp[];
  /** `kb`: the KB entry's `exception`; `default`: the source's default fields. */
  readonly from: 'kb' | 'default';
  /** Why the defaults were used, or what the KB entry says about the keys. */
  readonly note?: string;
}

/** Everything tune found for one rule: the exception to add and what was left out. */
export interface RuleTuning {
  readonly rule: string;
  readonly source: string;
  /** The most severe priority seen. */
  readonly priority: Priority;
  readonly total: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** Undefined when no fields could be chosen (see the refusals). */
  readonly keys?: ExceptionKeys;
  /** A valid Falco exception name, unique per rule and per content (see exceptionName). */
  readonly exceptionName?: string;
  /** Suggested rows, most alerts first. */
  readonly rows: readonly SuggestedRow[];
  /** Alerts the rows cover. */
  readonly covered: number;
  /** Refused tuples (most alerts first) and rule-wide refusals. */
  readonly refusals: readonly Refusal[];
  /** Refused tuples beyond those listed: how many, and their alerts. */
  readonly refusalsOmitted: { readonly tuples: number; readonly alerts: number };
  /** True when rare tuples had to be dropped to bound memory: counts are then lower bounds. */
  readonly approximate: boolean;
}

/** The safety settings in force, echoed into the file header. */
export interface TuneSettings {
  readonly minCount: number;
  readonly maxPriority: Priority;
  readonly allowTactics: readonly Tactic[];
  readonly wideShare: number;
  readonly maxRows: number;
  readonly riskyLabel: string;
}

/** What `finish()` returns: one entry per rule seen, noisiest first. */
export interface TuneResult {
  readonly rules: readonly RuleTuning[];
  readonly totals: {
    readonly alerts: number;
    readonly rules: number;
    /** Rules with at least one suggested row. */
    readonly tunedRules: number;
    readonly rows: number;
    /** Alerts the suggested rows cover. */
    readonly covered: number;
  };
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** Alerts of rules past the tracked-rule limit: counted, not tuned. */
  readonly untrackedAlerts: number;
  readonly settings: TuneSettings;
}

/** What the collector is told by the CLI. */
export interface TuneOptions {
  /** Fewest alerts a tuple needs to be suggested (`--min-count`, default 5). */
  readonly minCount?: number;
  /** Alerts above this priority make a tuple unsafe (`--max-priority`, default Warning). */
  readonly maxPriority?: Priority;
  /** Tactics beyond execution that the user has reviewed and allows (`--allow-tactic`). */
  readonly allowTactics?: readonly Tactic[];
  /** Marks alerts that look malicious, such as members of a high-risk incident. */
  readonly isRisky?: (e: EnrichedAlert) => boolean;
  /** How refusals name what isRisky found (default "part of a high-risk incident"). */
  readonly riskyLabel?: string;
  /** A one-field tuple covering this share of its rule's alerts or more is too wide (default 0.9). */
  readonly wideShare?: number;
  /** Most rows in one exception (default 50). */
  readonly maxRows?: number;
  /** Memory bounds; the defaults suit an endless stream. */
  readonly limits?: Partial<TuneLimits>;
}

/** Bounds that keep the fold's memory flat however long the stream runs. */
export interface TuneLimits {
  /** Rules tracked; alerts of further rules are only counted. */
  readonly rules: number;
  /** Distinct tuples kept per rule; at twice this, the rarer half is dropped. */
  readonly tuplesPerRule: number;
  /** Distinct tuples with unsafe alerts remembered per rule; past it the whole rule is refused. */
  readonly flaggedPerRule: number;
  /** Refused tuples listed per rule; the rest are summed up. */
  readonly refusalsListed: number;
}

export const TUNE_DEFAULTS = {
  minCount: 5,
  maxPriority: 'Warning',
  wideShare: 0.9,
  maxRows: 50,
  riskyLabel: 'part of a high-risk incident',
} as const satisfies Partial<TuneSettings>;

export const TUNE_LIMITS: TuneLimits = { rules: 2000, tuplesPerRule: 1000, flaggedPerRule: 10_000, refusalsListed: 20 };

/**
 * Fields to key on when the KB entry names none, per event source: the actor and its context, never
 * the identity alone. Only the ones the alerts carry are used.
 */
export const DEFAULT_EXCEPTION_FIELDS: Readonly<Record<string, readonly string[]>> = {
  syscall: ['proc.name', 'proc.pname', 'container.image.repository'],
  k8s_audit: ['ka.user.name', 'ka.target.namespace'],
  aws_cloudtrail: ['ct.user', 'ct.name'],
  gcp_auditlog: ['gcp.user', 'gcp.methodName'],
  github: ['github.repo', 'github.user'],
  okta: ['okta.actor.name', 'okta.evt.type'],
};

/**
 * Fields that say who or where, not what: alone, an exception on one of them (only container.id, only
 * user.name=root) silences everything that identity does.
 */
export const IDENTITY_FIELDS: ReadonlySet<string> = new Set([
  'container.id',
  'container.name',
  'user.name',
  'user.uid',
  'user.loginuid',
  'user.loginname',
  'group.name',
  'evt.type',
  'proc.tty',
  'k8s.ns.name',
  'k8s.pod.name',
  'ka.target.namespace',
  'ka.verb',
]);

/** The fields shown as a tuple's example, first present wins: the command line, else the request. */
const EXAMPLE_FIELDS = ['proc.cmdline', 'ka.uri.param[command]', 'ka.uri', 'ct.name', 'gcp.methodName', 'github.action', 'okta.evt.type'] as const;
const EXAMPLE_CHARS = 300;
const EXECUTION_RANK = TACTICS.indexOf('execution');

/** The fold: `add` each alert, then `finish` once. */
export interface TuneCollector {
  add(e: EnrichedAlert): void;
  finish(): TuneResult;
}

interface Seen {
  ms?: number;
  text: string;
}

interface TupleState {
  readonly values: readonly ExceptionValue[];
  count: number;
  first?: Seen;
  last?: Seen;
  readonly hosts: TopK;
  readonly namespaces: TopK;
  example?: { field: string; value: string };
}

/** Unsafe alerts of one tuple, by signal; kept apart from TupleState so that pruning never forgets them. */
interface FlagState {
  readonly values: readonly ExceptionValue[];
  /** Unsafe alerts, each counted once whatever its signals. */
  alerts: number;
  priority: number;
  tactic: number;
  risky: number;
  worst: Priority;
}

interface RuleState {
  readonly rule: string;
  readonly source: string;
  readonly internal: boolean;
  readonly keys?: ExceptionKeys;
  /** Tactics of the rule beyond execution and not allowed: alerts with them are unsafe unless benign. */
  readonly beyond: readonly Tactic[];
  total: number;
  worst: Priority;
  first?: Seen;
  last?: Seen;
  tuples: Map<string, TupleState>;
  readonly flagged: Map<string, FlagState>;
  flagOverflow: boolean;
  approximate: boolean;
  unkeyed: number;
  readonly missing: Map<string, number>;
}

/** Alert tags name tactics as `mitre_credential_access`. */
function tagTactics(tags: readonly string[]): Tactic[] {
  const out: Tactic[] = [];
  for (const t of tags) {
    const m = /^mitre_(.+)$/i.exec(t);
    const name = m?.[1]?.toLowerCase().replace(/_/g, '-');
    if (name && (TACTICS as readonly string[]).includes(name)) out.push(name as Tactic);
  }
  return out;
}

/** The rule's tactics: the KB entry's (corrected) ones when it is the rule's own entry, else the tags. */
function ruleTactics(e: EnrichedAlert): Tactic[] {
  const own = e.match.entry && (e.match.how === 'exact' || e.match.how === 'alias');
  const tactics = own ? (e.match.entry?.mitre ?? []).map((m) => m.tactic) : tagTactics(e.alert.tags);
  return [...new Set(tactics)].sort((a, b) => TACTICS.indexOf(a) - TACTICS.indexOf(b));
}

/** Picks the fields to key on from the first alert of a rule; see DEFAULT_EXCEPTION_FIELDS. */
function chooseKeys(e: EnrichedAlert, source: string): ExceptionKeys | undefined {
  const entry = e.match.entry;
  const has = (f: string): boolean => Object.prototype.hasOwnProperty.call(e.alert.fields, f);
  let note: string | undefined;
  const ex = entry?.exception;
  if (ex && e.match.how !== 'generic' && e.match.how !== 'none') {
    const fields = ex.fields.filter(fieldExists);
    const missing = fields.filter((f) => !has(f));
    if (fields.length === ex.fields.length && missing.length === 0) {
      const comps = fields.map((_, i) => derivedComp(ex.comps?.[i] ?? '='));
      return { fields, comps, from: 'kb', ...(ex.explain ? { note: ex.explain } : {}) };
    }
    note = missing.length > 0
      ? `the KB entry keys on ${ex.fields.join(', ')}, but the alerts do not carry ${missing.join(', ')}`
      : `the KB entry names fields Falco does not define (${ex.fields.filter((f) => !fieldExists(f)).join(', ')})`;
  }
  const fields = (DEFAULT_EXCEPTION_FIELDS[source] ?? []).filter((f) => has(f) && fieldExists(f));
  if (fields.length === 0) return undefined;
  return { fields, comps: fields.map(() => '=' as const), from: 'default', note: note ?? `defaults for ${source} alerts` };
}

/** Rows hold observed values: `!=` cannot be built from them and `glob` would read them as patterns. */
function derivedComp(c: ExceptionComp): ExceptionComp {
  return c === '!=' || c === 'glob' ? '=' : c;
}

/** The tuple of an alert, or the first keyed field it lacks. */
function tupleOf(alert: Alert, keys: ExceptionKeys): { values: ExceptionValue[] } | { missing: string } {
  const values: ExceptionValue[] = [];
  for (let i = 0; i < keys.fields.length; i++) {
    const field = keys.fields[i] as string;
    const raw: FieldValue | undefined = ownField(alert.fields, field);
    if (LIST_COMPS.has(keys.comps[i] as string)) {
      const items = Array.isArray(raw) ? raw.map((x: FieldValue) => fieldText(x)) : [fieldText(raw)];
      // One unknown member makes the set unknown: an exception listing the others would not match.
      if (items.length === 0 || items.some((x) => x === undefined)) return { missing: field };
      values.push([...new Set(items as string[])].sort());
    } else {
      const v = fieldText(raw);
      if (v === undefined) return { missing: field };
      values.push(v);
    }
  }
  return { values };
}

function seenOf(alert: Alert): Seen | undefined {
  const text = alert.time ?? alert.timeOfDay;
  if (text === undefined) return undefined;
  return alert.timeMs === undefined ? { text } : { ms: alert.timeMs, text };
}

/** Earlier by epoch when both have one; otherwise arrival order decides (the earlier stays first). */
function before(a: Seen, b: Seen): boolean {
  return a.ms !== undefined && b.ms !== undefined && a.ms < b.ms;
}

function widen(state: { first?: Seen; last?: Seen }, s: Seen | undefined): void {
  if (!s) return;
  if (!state.first || before(s, state.first)) state.first = s;
  if (!state.last || !before(s, state.last)) state.last = s;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** FNV-1a, 32 bits: a short stable digest for exception names. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * The exception's name: `falco_report_`, the fields, and a digest of the rule and rows. The digest keeps
 * two generated files loadable together: Falco appends values to an existing exception of the same name
 * but refuses to redefine its fields.
 */
export function exceptionName(rule: string, keys: ExceptionKeys, rows: readonly SuggestedRow[]): string {
  const slug = keys.fields
    .map((f) => f.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, ''))
    .join('_')
    .slice(0, 80);
  const digest = fnv1a(JSON.stringify([rule, keys.fields, keys.comps, rows.map((r) => r.values)]));
  return `falco_report_${slug}_${digest}`;
}

/** True when a row with these values matches every alert of the other tuple (Falco's operators). */
function covers(keys: ExceptionKeys, row: readonly ExceptionValue[], tuple: readonly ExceptionValue[]): boolean {
  return keys.comps.every((op, i) => {
    const v = tuple[i] as ExceptionValue;
    return compare(op, typeof v === 'string' ? [v] : v, row[i] as ExceptionValue);
  });
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Creates the fold. Memory is bounded by `limits`; see TuneLimits. */
export function createTuneCollector(opts: TuneOptions = {}): TuneCollector {
  const settings: TuneSettings = {
    minCount: opts.minCount ?? TUNE_DEFAULTS.minCount,
    maxPriority: opts.maxPriority ?? TUNE_DEFAULTS.maxPriority,
    allowTactics: [...new Set(opts.allowTactics ?? [])].sort((a, b) => TACTICS.indexOf(a) - TACTICS.indexOf(b)),
    wideShare: opts.wideShare ?? TUNE_DEFAULTS.wideShare,
    maxRows: opts.maxRows ?? TUNE_DEFAULTS.maxRows,
    riskyLabel: opts.riskyLabel ?? TUNE_DEFAULTS.riskyLabel,
  };
  const limits: TuneLimits = { ...TUNE_LIMITS, ...opts.limits };
  const maxRank = priorityRank(settings.maxPriority);
  const allowed = new Set<string>(settings.allowTactics);
  const rules = new Map<string, RuleState>();
  const span: { first?: Seen; last?: Seen } = {};
  let alerts = 0;
  let untrackedAlerts = 0;

  function ruleState(e: EnrichedAlert): RuleState | undefined {
    const a = e.alert;
    let st = rules.get(a.rule);
    if (st) return st;
    if (rules.size >= limits.rules) return undefined;
    const source = alertSource(a);
    const internal = source === 'internal';
    const keys = internal ? undefined : chooseKeys(e, source);
    const beyond = ruleTactics(e).filter((t) => TACTICS.indexOf(t) > EXECUTION_RANK && !allowed.has(t));
    st = {
      rule: a.rule,
      source,
      internal,
      ...(keys ? { keys } : {}),
      beyond,
      total: 0,
      worst: a.priority,
      tuples: new Map(),
      flagged: new Map(),
      flagOverflow: false,
      approximate: false,
      unkeyed: 0,
      missing: new Map(),
    };
    rules.set(a.rule, st);
    return st;
  }

  /** Keeps the most frequent half of the tuples once there are twice the limit. */
  function prune(st: RuleState): void {
    const kept = [...st.tuples].sort((x, y) => y[1].count - x[1].count || byKey(x[0], y[0])).slice(0, limits.tuplesPerRule);
    st.tuples = new Map(kept);
    st.approximate = true;
  }

  function add(e: EnrichedAlert): void {
    const a = e.alert;
    alerts++;
    const seen = seenOf(a);
    widen(span, seen);
    const st = ruleState(e);
    if (!st) {
      untrackedAlerts++;
      return;
    }
    st.total++;
    if (priorityRank(a.priority) < priorityRank(st.worst)) st.worst = a.priority;
    widen(st, seen);
    if (!st.keys) return;
    const t = tupleOf(a, st.keys);
    if ('missing' in t) {
      st.unkeyed++;
      st.missing.set(t.missing, (st.missing.get(t.missing) ?? 0) + 1);
      return;
    }
    const key = JSON.stringify(t.values);
    const overPriority = priorityRank(a.priority) < maxRank;
    const tactic = st.beyond.length > 0 && e.benign.length === 0;
    const risky = opts.isRisky?.(e) === true;
    if (overPriority || tactic || risky) {
      let f = st.flagged.get(key);
      if (!f) {
        if (st.flagged.size >= limits.flaggedPerRule) st.flagOverflow = true;
        else {
          f = { values: t.values, alerts: 0, priority: 0, tactic: 0, risky: 0, worst: a.priority };
          st.flagged.set(key, f);
        }
      }
      if (f) {
        f.alerts++;
        if (overPriority) f.priority++;
        if (tactic) f.tactic++;
        if (risky) f.risky++;
        if (priorityRank(a.priority) < priorityRank(f.worst)) f.worst = a.priority;
      }
    }
    let tuple = st.tuples.get(key);
    if (!tuple) {
      if (st.tuples.size >= limits.tuplesPerRule * 2) prune(st);
      tuple = { values: t.values, count: 0, hosts: createTopK(4), namespaces: createTopK(4) };
      st.tuples.set(key, tuple);
    }
    tuple.count++;
    widen(tuple, seen);
    const host = alertHost(a);
    if (host !== undefined) tuple.hosts.add(host);
    const ns = contextValue(a, 'namespace');
    if (ns !== undefined) tuple.namespaces.add(ns);
    if (!tuple.example) {
      for (const field of EXAMPLE_FIELDS) {
        const v = fieldText(ownField(a.fields, field));
        if (v !== undefined) {
          tuple.example = { field, value: v.length > EXAMPLE_CHARS ? `${v.slice(0, EXAMPLE_CHARS)}…` : v };
          break;
        }
      }
    }
  }

  /** The unsafe signals of a tuple as codes and sentences. */
  function flagReasons(st: RuleState, f: FlagState | undefined, count: number): [RefusalCode, string][] {
    const out: [RefusalCode, string][] = [];
    if (st.flagOverflow) out.push(['risky', `the rule had more than ${limits.flaggedPerRule} distinct tuples with unsafe alerts, too many to tell them apart`]);
    if (!f) return out;
    const of = (n: number): string => (n === count ? (n === 1 ? 'its one alert' : `all ${n} alerts`) : `${n} of ${plural(count, 'alert')}`);
    if (f.priority > 0) out.push(['priority', `${of(f.priority)}: above --max-priority ${settings.maxPriority}, up to ${f.worst}`]);
    if (f.tactic > 0) {
      const flags = st.beyond.map((t) => `--allow-tactic ${t}`).join(' ');
      out.push(['tactic', `${of(f.tactic)}: the rule maps to ${st.beyond.join(', ')}, beyond execution, and no KB benign pattern explains them (after review, ${flags} lifts this)`]);
    }
    if (f.risky > 0) out.push(['risky', `${of(f.risky)}: ${settings.riskyLabel}`]);
    return out;
  }

  /** Every reason a tuple is not safe to suggest, in the order they are shown; none when it is. */
  function tupleReasons(st: RuleState, keys: ExceptionKeys, key: string, t: TupleState): [RefusalCode, string][] {
    const reasons = flagReasons(st, st.flagged.get(key), t.count);
    const bad = t.values.flatMap((v, i) => (typeof v === 'string' ? [v] : v).map((x) => [i, unrepresentable(x)] as const)).find(([, why]) => why !== undefined);
    if (bad) reasons.push(['unrepresentable', `the ${keys.fields[bad[0]]} value ${bad[1]}`]);
    if (t.count < settings.minCount) reasons.push(['min-count', `seen ${plural(t.count, 'time')}, fewer than --min-count ${settings.minCount}`]);
    if (keys.fields.length === 1) {
      const field = keys.fields[0] as string;
      const share = t.count / st.total;
      if (IDENTITY_FIELDS.has(field)) reasons.push(['too-wide', `keyed on ${field} alone, which says who or where, not what`]);
      else if (share >= settings.wideShare) reasons.push(['too-wide', `keyed on ${field} alone, shared by ${Math.floor(share * 100)}% of the rule's alerts: it would silence the rule`]);
    }
    if (reasons.length === 0 && !keys.comps.every((c) => c === '=')) reasons.push(...crossReasons(st, keys, key, t.values));
    return reasons;
  }

  /**
   * With startswith, contains, in or pmatch, a row also matches other tuples (`apt-get install` covers
   * `apt-get install -y nc; nc -e ...`): none of those may hold an unsafe alert either.
   */
  function crossReasons(st: RuleState, keys: ExceptionKeys, key: string, values: readonly ExceptionValue[]): [RefusalCode, string][] {
    const hit: FlagState & { tuples: number } = { values: [], alerts: 0, priority: 0, tactic: 0, risky: 0, worst: 'Debug', tuples: 0 };
    for (const [other, f] of st.flagged) {
      if (other === key || !covers(keys, values, f.values)) continue;
      hit.tuples++;
      hit.alerts += f.alerts;
      hit.priority += f.priority;
      hit.tactic += f.tactic;
      hit.risky += f.risky;
      if (priorityRank(f.worst) < priorityRank(hit.worst)) hit.worst = f.worst;
    }
    if (hit.alerts === 0) return [];
    const ops = keys.comps.filter((c) => c !== '=').join('/');
    return flagReasons(st, hit, hit.alerts).map(([code, why]) => [code, `its ${ops} match also covers ${plural(hit.tuples, 'other tuple')}: ${why}`]);
  }

  function finishRule(st: RuleState): RuleTuning {
    const base = {
      rule: st.rule,
      source: st.source,
      priority: st.worst,
      total: st.total,
      ...(st.first ? { firstSeen: st.first.text } : {}),
      ...(st.last ? { lastSeen: st.last.text } : {}),
    };
    const none = { tuples: 0, alerts: 0 };
    if (st.internal) {
      const r: Refusal = { count: st.total, codes: ['internal'], reasons: ["Falco's own event, not a rule that takes exceptions"] };
      return { ...base, rows: [], covered: 0, refusals: [r], refusalsOmitted: none, approximate: false };
    }
    const keys = st.keys;
    if (!keys) {
      const known = DEFAULT_EXCEPTION_FIELDS[st.source];
      const why = known
        ? `no KB exception fields apply and the rule's first alert, which picks the fields to key on, carries none of ${known.join(', ')}`
        : `no KB exception fields apply and there are no default fields for source ${st.source}`;
      const r: Refusal = { count: st.total, codes: ['no-fields'], reasons: [why] };
      return { ...base, rows: [], covered: 0, refusals: [r], refusalsOmitted: none, approximate: false };
    }
    const tuples = [...st.tuples].sort((x, y) => y[1].count - x[1].count || byKey(x[0], y[0]));
    const refusedKeys = new Map<string, Refusal>();
    const accepted: { key: string; t: TupleState }[] = [];
    for (const [key, t] of tuples) {
      const reasons = tupleReasons(st, keys, key, t);
      if (reasons.length === 0 && accepted.length >= settings.maxRows) reasons.push(['max-rows', `the exception already has --max-rows ${settings.maxRows} rows`]);
      if (reasons.length === 0) accepted.push({ key, t });
      else refusedKeys.set(key, { values: t.values, count: t.count, codes: reasons.map(([c]) => c), reasons: reasons.map(([, r]) => r) });
    }
    // Tuples with unsafe alerts that pruning dropped are still listed: they are why rows may be missing.
    for (const [key, f] of st.flagged) {
      if (st.tuples.has(key)) continue;
      const reasons = flagReasons(st, f, f.alerts);
      refusedKeys.set(key, { values: f.values, count: f.alerts, codes: reasons.map(([c]) => c), reasons: reasons.map(([, r]) => r) });
    }
    const rows: SuggestedRow[] = accepted.map(({ t }) => ({ values: t.values, evidence: evidenceOf(t) }));
    // What the rows silence: their own tuples, and (with the wider operators) refused ones they cover.
    let covered = 0;
    const acceptedKeys = new Set(accepted.map((a) => a.key));
    const exact = keys.comps.every((c) => c === '=');
    for (const [key, t] of st.tuples) {
      const own = acceptedKeys.has(key);
      if (own || (!exact && !st.flagged.has(key) && accepted.some((a) => covers(keys, a.t.values, t.values)))) {
        covered += t.count;
        refusedKeys.delete(key);
      }
    }
    const refused = [...refusedKeys.values()];
    refused.sort((x, y) => y.count - x.count || byKey(JSON.stringify(x.values), JSON.stringify(y.values)));
    const listed = refused.slice(0, limits.refusalsListed);
    const rest = refused.slice(limits.refusalsListed);
    const ruleWide: Refusal[] = [];
    if (st.unkeyed > 0) {
      const which = [...st.missing].sort((x, y) => y[1] - x[1] || byKey(x[0], y[0])).map(([f, n]) => `${f} (${n})`);
      ruleWide.push({ count: st.unkeyed, codes: ['unkeyed'], reasons: [`${plural(st.unkeyed, 'alert')} lack a known value for ${which.join(', ')}; Falco exceptions never match an unknown field`] });
    }
    if (st.approximate) {
      ruleWide.push({ count: 0, codes: ['approximate'], reasons: [`more than ${limits.tuplesPerRule * 2} distinct tuples: the rarest were dropped, so counts are lower bounds`] });
    }
    return {
      ...base,
      keys,
      ...(rows.length > 0 ? { exceptionName: exceptionName(st.rule, keys, rows) } : {}),
      rows,
      covered,
      refusals: [...ruleWide, ...listed],
      refusalsOmitted: { tuples: rest.length, alerts: rest.reduce((n, r) => n + r.count, 0) },
      approximate: st.approximate,
    };
  }

  function finish(): TuneResult {
    const out = [...rules.values()].map(finishRule).sort((x, y) => y.total - x.total || byKey(x.rule, y.rule));
    const tuned = out.filter((r) => r.rows.length > 0);
    return {
      rules: out,
      totals: {
        alerts,
        rules: out.length,
        tunedRules: tuned.length,
        rows: tuned.reduce((n, r) => n + r.rows.length, 0),
        covered: tuned.reduce((n, r) => n + r.covered, 0),
      },
      ...(span.first ? { firstSeen: span.first.text } : {}),
      ...(span.last ? { lastSeen: span.last.text } : {}),
      untrackedAlerts,
      settings,
    };
  }

  return { add, finish };
}

function evidenceOf(t: TupleState): TupleEvidence {
  return {
    count: t.count,
    ...(t.first ? { firstSeen: t.first.text } : {}),
    ...(t.last ? { lastSeen: t.last.text } : {}),
    hosts: t.hosts.top(3),
    hostsDistinct: t.hosts.distinct,
    namespaces: t.namespaces.top(3),
    namespacesDistinct: t.namespaces.distinct,
    ...(t.example ? { example: t.example } : {}),
  };
}
