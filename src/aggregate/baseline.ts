// Comparison with an earlier JSON report: which alert signatures and rules are new, known or gone.
import type { Alert } from '../alert/alert.js';
import { actorOf, placeOf } from '../alert/place.js';
import { atOrAbove, priorityRank, type Priority } from '../alert/priority.js';
import type { EnrichedAlert } from '../enrich/enrich.js';
import { alertSource } from '../kb/match-entry.js';

/** A rule and the context that stays the same across restarts: no pod names, container ids or times. */
export interface Signature {
  readonly rule: string;
  /** The image repository without tag or digest. */
  readonly image: string | null;
  readonly namespace: string | null;
  readonly process: string | null;
  readonly user: string | null;
}

/** A signature with how often and how severely it fired; the shape of the JSON report's `signatures`. */
export interface SignatureCount extends Signature {
  readonly priority: Priority;
  readonly count: number;
}

/** A baseline report, read and validated. */
export interface Baseline {
  readonly file: string;
  /** Duplicates merged (counts summed, highest priority kept). */
  readonly signatures: readonly SignatureCount[];
}

/** `new`: not in the baseline; `known`: in both; `gone`: in the baseline, not now. */
export const BASELINE_STATES = ['new', 'known', 'gone'] as const;
export type BaselineState = (typeof BASELINE_STATES)[number];

/** One signature compared with the baseline. */
export interface SignatureComparison {
  readonly sig: Signature;
  readonly state: BaselineState;
  /** The current priority, else the baseline's. */
  readonly priority: Priority;
  /** Alerts now (0 when gone). */
  readonly count: number;
  /** Alerts in the baseline (0 when new). */
  readonly baselineCount: number;
}

/** The whole comparison, sorted by state (new, known, gone), then priority, count and signature. */
export interface Comparison {
  readonly signatures: readonly SignatureComparison[];
  /** Rule groups by state, then rule. */
  readonly rules: readonly { readonly rule: string; readonly state: BaselineState }[];
  /** Alerts whose signature the tracker had no room for: they could not be compared. */
  readonly untracked: number;
  readonly untrackedPriority?: Priority;
}

export { imageRepository } from '../alert/place.js';

/** The signature of an alert: rule, image repository, namespace, process and user (null when unknown). */
export function signatureOf(a: Alert): Signature {
  const place = placeOf(a);
  const actor = actorOf(a);
  return { rule: a.rule, image: place.imageRepository, namespace: place.namespace ?? null, process: actor.process ?? null, user: actor.user ?? null };
}

/** A string that is equal for equal signatures and different otherwise (JSON, so no separator can collide). */
export function signatureKey(sig: Signature): string {
  // Joined with NUL, which Falco values do not hold; a value that does is JSON-encoded, so keys cannot collide.
  let key = '';
  for (const v of [sig.rule, sig.image, sig.namespace, sig.process, sig.user]) {
    key += v === null ? '\u0001' : v.includes('\u0000') || v.startsWith('"') || v.startsWith('\u0001') ? JSON.stringify(v) : v;
    key += '\u0000';
  }
  return key;
}

function plain(s: Signature): Signature {
  return { rule: s.rule, image: s.image, namespace: s.namespace, process: s.process, user: s.user };
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Counts signatures of the current run, with a bound on memory. */
export interface SignatureTracker {
  add(e: EnrichedAlert): void;
  /** Signatures by rule, then key. */
  finish(): SignatureCount[];
  /** Alerts of new signatures that arrived once `max` signatures were held: not counted in `finish()`. */
  readonly overflow: number;
  /** The highest priority among those alerts. */
  readonly overflowPriority: Priority | undefined;
}

/**
 * Creates a tracker for at most `max` distinct signatures. Falco's own notices (source `internal`,
 * such as event drops) are not detections and have no signature.
 */
export function createSignatureTracker(max = 20_000): SignatureTracker {
  // Keyed by where (image repository and namespace), then who (process and user), then rule: each
  // level's key is a string shared by many alerts (see place.ts), so no key is built per alert.
  const seen = new Map<string, Map<string, Map<string, { sig: Signature; priority: Priority; count: number }>>>();
  let size = 0;
  let overflow = 0;
  let overflowPriority: Priority | undefined;
  return {
    add(e) {
      const a = e.alert;
      if (alertSource(a) === 'internal') return;
      const place = placeOf(a);
      const actor = actorOf(a);
      let byActor = seen.get(place.signaturePrefix);
      let byRule = byActor?.get(actor.combo);
      const s = byRule?.get(a.rule);
      if (s) {
        s.count++;
        if (priorityRank(a.priority) < priorityRank(s.priority)) s.priority = a.priority;
      } else if (size < max) {
        if (byActor === undefined) {
          byActor = new Map();
          seen.set(place.signaturePrefix, byActor);
        }
        if (byRule === undefined) {
          byRule = new Map();
          byActor.set(actor.combo, byRule);
        }
        byRule.set(a.rule, { sig: signatureOf(a), priority: a.priority, count: 1 });
        size++;
      } else {
        overflow++;
        if (overflowPriority === undefined || priorityRank(a.priority) < priorityRank(overflowPriority)) overflowPriority = a.priority;
      }
    },
    finish() {
      const all: [string, { sig: Signature; priority: Priority; count: number }][] = [];
      for (const byActor of seen.values()) for (const byRule of byActor.values()) for (const s of byRule.values()) all.push([signatureKey(s.sig), s]);
      return all
        .sort((x, y) => compareText(x[1].sig.rule, y[1].sig.rule) || compareText(x[0], y[0]))
        .map(([, s]) => ({ ...s.sig, priority: s.priority, count: s.count }));
    },
    get overflow() {
      return overflow;
    },
    get overflowPriority() {
      return overflowPriority;
    },
  };
}



const STATE_ORDER: Readonly<Record<BaselineState, number>> = { new: 0, known: 1, gone: 2 };

/**
 * Marks each signature and rule of the current run, and of the baseline, as new, known or gone.
 * `untracked` is the tracker's overflow: alerts whose signatures could not be held, and so not compared.
 */
export function compareWithBaseline(current: readonly SignatureCount[], baseline: Baseline, untracked?: { count: number; priority?: Priority }): Comparison {
  const before = new Map(baseline.signatures.map((s) => [signatureKey(s), s]));
  const now = new Map<string, SignatureCount>();
  for (const s of current) now.set(signatureKey(s), s);
  const out: (SignatureComparison & { key: string })[] = [];
  for (const [key, s] of now) {
    const b = before.get(key);
    out.push({ key, sig: plain(s), state: b ? 'known' : 'new', priority: s.priority, count: s.count, baselineCount: b?.count ?? 0 });
  }
  for (const [key, b] of before) {
    if (!now.has(key)) out.push({ key, sig: plain(b), state: 'gone', priority: b.priority, count: 0, baselineCount: b.count });
  }
  out.sort(
    (x, y) =>
      STATE_ORDER[x.state] - STATE_ORDER[y.state] ||
      priorityRank(x.priority) - priorityRank(y.priority) ||
      y.count + y.baselineCount - (x.count + x.baselineCount) ||
      compareText(x.key, y.key),
  );
  const rulesNow = new Set([...now.values()].map((s) => s.rule));
  const rulesBefore = new Set(baseline.signatures.map((s) => s.rule));
  const rules = [...new Set([...rulesNow, ...rulesBefore])]
    .map((rule) => ({ rule, state: (rulesNow.has(rule) ? (rulesBefore.has(rule) ? 'known' : 'new') : 'gone') as BaselineState }))
    .sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || compareText(x.rule, y.rule));
  return {
    signatures: out.map(({ key: _key, ...c }) => c),
    rules,
    untracked: untracked?.count ?? 0,
    ...(untracked?.priority !== undefined && untracked.count > 0 ? { untrackedPriority: untracked.priority } : {}),
  };
}

/**
 * How many new signatures are at or above `priority`: `--fail-on-new PRIORITY` exits 1 when this is
 * above 0. Signatures the tracker had no room for count as one more when their highest priority is at
 * or above it: they could not be shown to be known, and a gate should fail closed.
 */
export function newAtOrAbove(comparison: Comparison, priority: Priority): number {
  const n = comparison.signatures.filter((s) => s.state === 'new' && atOrAbove(s.priority, priority)).length;
  const unknown = comparison.untrackedPriority !== undefined && atOrAbove(comparison.untrackedPriority, priority) ? 1 : 0;
  return n + unknown;
}
