// The streaming fold from enriched alerts to a Report: counters and bounded samples, sorted once at the end.
import type { Alert, Reject } from '../alert/alert.js';
import { CONTEXT_KEYS, type ContextKey } from '../alert/context.js';
import { actorOf, placeOf, splitCombo } from '../alert/place.js';
import { fieldText } from '../alert/field-values.js';
import { detach } from '../detach.js';
import { PRIORITIES, priorityRank, type Priority } from '../alert/priority.js';
import type { EnrichedAlert } from '../enrich/enrich.js';
import type { Match } from '../kb/match-entry.js';
import { alertSource } from '../kb/match-entry.js';
import type { Comparison, SignatureCount } from './baseline.js';
import type { IncidentReport } from './incidents.js';
import { createPivot, type Pivot, type PivotKey } from './pivot.js';
import type { QualityReport } from './quality.js';
import type { TuneResult } from '../tune/suggest.js';
import { widen, type Span } from './span.js';
import { createTopK, type Counted, type TopK } from './top-k.js';

/** The version of the JSON document; bumped on any breaking change to its shape. */
export const SCHEMA_VERSION = 1;

/** Bounds on what a report keeps, so memory stays flat however long the stream runs. */
export const LIMITS = {
  rejectsKept: 100,
  skippedKept: 20,
  topValues: 5,
  topCapacity: 256,
  /** Distinct workloads (and process/user pairs) counted exactly per rule before the rarest are pruned. */
  comboCapacity: 4096,
  fieldsPerGroup: 200,
  valuesPerField: 16,
  /** Field values are counted for every alert up to this many per rule, then for 1 in `fieldSampleEvery`. */
  fieldsExactUpTo: 1_000,
  fieldSampleEvery: 64,
  groupsKept: 5000,
} as const;

/** A record that was read but is not an alert (a banner or log line), kept as a short sample. */
export interface Skipped {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** One output field across a group: how many values it took and the most common. */
export interface FieldSummary {
  readonly name: string;
  readonly distinct: number;
  readonly unknown: number;
  readonly top: readonly Counted[];
  /** True when distinct values outgrew what is kept: counts and `distinct` are estimates. */
  readonly approximate: boolean;
}

/** Everything the report says about one rule. */
export interface RuleGroup {
  readonly rule: string;
  readonly priority: Priority;
  readonly count: number;
  readonly byPriority: Readonly<Partial<Record<Priority, number>>>;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** Of a rule whose alerts have no date (text lines): the times of day of its first and last, in arrival order. */
  readonly firstTimeOfDay?: string;
  readonly lastTimeOfDay?: string;
  readonly sources: readonly string[];
  readonly match: Match;
  readonly top: Readonly<Record<ContextKey, readonly Counted[]>>;
  /** True when the rule had more distinct workloads than are counted exactly: top counts are then lower bounds. */
  readonly topApproximate: boolean;
  readonly fields: readonly FieldSummary[];
  /** How many of the group's alerts the field summaries counted (all, or a sample past 1,000). */
  readonly fieldsCounted: number;
  readonly benign: readonly Counted[];
  /** The first alert of the group: the detail and the filled commands are shown for it. */
  readonly sample: Alert;
  readonly fromText: number;
}

/** What the rule fold produces; run.ts adds the incidents, data quality and baseline to make a Report. */
export interface FoldReport {
  readonly schemaVersion: number;
  readonly input: {
    readonly records: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly skipped: number;
    /** Accepted alerts left out of the report by filters (--min-priority, --rule, --where, ...). */
    readonly filtered: number;
  };
  /** The filters in force, in words; empty when every accepted alert is in the report. */
  readonly filters: readonly string[];
  readonly rejects: readonly Reject[];
  readonly skippedSamples: readonly Skipped[];
  readonly totals: {
    readonly alerts: number;
    readonly byPriority: Readonly<Record<Priority, number>>;
  };
  readonly timeRange?: { readonly first: string; readonly last: string };
  readonly sources: readonly Counted[];
  readonly hosts: readonly Counted[];
  readonly groups: readonly RuleGroup[];
  readonly notes: readonly string[];
  /** Present when --group-by asked for something other than rules. */
  readonly pivot?: Pivot;
}

/** The model every renderer reads and the exit code is decided on. */
export interface Report extends FoldReport {
  readonly incidents: IncidentReport;
  readonly quality: QualityReport;
  /** Rule + stable context (image, namespace, process, user) with counts: what a later --baseline compares with. */
  readonly signatures: readonly SignatureCount[];
  /** Present with --baseline: each signature and rule as new, known or gone. */
  readonly baseline?: Comparison & { readonly file: string };
  /** Present with --suggest-exceptions: what `tune` would suggest, per rule. */
  readonly tuning?: TuneResult;
}

interface GroupState {
  rule: string;
  priority: Priority;
  count: number;
  byPriority: Partial<Record<Priority, number>>;
  firstSeen?: string;
  lastSeen?: string;
  sources: Set<string>;
  match: Match;
  /**
   * Counts per workload (host, namespace, pod, container, image together) and per actor (process,
   * user together): two counter updates per alert instead of seven; the per-dimension tops are
   * summed from them at the end.
   */
  workloads: TopK;
  actors: TopK;
  fields: Map<string, { values: TopK; unknown: number }>;
  fieldsCounted: number;
  benign: TopK;
  sample: Alert;
  fromText: number;
  firstTimeOfDay: string | undefined;
  lastTimeOfDay: string | undefined;
}

/** The fold: feed it records as they come, then `finish()` once. */
export interface Aggregator {
  addAlert(e: EnrichedAlert): void;
  addReject(r: Reject): void;
  addSkipped(s: Skipped): void;
  addFiltered(): void;
  finish(): FoldReport;
  /** Alerts counted so far, and the highest priority seen (for the live exit code). */
  readonly alerts: number;
}

const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** CONTEXT_KEYS up to this index describe the workload; the rest, the actor. */
const WORKLOAD_DIMS = 5;

/** Sums combination counts into the top values of each dimension. */
function dimensionTops(workloads: readonly Counted[], actors: readonly Counted[], k: number): Record<ContextKey, Counted[]> {
  const sums = CONTEXT_KEYS.map(() => new Map<string, number>());
  const sum = (combos: readonly Counted[], offset: number): void => {
    for (const c of combos) {
      splitCombo(c.value).forEach((v, i) => {
        const m = sums[i + offset];
        if (v !== undefined && m) m.set(v, (m.get(v) ?? 0) + c.count);
      });
    }
  };
  sum(workloads, 0);
  sum(actors, WORKLOAD_DIMS);
  return Object.fromEntries(
    CONTEXT_KEYS.map((key, i) => [
      key,
      [...(sums[i] ?? new Map<string, number>())]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, k)
        .map(([value, count]) => ({ value, count })),
    ]),
  ) as Record<ContextKey, Counted[]>;
}

function newGroup(e: EnrichedAlert): GroupState {
  return {
    rule: e.alert.rule,
    priority: e.alert.priority,
    count: 0,
    byPriority: {},
    sources: new Set(),
    match: e.match,
    workloads: createTopK(LIMITS.comboCapacity),
    actors: createTopK(LIMITS.comboCapacity),
    fields: new Map(),
    fieldsCounted: 0,
    benign: createTopK(64),
    sample: e.alert,
    fromText: 0,
    firstTimeOfDay: undefined,
    lastTimeOfDay: undefined,
  };
}

/** What the aggregator is told about the run, to state in the report. */
export interface AggregateOptions {
  /** The active filters, in words (they decided which alerts were counted as filtered). */
  readonly filters?: readonly string[];
  /** --group-by other than the default `rule`: a pivot over one or two dimensions. */
  readonly groupBy?: readonly PivotKey[];
}

/** Creates an empty aggregator. */
export function createAggregator(opts: AggregateOptions = {}): Aggregator {
  const groups = new Map<string, GroupState>();
  const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  const sources = createTopK(LIMITS.topCapacity);
  const hosts = createTopK(LIMITS.topCapacity);
  const rejects: Reject[] = [];
  const skippedSamples: Skipped[] = [];
  const notes: string[] = [];
  let accepted = 0;
  let rejected = 0;
  let skipped = 0;
  let filtered = 0;
  const range: Span = {};
  let overflow = 0;
  const pivot = opts.groupBy && !(opts.groupBy.length === 1 && opts.groupBy[0] === 'rule') ? createPivot(opts.groupBy) : undefined;
  return {
    get alerts() {
      return accepted - filtered;
    },
    addAlert(e) {
      accepted++;
      const a = e.alert;
      byPriority[a.priority]++;
      // A text line carries no source; when its message named an official rule, that rule's is the one.
      const source = a.fromText && !a.source && e.match.how === 'exact' && e.match.entry ? e.match.entry.source : alertSource(a);
      sources.add(source);
      const workload = placeOf(a).combo;
      const actor = actorOf(a).combo;
      pivot?.add(a);
      widen(range, a.time);
      let g = groups.get(a.rule);
      if (!g) {
        if (groups.size >= LIMITS.groupsKept) {
          overflow++;
          g = groups.get('(other rules)');
          if (!g) {
            g = newGroup({ ...e, alert: { ...a, rule: '(other rules)' } });
            groups.set('(other rules)', g);
          }
        } else {
          g = newGroup(e);
          groups.set(a.rule, g);
        }
      }
      g.count++;
      g.byPriority[a.priority] = (g.byPriority[a.priority] ?? 0) + 1;
      if (priorityRank(a.priority) < priorityRank(g.priority)) g.priority = a.priority;
      widen(g, a.time);
      g.sources.add(source);
      g.workloads.add(workload);
      g.actors.add(actor);
      // Past the first 1,000 alerts of a rule, field values are counted on a 1-in-64 sample: the
      // breakdown keeps its shape, and a million-alert rule does not pay 20 counter updates each.
      const countFields = g.count <= LIMITS.fieldsExactUpTo || g.count % LIMITS.fieldSampleEvery === 0;
      if (countFields) g.fieldsCounted++;
      for (const name in countFields ? a.fields : EMPTY) {
        let f = g.fields.get(name);
        if (!f) {
          if (g.fields.size >= LIMITS.fieldsPerGroup) continue;
          f = { values: createTopK(LIMITS.valuesPerField), unknown: 0 };
          g.fields.set(name, f);
        }
        const v = fieldText(a.fields[name]);
        if (v === undefined) f.unknown++;
        else f.values.add(v.length > 200 ? `${v.slice(0, 200)}…` : v);
      }
      for (const b of e.benign) g.benign.add(b.pattern);
      if (a.fromText) {
        g.fromText++;
        if (a.time === undefined && a.timeOfDay !== undefined) {
          g.firstTimeOfDay ??= a.timeOfDay;
          g.lastTimeOfDay = a.timeOfDay;
        }
      }
    },
    addReject(r) {
      rejected++;
      if (rejects.length < LIMITS.rejectsKept) rejects.push(r);
    },
    addSkipped(s) {
      skipped++;
      if (skippedSamples.length < LIMITS.skippedKept) skippedSamples.push({ ...s, text: detach(s.text.slice(0, 200)) });
    },
    addFiltered() {
      accepted++;
      filtered++;
    },
    finish() {
      if (overflow > 0) notes.push(`${overflow} alerts of rules beyond the first ${LIMITS.groupsKept} are counted under "(other rules)".`);
      const hostTotals = new Map<string, number>();
      const out: RuleGroup[] = [...groups.values()].map((g) => {
        const top = dimensionTops(g.workloads.top(Number.MAX_SAFE_INTEGER), g.actors.top(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
        for (const h of top.host) hostTotals.set(h.value, (hostTotals.get(h.value) ?? 0) + h.count);
        return {
        rule: g.rule,
        priority: g.priority,
        count: g.count,
        byPriority: g.byPriority,
        ...(g.firstSeen ? { firstSeen: g.firstSeen } : {}),
        ...(g.lastSeen ? { lastSeen: g.lastSeen } : {}),
        ...(!g.firstSeen && g.firstTimeOfDay !== undefined ? { firstTimeOfDay: g.firstTimeOfDay, lastTimeOfDay: g.lastTimeOfDay ?? g.firstTimeOfDay } : {}),
        sources: [...g.sources].sort(),
        match: g.match,
        top: Object.fromEntries(CONTEXT_KEYS.map((k) => [k, top[k].slice(0, LIMITS.topValues)])) as Record<ContextKey, Counted[]>,
        topApproximate: g.workloads.approximate || g.actors.approximate,
        fields: [...g.fields]
          .map(([name, f]) => ({ name, distinct: f.values.distinct, unknown: f.unknown, top: f.values.top(3), approximate: f.values.approximate }))
          .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
        fieldsCounted: g.fieldsCounted,
        benign: g.benign.top(10),
        sample: g.sample,
        fromText: g.fromText,
      };
      });
      for (const [h, n] of hostTotals) hosts.add(h, n);
      out.sort((x, y) => priorityRank(x.priority) - priorityRank(y.priority) || y.count - x.count || (x.rule < y.rule ? -1 : x.rule > y.rule ? 1 : 0));
      return {
        schemaVersion: SCHEMA_VERSION,
        input: { records: accepted + rejected + skipped, accepted, rejected, skipped, filtered },
        filters: opts.filters ?? [],
        rejects,
        skippedSamples,
        totals: { alerts: accepted - filtered, byPriority },
        ...(range.firstSeen && range.lastSeen ? { timeRange: { first: range.firstSeen, last: range.lastSeen } } : {}),
        sources: sources.top(10),
        hosts: hosts.top(10),
        groups: out,
        notes,
        ...(pivot ? { pivot: pivot.finish() } : {}),
      };
    },
  };
}
