// Data quality: windows in which Falco dropped events, and alerts whose key context is unknown.
import type { Alert } from '../alert/alert.js';
import { fieldText } from '../alert/field-values.js';
import type { EnrichedAlert } from '../enrich/enrich.js';
import { normaliseRuleName } from '../kb/knowledge-base.js';
import { alertSource } from '../kb/match-entry.js';
import { placeOf, type Workload } from '../alert/place.js';

/** A workload that had alerts while detections may have been missing. */
export interface WorkloadInWindow {
  readonly workload: Workload;
  readonly alerts: number;
}

/** A time span on one host in which Falco said it dropped system-call events. */
export interface DropWindow {
  readonly host?: string;
  /** ISO 8601 with milliseconds. */
  readonly start: string;
  readonly end: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Drop alerts merged into this window. */
  readonly drops: number;
  /** The sum of their `n_drops` (events dropped), when they carry it. */
  readonly droppedEvents?: number;
  /** Syscall alerts of the host within the window. */
  readonly alerts: number;
  /** The workloads with the most alerts in the window (at most QUALITY_LIMITS.workloadsShown). */
  readonly workloads: readonly WorkloadInWindow[];
  /** Distinct workloads with alerts in the window (a lower bound when `workloadsApproximate`). */
  readonly workloadCount: number;
  readonly workloadsApproximate: boolean;
}

/** Low-confidence alerts of one rule, with why. */
export interface LowConfidenceRule {
  readonly rule: string;
  readonly count: number;
  readonly reasons: readonly { readonly reason: string; readonly count: number }[];
}

/** What the report says about the trustworthiness of its own input. */
export interface QualityReport {
  /** By start time, then host. */
  readonly dropWindows: readonly DropWindow[];
  /** Drop alerts beyond QUALITY_LIMITS.windows distinct windows, counted only. */
  readonly dropWindowsOmitted: number;
  /** Drop alerts without a full date, which cannot be placed in time. */
  readonly dropsWithoutTime: number;
  /** By count, then rule. */
  readonly lowConfidence: readonly LowConfidenceRule[];
  readonly lowConfidenceAlerts: number;
}

/** The streaming fold: `add` each enriched alert as it comes (drop notices included), then `finish()` once. */
export interface QualityTracker {
  add(e: EnrichedAlert): void;
  finish(): QualityReport;
}

/** Bounds that keep the tracker's memory flat. */
export const QUALITY_LIMITS = {
  /** Half the width of a drop window: Falco's drop alert covers the second before it, and clocks differ. */
  dropMarginMs: 1000,
  windows: 1000,
  workloadsTracked: 256,
  workloadsShown: 10,
  /** Recent alerts remembered, so that a drop alert can name the workloads that alerted just before it. */
  recentAlerts: 4096,
  rules: 1000,
} as const;

const DROP_RULE = normaliseRuleName('Falco internal: syscall event drop');

/** True for Falco's `syscall event drop` notice (by rule name, or an internal event that says drop). */
export function isDropAlert(a: Alert): boolean {
  // Cheap first: only a rule that mentions drops can be the drop notice.
  if (!/drop/i.test(a.rule)) return false;
  if (a.rule !== lastDropRule) {
    lastDropRule = a.rule;
    lastDropName = normaliseRuleName(a.rule);
  }
  return lastDropName === DROP_RULE || (alertSource(a) === 'internal' && /\bdrop/.test(lastDropName));
}

// Rules such as "Drop and execute new binary in container" mention drops too: their normalised
// name is remembered, since a stream repeats the same rule.
let lastDropRule = '';
let lastDropName = '';

const PRINCIPAL_FIELD: Readonly<Record<string, string>> = {
  k8s_audit: 'ka.user.name',
  aws_cloudtrail: 'ct.user',
  gcp_auditlog: 'gcp.user',
  github: 'github.user',
  okta: 'okta.actor.name',
};

const CONTAINER_FIELDS = ['container.name', 'container.image.repository', 'container.image'] as const;
const K8S_FIELDS = ['k8s.ns.name', 'k8s.pod.name'] as const;
const PROCESS_FIELDS = ['proc.name', 'user.name'] as const;

/**
 * Why an alert's key context cannot be trusted, as short stable reasons (`<field> absent`,
 * `<field> unknown`); empty when it can. A field that is printed as null or `<NA>` is unknown; a field the
 * rule does not print is not held against it, except the two that say where and who: container.id for
 * system calls (without it a container cannot be told from the host) and the principal for audit and
 * cloud sources. Container and Kubernetes fields only count for a real container (not `host`).
 */
export function lowConfidenceReasons(a: Alert): readonly string[] {
  const f = a.fields;
  let out: string[] | undefined;
  const source = alertSource(a);
  if (source === 'syscall') {
    const raw = f['container.id'];
    const id = fieldText(raw);
    if (raw === undefined && !Object.prototype.hasOwnProperty.call(f, 'container.id')) (out ??= []).push('container.id absent');
    else if (id === undefined) (out ??= []).push('container.id unknown');
    if (id !== 'host') {
      for (const name of CONTAINER_FIELDS) if (isUnknown(f, name)) (out ??= []).push(`${name} unknown`);
    }
    if (id !== undefined && id !== 'host') {
      for (const name of K8S_FIELDS) if (isUnknown(f, name)) (out ??= []).push(`${name} unknown`);
    }
    for (const name of PROCESS_FIELDS) if (isUnknown(f, name)) (out ??= []).push(`${name} unknown`);
    return out ?? NO_REASONS;
  }
  const principal = PRINCIPAL_FIELD[source];
  if (principal !== undefined) {
    if (f[principal] === undefined && !Object.prototype.hasOwnProperty.call(f, principal)) (out ??= []).push(`${principal} absent`);
    else if (isUnknown(f, principal)) (out ??= []).push(`${principal} unknown`);
  }
  return out ?? NO_REASONS;
}

/** The answer for an alert with nothing to say: shared, never changed. */
const NO_REASONS: readonly string[] = Object.freeze([]);

/** A field the alert prints but whose value Falco did not know (null, `<NA>`, empty). */
function isUnknown(f: Alert['fields'], name: string): boolean {
  const v = f[name];
  // Known values (the common case) answer without the own-property check.
  if (v !== undefined && fieldText(v) !== undefined) return false;
  return Object.prototype.hasOwnProperty.call(f, name) && fieldText(v) === undefined;
}

interface Win {
  host: string;
  startMs: number;
  endMs: number;
  drops: number;
  droppedEvents: number;
  hasDropped: boolean;
  alerts: number;
  workloads: Map<string, { workload: Workload; alerts: number }>;
  approximate: boolean;
  /** Set when this window was merged into another: follow it. */
  mergedInto?: Win;
}

interface Recent {
  host: string;
  ms: number;
  key: string;
  workload: Workload;
  win: Win | undefined;
}

function resolve(w: Win | undefined): Win | undefined {
  while (w?.mergedInto) w = w.mergedInto;
  return w;
}

function numberOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/**
 * Creates the quality tracker. Each drop alert marks [time − 1 s, time + 1 s] on its host: Falco's
 * drop notice covers the second before it, plus a second for clock and buffering skew. Windows of one
 * host that overlap or touch are merged. Falco rate-limits drop notices (a token bucket, by default one
 * per 30 s), so quieter drop seconds go unreported and the windows are a lower bound of what was missed.
 * A window lists the workloads whose syscall alerts fall within it, whether they arrived before the
 * drop alert (the last 4,096 alerts are remembered for that) or after it. Audit and cloud events do not
 * pass through the kernel driver and are not affected by its drops.
 */
export function createQualityTracker(): QualityTracker {
  const byHost = new Map<string, Win[]>();
  let windowCount = 0;
  let omitted = 0;
  let dropsWithoutTime = 0;
  const recent: Recent[] = [];
  let recentNext = 0;
  const rules = new Map<string, { count: number; reasons: Map<string, number> }>();
  let lowAlerts = 0;

  const attribute = (r: Recent, w: Win): void => {
    r.win = w;
    w.alerts++;
    const seen = w.workloads.get(r.key);
    if (seen) seen.alerts++;
    else if (w.workloads.size < QUALITY_LIMITS.workloadsTracked) w.workloads.set(r.key, { workload: r.workload, alerts: 1 });
    else w.approximate = true;
  };

  const addDrop = (a: Alert, host: string, ms: number): void => {
    const start = ms - QUALITY_LIMITS.dropMarginMs;
    const end = ms + QUALITY_LIMITS.dropMarginMs;
    const n = numberOf(fieldText(a.fields['n_drops']));
    const list = byHost.get(host) ?? [];
    const overlapping = list.filter((w) => w.startMs <= end && w.endMs >= start);
    let target = overlapping[0];
    if (!target) {
      if (windowCount >= QUALITY_LIMITS.windows) {
        omitted++;
        return;
      }
      windowCount++;
      target = { host, startMs: start, endMs: end, drops: 0, droppedEvents: 0, hasDropped: false, alerts: 0, workloads: new Map(), approximate: false };
      const at = list.findIndex((w) => w.startMs > start);
      list.splice(at < 0 ? list.length : at, 0, target);
      byHost.set(host, list);
    }
    target.startMs = Math.min(target.startMs, start);
    target.endMs = Math.max(target.endMs, end);
    target.drops++;
    if (n !== undefined) {
      target.droppedEvents += n;
      target.hasDropped = true;
    }
    for (const other of overlapping.slice(1)) {
      target.startMs = Math.min(target.startMs, other.startMs);
      target.endMs = Math.max(target.endMs, other.endMs);
      target.drops += other.drops;
      target.droppedEvents += other.droppedEvents;
      target.hasDropped ||= other.hasDropped;
      target.alerts += other.alerts;
      target.approximate ||= other.approximate;
      for (const [k, v] of other.workloads) {
        const seen = target.workloads.get(k);
        if (seen) seen.alerts += v.alerts;
        else if (target.workloads.size < QUALITY_LIMITS.workloadsTracked) target.workloads.set(k, { ...v });
        else target.approximate = true;
      }
      other.mergedInto = target;
      list.splice(list.indexOf(other), 1);
      windowCount--;
    }
    // Alerts that arrived before this drop alert and fall in the (grown) window; each counts once.
    for (const r of recent) {
      if (r.host === host && r.ms >= target.startMs && r.ms <= target.endMs && resolve(r.win) !== target) attribute(r, target);
    }
  };

  const addAlert = (a: Alert, host: string, ms: number): void => {
    const place = placeOf(a);
    // The ring's slots are reused: an alert's entry lives for 4,096 alerts, long enough that a new
    // object per alert would outlive the young generation and be garbage in the old one.
    let r: Recent;
    if (recent.length < QUALITY_LIMITS.recentAlerts) {
      r = { host, ms, key: place.workloadKey, workload: place.workload, win: undefined };
      recent.push(r);
    } else {
      r = recent[recentNext] as Recent;
      r.host = host;
      r.ms = ms;
      r.key = place.workloadKey;
      r.workload = place.workload;
      r.win = undefined;
    }
    recentNext = (recentNext + 1) % QUALITY_LIMITS.recentAlerts;
    const list = byHost.get(host);
    if (list && list.length > 0) {
      // Windows are disjoint and sorted by start: the only candidate is the last one starting by `ms`.
      let lo = 0;
      let hi = list.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((list[mid] as Win).startMs <= ms) lo = mid;
        else hi = mid - 1;
      }
      const w = list[lo] as Win;
      if (w.startMs <= ms && ms <= w.endMs) attribute(r, w);
    }
  };

  const countLow = (a: Alert): void => {
    const reasons = lowConfidenceReasons(a);
    if (reasons.length === 0) return;
    lowAlerts++;
    let g = rules.get(a.rule);
    if (!g) {
      const key = rules.size < QUALITY_LIMITS.rules ? a.rule : '(other rules)';
      g = rules.get(key) ?? { count: 0, reasons: new Map() };
      rules.set(key, g);
    }
    g.count++;
    for (const reason of reasons) g.reasons.set(reason, (g.reasons.get(reason) ?? 0) + 1);
  };

  return {
    add(e) {
      const a = e.alert;
      // The Place's host is one string for all alerts of a container, hashed once for byHost.
      const host = placeOf(a).host ?? '';
      if (isDropAlert(a)) {
        if (a.timeMs === undefined) dropsWithoutTime++;
        else addDrop(a, host, a.timeMs);
        return;
      }
      countLow(a);
      if (a.timeMs !== undefined && alertSource(a) === 'syscall') addAlert(a, host, a.timeMs);
    },
    finish() {
      const wins = [...byHost.values()].flat().sort((x, y) => x.startMs - y.startMs || (x.host < y.host ? -1 : x.host > y.host ? 1 : 0));
      const dropWindows: DropWindow[] = wins.map((w) => ({
        ...(w.host !== '' ? { host: w.host } : {}),
        start: iso(w.startMs),
        end: iso(w.endMs),
        startMs: w.startMs,
        endMs: w.endMs,
        drops: w.drops,
        ...(w.hasDropped ? { droppedEvents: w.droppedEvents } : {}),
        alerts: w.alerts,
        workloads: [...w.workloads]
          .sort((x, y) => y[1].alerts - x[1].alerts || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
          .slice(0, QUALITY_LIMITS.workloadsShown)
          .map(([, v]) => ({ workload: v.workload, alerts: v.alerts })),
        workloadCount: w.workloads.size,
        workloadsApproximate: w.approximate,
      }));
      const lowConfidence: LowConfidenceRule[] = [...rules]
        .map(([rule, g]) => ({
          rule,
          count: g.count,
          reasons: [...g.reasons].map(([reason, count]) => ({ reason, count })).sort((x, y) => y.count - x.count || (x.reason < y.reason ? -1 : x.reason > y.reason ? 1 : 0)),
        }))
        .sort((x, y) => y.count - x.count || (x.rule < y.rule ? -1 : x.rule > y.rule ? 1 : 0));
      return { dropWindows, dropWindowsOmitted: omitted, dropsWithoutTime, lowConfidence, lowConfidenceAlerts: lowAlerts };
    },
  };
}
