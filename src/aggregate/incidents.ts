// Streaming incident building: alerts of one workload close together in time become one scored incident.
import { DAY_MS, timeOfDayMs, type Alert } from '../alert/alert.js';
import { fieldText } from '../alert/field-values.js';
import { placeOf, type Workload } from '../alert/place.js';
import { priorityRank, type Priority } from '../alert/priority.js';
import type { EnrichedAlert } from '../enrich/enrich.js';
import { TACTICS } from '../alert/constants.js';
import { alertSource } from '../kb/match-entry.js';
import type { Counted } from './top-k.js';

/** An ATT&CK tactic short name; TACTICS lists them in kill-chain order. */
export type Tactic = (typeof TACTICS)[number];

export { WORKLOAD_KINDS, workloadKey, workloadOf, type Workload, type WorkloadKind } from '../alert/place.js';

/** One line of an incident's timeline; consecutive repeats of the same rule and action are folded into `count`. */
export interface TimelineEntry {
  readonly time?: string;
  /** For an alert without a date (a text line): the time of day it gives. */
  readonly timeOfDay?: string;
  /** The time of the last folded repeat, when there were repeats. */
  readonly lastTime?: string;
  readonly rule: string;
  readonly priority: Priority;
  /** One line from the alert: the command line, the file or connection, or the audit verb and target. */
  readonly what: string;
  readonly count: number;
}

/** One term of the risk score, in words, so that the score can be explained and argued with. */
export interface RiskFactor {
  readonly points: number;
  readonly reason: string;
}

/** Alerts of one workload that followed each other within the incident window, with a risk score. */
export interface Incident {
  /** `inc-1`, `inc-2`, ... in the order the incidents' first alerts arrived. */
  readonly id: string;
  readonly workload: Workload;
  readonly host?: string;
  readonly namespace?: string;
  readonly pod?: string;
  /** The container as people read it: `name (id)` when both are known. */
  readonly container?: string;
  readonly image?: string;
  readonly sources: readonly string[];
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** Of an incident of alerts without a date: the times of day of its first and last alerts, in arrival order. */
  readonly firstTimeOfDay?: string;
  readonly lastTimeOfDay?: string;
  readonly alerts: number;
  /** The highest priority among the alerts. */
  readonly priority: Priority;
  readonly byPriority: Readonly<Partial<Record<Priority, number>>>;
  /** Distinct rules with their alert counts, most first (at most LIMITS.rulesKept). */
  readonly rules: readonly Counted[];
  /** Alerts of rules beyond the ones kept in `rules`. */
  readonly otherRuleAlerts: number;
  /** ATT&CK tactics of the matched KB entries, in kill-chain order. */
  readonly tactics: readonly Tactic[];
  /** The longest run of tactics that advanced along the kill chain as time went on (empty when none did). */
  readonly progression: readonly Tactic[];
  /** 0–100: the sum of `riskFactors`, clamped. */
  readonly risk: number;
  readonly riskFactors: readonly RiskFactor[];
  /** Alerts whose KB entry had a benign pattern that matched them. */
  readonly benignAlerts: number;
  readonly timeline: readonly TimelineEntry[];
  /** Alerts left out of the middle of a long timeline: they fall before `timeline[at]`. */
  readonly timelineOmitted?: { readonly at: number; readonly alerts: number };
}

/** What the tracker hands to the report. */
export interface IncidentReport {
  /** Every incident that was opened, including those not kept in `incidents`. */
  readonly total: number;
  /** Incidents closed early because `maxOpen` incidents were open (a later alert starts a new one). */
  readonly evicted: number;
  /** The highest-risk incidents (at most `keepTop`), by risk, then first seen, then id. */
  readonly incidents: readonly Incident[];
}

/** The streaming fold: `add` each enriched alert as it comes, then `finish()` once. */
export interface IncidentTracker {
  add(e: EnrichedAlert): void;
  finish(): IncidentReport;
}

/** Options of the tracker; `windowMs` is `--incident-window`. */
export interface IncidentOptions {
  readonly windowMs: number;
  /** Open incidents kept at once; the least recently updated is closed to make room. */
  readonly maxOpen?: number;
  /** Closed incidents kept for the report, the highest-risk first. */
  readonly keepTop?: number;
  /** Namespaces whose compromise reaches the cluster or the detector itself. */
  readonly sensitiveNamespaces?: readonly string[];
}

/** The default `--incident-window`: 10 minutes. */
export const DEFAULT_INCIDENT_WINDOW_MS = 10 * 60 * 1000;

/** kube-system and kube-public hold the control plane's workloads; `falco` is where Falco itself runs. */
export const SENSITIVE_NAMESPACES = ['kube-system', 'kube-public', 'falco'] as const;

/** Bounds that keep the tracker's memory flat. */
export const INCIDENT_LIMITS = {
  maxOpen: 10_000,
  keepTop: 200,
  rulesKept: 32,
  timelineHead: 20,
  timelineTail: 10,
  whatLength: 160,
  benignPatternsNamed: 3,
} as const;

/**
 * The risk weights. The score is the sum of the terms below, clamped to 0–100:
 * - highest priority: Emergency 40, Alert 35, Critical 30, Error 25, Warning 20, Notice 10, Informational 5, Debug 0;
 * - distinct rules: +5 for each rule beyond the first, at most +15;
 * - distinct ATT&CK tactics: +5 for each tactic beyond the first, at most +15;
 * - kill-chain progression: +12 for each step to a later tactic first seen in a later alert
 *   (execution, then credential-access, then command-and-control is two steps), at most +24;
 * - root: +10 when any alert ran as user root or uid 0;
 * - privileged: +10 when any alert came from a privileged container (or an audited privileged pod spec);
 * - sensitive namespace: +10 when any alert is in kube-system, kube-public or falco;
 * - benign: minus half of the positive total times the share of alerts that matched a benign pattern
 *   (an incident whose every alert is a known false positive keeps half its score).
 */
export const RISK_WEIGHTS = {
  priority: { Emergency: 40, Alert: 35, Critical: 30, Error: 25, Warning: 20, Notice: 10, Informational: 5, Debug: 0 },
  perExtraRule: 5,
  maxRules: 15,
  perExtraTactic: 5,
  maxTactics: 15,
  perProgressionStep: 12,
  maxProgression: 24,
  root: 10,
  privileged: 10,
  sensitiveNamespace: 10,
  benignFactor: 0.5,
} as const satisfies { priority: Record<Priority, number> } & Record<string, unknown>;

/** Whitespace other than single inner spaces: the common clean command line skips the rewrite. */
const UNTIDY = /[^\S ]| {2}|^ | $/;

function oneLine(text: string, max: number = INCIDENT_LIMITS.whatLength): string {
  const s = UNTIDY.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function joinKnown(parts: readonly (string | undefined)[]): string {
  let out = '';
  for (const p of parts) if (p !== undefined && p !== '') out = out === '' ? p : `${out} ${p}`;
  return out;
}

/** The fields each source's one-line summary is made of (syscall and anything else: the last entry). */
const WHAT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  k8s_audit: ['ka.user.name', 'ka.verb', 'ka.target.resource', 'ka.target.subresource', 'ka.target.namespace', 'ka.target.name', 'ka.uri'],
  aws_cloudtrail: ['ct.user', 'ct.name', 'ct.request.name', 'ct.request.functionname', 'ct.request.username'],
  gcp_auditlog: ['gcp.user', 'gcp.methodName', 'gcp.resourceName'],
  github: ['github.user', 'github.type', 'github.action', 'github.repo', 'github.repo.name'],
  okta: ['okta.actor.name', 'okta.evt.type', 'okta.target.user.name', 'okta.target.group.name', 'okta.target.app.alternateid'],
};
const SYSCALL_WHAT_FIELDS = ['proc.cmdline', 'proc.name', 'evt.type', 'fd.name', 'fs.path.name'] as const;

function whatFieldsOf(source: string): readonly string[] {
  return Object.hasOwn(WHAT_FIELDS, source) ? (WHAT_FIELDS[source] as readonly string[]) : SYSCALL_WHAT_FIELDS;
}

/** Reads the values of the summary's fields `names` (whatFieldsOf(source)) into `into`, in order. */
function readInputs(a: Alert, names: readonly string[], into: (string | undefined)[]): (string | undefined)[] {
  // Setting an array's length is a call into the runtime even when it does not change it.
  if (into.length !== names.length) into.length = names.length;
  for (let i = 0; i < names.length; i++) into[i] = fieldText(a.fields[names[i] as string]);
  return into;
}

/** The values of a head entry, which keeps its summary line instead. */
const NO_INPUTS: readonly (string | undefined)[] = Object.freeze([]);

/** True when two lists of summary values are equal, value by value. */
function sameValues(x: readonly (string | undefined)[], y: readonly (string | undefined)[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The one-line summary from a source's field values (empty when none of them is known). */
function whatFromInputs(source: string, v: readonly (string | undefined)[]): string {
  switch (source) {
    case 'k8s_audit': {
      const [user, verb, res, sub, ns, name, uri] = v;
      const target = joinKnown([res && sub ? `${res}/${sub}` : res, name ? `${ns ? `${ns}/` : ''}${name}` : ns]);
      return joinKnown([user, verb, target || uri]);
    }
    case 'aws_cloudtrail':
      return joinKnown([v[0], v[1], v[2] ?? v[3] ?? v[4]]);
    case 'gcp_auditlog':
      return joinKnown([v[0], v[1], v[2]]);
    case 'github': {
      const [user, type, action, repo, repoName] = v;
      return joinKnown([user, type && action ? `${type}.${action}` : (type ?? action), repo ?? repoName]);
    }
    case 'okta':
      return joinKnown([v[0], v[1], v[2] ?? v[3] ?? v[4]]);
    default: {
      const [cmdline, name, evtType, fdName, fsPath] = v;
      const proc = cmdline ?? name;
      const fd = fdName ?? fsPath;
      const io = fd ? joinKnown([evtType, fd]) : undefined;
      return proc && io ? `${proc} → ${io}` : (proc ?? io ?? '');
    }
  }
}

/** True when whatFromInputs would return '' (known values are never empty: fieldText makes '' undefined). */
function summaryEmpty(source: string, v: readonly (string | undefined)[]): boolean {
  // For system calls the event type alone says nothing: a process or a file is needed.
  if (!Object.hasOwn(WHAT_FIELDS, source)) return v[0] === undefined && v[1] === undefined && v[3] === undefined && v[4] === undefined;
  // An audited subresource says nothing without its resource.
  for (let i = 0; i < v.length; i++) if (v[i] !== undefined && !(source === 'k8s_audit' && i === 3)) return false;
  return true;
}

/** The one-line summary of an alert from its summary values: built from them, else the fallback. */
function summaryLine(a: Alert, source: string, inputs: readonly (string | undefined)[]): string {
  return summaryEmpty(source, inputs) ? whatFallback(a) : oneLine(whatFromInputs(source, inputs));
}

/** The summary when no summary field is known: the output without its time and priority, else the rule. */
function whatFallback(a: Alert): string {
  const what = a.output ? a.output.replace(/^\S+: (Emergency|Alert|Critical|Error|Warning|Notice|Informational|Info|Debug) /i, '') : '';
  return oneLine(what || a.rule);
}

/**
 * One line saying what the alert shows happened: `who verb target` for audit and cloud sources; for
 * system calls the command line (else the process), then `→ evt.type fd.name` when a file or connection
 * is involved; else the output text without its time and priority, else the rule name.
 */
export function whatHappened(a: Alert): string {
  const source = alertSource(a);
  return summaryLine(a, source, readInputs(a, whatFieldsOf(source), []));
}

function isRoot(a: Alert): boolean {
  return fieldText(a.fields['user.name']) === 'root' || fieldText(a.fields['user.uid']) === '0';
}

/** When a tactic was first seen: stream time, then arrival, so that one alert's tactics tie. */
interface Order {
  ms: number;
  seq: number;
}

function before(x: Order, y: Order): boolean {
  return x.ms < y.ms || (x.ms === y.ms && x.seq < y.seq);
}

/**
 * A timeline entry as it is built. Most entries of a long incident are pushed out of its tail again,
 * so the one-line summary is not written per alert: the entry keeps the values it is made of (`inputs`,
 * for `source`) and `what` is written when the incident is reported. `what` is set at once only when
 * none of those values is known (the summary then comes from the output text).
 */
interface MutableEntry {
  time: string | undefined;
  timeOfDay: string | undefined;
  lastTime: string | undefined;
  rule: string;
  priority: Priority;
  source: string;
  /** Head entries share one empty array; a tail entry's own array is rewritten when the entry is reused. */
  inputs: readonly (string | undefined)[];
  what: string | undefined;
  count: number;
}

interface State {
  seq: number;
  key: string;
  workload: Workload;
  /** Neighbours in the list of open incidents, least recently updated first. */
  older: State | undefined;
  newer: State | undefined;
  host?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  image?: string;
  /** At most 8: a workload's alerts come from one or two sources. */
  sources: string[];
  firstMs?: number;
  lastMs?: number;
  firstTime?: string;
  lastTime?: string;
  /** Of an incident of alerts without a date: the last time of day seen, in milliseconds after midnight. */
  lastTodMs: number | undefined;
  firstTimeOfDay: string | undefined;
  lastTimeOfDay: string | undefined;
  alerts: number;
  priority: Priority;
  byPriority: Partial<Record<Priority, number>>;
  rules: Map<string, number>;
  otherRuleAlerts: number;
  tactics: Map<Tactic, Order>;
  /** The KB entry whose tactics were last recorded, and the time they were recorded at. */
  tacticsEntry: object | undefined;
  tacticsMs: number;
  root: number;
  privileged: number;
  sensitiveNamespace?: string;
  benign: number;
  benignPatterns: string[];
  head: MutableEntry[];
  /**
   * The last entries, as a ring once full: `tailAt` is then the oldest. An entry pushed out is reused for
   * the next one, so a long incident allocates nothing per alert (entries lived long enough to be
   * promoted to V8's old generation, which then had to collect them).
   */
  tail: MutableEntry[];
  tailAt: number;
  omitted: number;
}

const KILL_CHAIN_INDEX = new Map<Tactic, number>(TACTICS.map((t, i) => [t, i]));

/** The longest chain of tactics that are later both in the kill chain and in time. */
export function killChainProgression(firstSeen: ReadonlyMap<Tactic, Order>): Tactic[] {
  const seen = [...firstSeen].sort((x, y) => (before(x[1], y[1]) ? -1 : before(y[1], x[1]) ? 1 : (KILL_CHAIN_INDEX.get(x[0]) ?? 0) - (KILL_CHAIN_INDEX.get(y[0]) ?? 0)));
  const best: number[] = [];
  const prev: number[] = [];
  let end = -1;
  for (let i = 0; i < seen.length; i++) {
    const [ti, oi] = seen[i] as [Tactic, Order];
    best[i] = 1;
    prev[i] = -1;
    for (let j = 0; j < i; j++) {
      const [tj, oj] = seen[j] as [Tactic, Order];
      if (before(oj, oi) && (KILL_CHAIN_INDEX.get(tj) ?? 0) < (KILL_CHAIN_INDEX.get(ti) ?? 0) && (best[j] as number) + 1 > (best[i] as number)) {
        best[i] = (best[j] as number) + 1;
        prev[i] = j;
      }
    }
    if (end < 0 || (best[i] as number) > (best[end] as number)) end = i;
  }
  const chain: Tactic[] = [];
  for (let i = end; i >= 0; i = prev[i] as number) chain.unshift((seen[i] as [Tactic, Order])[0]);
  return chain.length > 1 ? chain : [];
}

/** Scores an incident from its counters; the factors say why, in words. */
function score(s: State, progression: readonly Tactic[], tactics: readonly Tactic[]): { risk: number; factors: RiskFactor[] } {
  const W = RISK_WEIGHTS;
  const factors: RiskFactor[] = [];
  const add = (points: number, reason: string): void => {
    if (points !== 0) factors.push({ points, reason });
  };
  add(W.priority[s.priority], `highest priority ${s.priority}`);
  const rules = s.rules.size + (s.otherRuleAlerts > 0 ? 1 : 0);
  if (rules > 1) add(Math.min(W.maxRules, W.perExtraRule * (rules - 1)), `${rules}${s.otherRuleAlerts > 0 ? ' or more' : ''} distinct rules`);
  if (tactics.length > 1) add(Math.min(W.maxTactics, W.perExtraTactic * (tactics.length - 1)), `${tactics.length} ATT&CK tactics (${tactics.join(', ')})`);
  if (progression.length > 1) {
    add(Math.min(W.maxProgression, W.perProgressionStep * (progression.length - 1)), `kill-chain progression in time order: ${progression.join(' → ')}`);
  }
  if (s.root > 0) add(W.root, `ran as root (${s.root} of ${s.alerts} alerts)`);
  if (s.privileged > 0) add(W.privileged, `privileged container (${s.privileged} of ${s.alerts} alerts)`);
  if (s.sensitiveNamespace !== undefined) add(W.sensitiveNamespace, `sensitive namespace ${s.sensitiveNamespace}`);
  const positive = factors.reduce((n, f) => n + f.points, 0);
  if (s.benign > 0) {
    const share = s.benign / s.alerts;
    const patterns = s.benignPatterns.join('; ');
    add(-Math.round(positive * W.benignFactor * share), `${s.benign} of ${s.alerts} alerts matched a benign pattern (${patterns})`);
  }
  const total = factors.reduce((n, f) => n + f.points, 0);
  return { risk: Math.max(0, Math.min(100, total)), factors };
}

/** How far apart two times of day are, the short way round the clock. */
function circularGap(x: number, y: number): number {
  const d = Math.abs(x - y) % DAY_MS;
  return Math.min(d, DAY_MS - d);
}

/** Drops keys whose value is undefined, so that optional fields are absent rather than undefined. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function freeze(e: MutableEntry): TimelineEntry {
  const what = e.what ?? oneLine(whatFromInputs(e.source, e.inputs));
  return compact({ time: e.time, timeOfDay: e.timeOfDay, lastTime: e.lastTime, rule: e.rule, priority: e.priority, what, count: e.count });
}

/** A closed incident: scored at once, turned into an Incident only if it makes the report. */
interface Closed {
  readonly s: State;
  readonly risk: number;
  readonly factors: RiskFactor[];
  readonly tactics: Tactic[];
  readonly progression: Tactic[];
}

function close(s: State): Closed {
  const tactics = [...s.tactics.keys()].sort((x, y) => (KILL_CHAIN_INDEX.get(x) ?? 0) - (KILL_CHAIN_INDEX.get(y) ?? 0));
  const progression = killChainProgression(s.tactics);
  const { risk, factors } = score(s, progression, tactics);
  return { s, risk, factors, tactics, progression };
}

function toIncident({ s, risk, factors, tactics, progression }: Closed): Incident {
  const rules = [...s.rules].map(([value, count]) => ({ value, count })).sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
  return compact<Incident>({
    id: `inc-${s.seq}`,
    workload: s.workload,
    host: s.host,
    namespace: s.namespace,
    pod: s.pod,
    container: s.container,
    image: s.image,
    sources: [...s.sources].sort(),
    firstSeen: s.firstTime,
    lastSeen: s.lastTime,
    firstTimeOfDay: s.firstTimeOfDay,
    lastTimeOfDay: s.lastTimeOfDay,
    alerts: s.alerts,
    priority: s.priority,
    byPriority: s.byPriority,
    rules,
    otherRuleAlerts: s.otherRuleAlerts,
    tactics,
    progression,
    risk,
    riskFactors: factors,
    benignAlerts: s.benign,
    timeline: [...s.head, ...s.tail.slice(s.tailAt), ...s.tail.slice(0, s.tailAt)].map(freeze),
    timelineOmitted: s.omitted > 0 ? { at: s.head.length, alerts: s.omitted } : undefined,
  });
}

function byRisk(x: Closed, y: Closed): number {
  return y.risk - x.risk || (x.s.firstMs ?? Infinity) - (y.s.firstMs ?? Infinity) || x.s.seq - y.s.seq;
}

/**
 * Creates the incident tracker. An alert joins the open incident of its workload (for alerts of no
 * known workload: of its source and rule) when its time is
 * within `windowMs` of that incident's alerts (for input in time order: of its last alert); otherwise the
 * open incident is closed and a new one starts. Alerts without a full date (text lines with only a time
 * of day) cannot be placed among dated ones: they join the workload's open incident of alerts without a
 * date, in arrival order, when their time of day is within `windowMs` of its last one (either way round
 * midnight; days apart cannot be told), or open one; dated alerts of the workload go on in their own.
 * Input is expected in roughly the order Falco wrote it; an alert far out of order starts a new incident.
 * Memory is bounded: at most `maxOpen` open incidents (the least recently updated is closed to make
 * room, and open incidents whose window has passed are closed as the stream moves on), a timeline of
 * the first 20 and last 10 entries, at most 32 rules each, and the `keepTop` highest-risk closed incidents.
 * Alerts from Falco itself (source `internal`) are data-quality notices, not incidents, and are skipped.
 */
export function createIncidentTracker(opts: IncidentOptions): IncidentTracker {
  const windowMs = opts.windowMs;
  const maxOpen = Math.max(1, opts.maxOpen ?? INCIDENT_LIMITS.maxOpen);
  const keepTop = Math.max(1, opts.keepTop ?? INCIDENT_LIMITS.keepTop);
  const sensitive = new Set(opts.sensitiveNamespaces ?? SENSITIVE_NAMESPACES);
  const open = new Map<string, State>();
  // Open incidents in update order, as a linked list: a Map used as a queue slows down as deleted
  // entries pile up at its front, and eviction and expiry both read the front.
  let oldest: State | undefined;
  let newest: State | undefined;
  const unlink = (s: State): void => {
    if (s.older) s.older.newer = s.newer;
    else oldest = s.newer;
    if (s.newer) s.newer.older = s.older;
    else newest = s.older;
    s.older = undefined;
    s.newer = undefined;
  };
  const append = (s: State): void => {
    s.older = newest;
    if (newest) newest.newer = s;
    else oldest = s;
    newest = s;
  };
  let closed: Closed[] = [];
  let total = 0;
  let evicted = 0;
  let nextSweepMs = -Infinity;

  const retire = (s: State): void => {
    open.delete(s.key);
    unlink(s);
    closed.push(close(s));
    if (closed.length >= keepTop * 2) closed = closed.sort(byRisk).slice(0, keepTop);
  };

  const start = (key: string, workload: Workload): State => {
    if (open.size >= maxOpen && oldest) {
      retire(oldest);
      evicted++;
    }
    total++;
    // Every field is set here, so that all states share one hidden class and `add` stays fast.
    const s: State = {
      seq: total,
      key,
      workload,
      older: undefined,
      newer: undefined,
      host: undefined,
      namespace: undefined,
      pod: undefined,
      container: undefined,
      image: undefined,
      sources: [],
      firstMs: undefined,
      lastMs: undefined,
      firstTime: undefined,
      lastTime: undefined,
      lastTodMs: undefined,
      firstTimeOfDay: undefined,
      lastTimeOfDay: undefined,
      alerts: 0,
      priority: 'Debug',
      byPriority: {},
      rules: new Map(),
      otherRuleAlerts: 0,
      tactics: new Map(),
      tacticsEntry: undefined,
      tacticsMs: 0,
      root: 0,
      privileged: 0,
      sensitiveNamespace: undefined,
      benign: 0,
      benignPatterns: [],
      head: [],
      tail: [],
      tailAt: 0,
      omitted: 0,
    };
    open.set(key, s);
    append(s);
    return s;
  };

  const fits = (s: State, ms: number | undefined, tod: number | undefined): boolean => {
    // Alerts without a date: their times of day, as far apart as the window at most (either way round midnight).
    if (ms === undefined) return tod === undefined || s.lastTodMs === undefined || circularGap(tod, s.lastTodMs) <= windowMs;
    if (s.firstMs === undefined || s.lastMs === undefined) return true;
    return ms <= s.lastMs + windowMs && ms >= s.firstMs - windowMs;
  };

  // The summary values of the alert at hand, read once into this scratch array and copied only
  // when they start a new entry.
  const scratch: (string | undefined)[] = [];
  const timeline = (s: State, a: Alert, source: string): void => {
    readInputs(a, whatFieldsOf(source), scratch);
    const inHead = s.tail.length === 0;
    const last = inHead ? s.head[s.head.length - 1] : s.tail[(s.tailAt + s.tail.length - 1) % s.tail.length];
    // Head entries stay for the incident's life, so they keep the summary line (one string) rather than
    // the values it is made of; a repeat of one is recognised by that line. Tail entries come and go:
    // they keep the values, and a repeat is recognised value by value, with nothing built.
    let what: string | undefined;
    if (last && last.rule === a.rule && last.priority === a.priority && last.source === source) {
      if (inHead) what = summaryLine(a, source, scratch);
      const repeat = inHead ? last.what === what : sameValues(scratch, last.inputs) && (last.what === undefined || last.what === whatFallback(a));
      if (repeat) {
        last.count++;
        if (a.time !== undefined) last.lastTime = a.time;
        return;
      }
    }
    if (s.head.length < INCIDENT_LIMITS.timelineHead) {
      what ??= summaryLine(a, source, scratch);
      s.head.push({ time: a.time, timeOfDay: a.time === undefined ? a.timeOfDay : undefined, lastTime: undefined, rule: a.rule, priority: a.priority, source, inputs: NO_INPUTS, what, count: 1 });
      return;
    }
    const fallback = summaryEmpty(source, scratch) ? whatFallback(a) : undefined;
    if (s.tail.length < INCIDENT_LIMITS.timelineTail) {
      // One shape for every entry (no conditional spread).
      s.tail.push({ time: a.time, timeOfDay: a.time === undefined ? a.timeOfDay : undefined, lastTime: undefined, rule: a.rule, priority: a.priority, source, inputs: scratch.slice(), what: fallback, count: 1 });
      return;
    }
    const e = s.tail[s.tailAt] as MutableEntry;
    s.omitted += e.count;
    s.tailAt = (s.tailAt + 1) % s.tail.length;
    e.time = a.time;
    e.timeOfDay = a.time === undefined ? a.timeOfDay : undefined;
    e.lastTime = undefined;
    e.rule = a.rule;
    e.priority = a.priority;
    e.source = source;
    const inputs = e.inputs as (string | undefined)[];
    if (inputs.length !== scratch.length) inputs.length = scratch.length;
    for (let i = 0; i < scratch.length; i++) inputs[i] = scratch[i];
    e.what = fallback;
    e.count = 1;
  };

  return {
    add(e) {
      const a = e.alert;
      const source = alertSource(a);
      if (source === 'internal') return;
      const ms = a.timeMs;
      if (ms !== undefined && ms >= nextSweepMs) {
        // Once a second of stream time, close incidents whose window has passed, from the least
        // recently updated, while they are: closing a little late changes nothing but memory.
        const latestMs = ms;
        nextSweepMs = ms + 1000;
        while (oldest && oldest.lastMs !== undefined && oldest.lastMs + windowMs < latestMs) retire(oldest);
      }
      const place = placeOf(a);
      const workload = place.workload;
      // Alerts that name no container, pod, host or principal are not known to belong together: only
      // repeats of one rule from one source are kept as one incident, so that no kill chain is made up
      // of unrelated alerts. An alert without a date cannot be placed in time beside dated ones (a text
      // log of times of day read with a JSON file of the same workload): the undated form their own.
      let key = workload.kind === 'unknown' ? `${place.workloadKey}\u0000${source}\u0000${a.rule}` : place.workloadKey;
      if (ms === undefined) key += '\u0000undated';
      const tod = ms === undefined && a.timeOfDay !== undefined ? timeOfDayMs(a.timeOfDay) : undefined;
      let s = open.get(key);
      if (s && !fits(s, ms, tod)) {
        retire(s);
        s = undefined;
      }
      if (s) {
        unlink(s);
        append(s);
      } else {
        s = start(key, workload);
      }
      s.alerts++;
      s.byPriority[a.priority] = (s.byPriority[a.priority] ?? 0) + 1;
      if (s.alerts === 1 || priorityRank(a.priority) < priorityRank(s.priority)) s.priority = a.priority;
      if (ms !== undefined && a.time !== undefined) {
        if (s.firstMs === undefined || ms < s.firstMs) {
          s.firstMs = ms;
          s.firstTime = a.time;
        }
        if (s.lastMs === undefined || ms > s.lastMs) {
          s.lastMs = ms;
          s.lastTime = a.time;
        }
      }
      if (tod !== undefined) {
        s.lastTodMs = tod;
        s.firstTimeOfDay ??= a.timeOfDay;
        s.lastTimeOfDay = a.timeOfDay;
      }
      if (s.sources.length < 8 && !s.sources.includes(source)) s.sources.push(source);
      s.host ??= place.host;
      s.namespace ??= place.namespace;
      s.pod ??= place.pod;
      s.container ??= place.container;
      s.image ??= place.image;
      const n = s.rules.get(a.rule);
      if (n !== undefined) s.rules.set(a.rule, n + 1);
      else if (s.rules.size < INCIDENT_LIMITS.rulesKept) s.rules.set(a.rule, 1);
      else s.otherRuleAlerts++;
      const mitre = e.match.entry?.mitre;
      const orderMs = ms ?? s.lastMs ?? 0;
      // The same entry as the incident's last alert, no earlier in time: its tactics are all seen already.
      if (mitre !== undefined && mitre.length > 0 && !(e.match.entry === s.tacticsEntry && orderMs >= s.tacticsMs)) {
        s.tacticsEntry = e.match.entry;
        s.tacticsMs = orderMs;
        const order: Order = { ms: orderMs, seq: s.alerts };
        for (const m of mitre) {
          const was = s.tactics.get(m.tactic);
          if (!was || before(order, was)) s.tactics.set(m.tactic, order);
        }
      }
      if (isRoot(a)) s.root++;
      if (place.privileged) s.privileged++;
      if (s.sensitiveNamespace === undefined) {
        // A container's or pod's namespace does not change (the one read above will do); a cloud or
        // Kubernetes principal acts across namespaces, so each of its alerts is read.
        const ns = s.workload.kind === 'principal' || s.workload.kind === 'unknown' ? place.namespace : s.namespace;
        if (ns !== undefined && sensitive.has(ns)) s.sensitiveNamespace = ns;
      }
      if (e.benign.length > 0) {
        s.benign++;
        for (const b of e.benign) {
          if (s.benignPatterns.length < INCIDENT_LIMITS.benignPatternsNamed && !s.benignPatterns.includes(b.pattern)) s.benignPatterns.push(b.pattern);
        }
      }
      timeline(s, a, source);
    },
    finish() {
      while (oldest) retire(oldest);
      const incidents = closed.sort(byRisk).slice(0, keepTop).map(toIncident);
      closed = [];
      return { total, evicted, incidents };
    },
  };
}
