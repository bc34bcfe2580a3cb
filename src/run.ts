// Wires the stages: records → alerts → enriched alerts → report. No process globals, no console.
import { validateAlert, isReject, type Alert, type Reject } from './alert/alert.js';
import { parseJsonText } from './alert/json-text.js';
import { atOrAbove, type Priority } from './alert/priority.js';
import { createAggregator, type Report } from './aggregate/aggregate.js';
import { compareWithBaseline, createSignatureTracker, type Baseline } from './aggregate/baseline.js';
import { createIncidentTracker, DEFAULT_INCIDENT_WINDOW_MS } from './aggregate/incidents.js';
import { createQualityTracker } from './aggregate/quality.js';
import type { TuneResult } from './tune/suggest.js';
import { enrich, type EnrichedAlert } from './enrich/enrich.js';
import { readRecordBatches } from './input/read-records.js';
import type { PivotKey } from './aggregate/pivot.js';
import type { AlertFilter } from './filter/filters.js';
import type { KnowledgeBase } from './kb/knowledge-base.js';
import { cachedMatcher } from './kb/match-entry.js';

/** What analysis needs; built by cli.ts from flags. */
export interface AnalyzeOptions {
  readonly sources: readonly string[];
  readonly minPriority?: Priority;
  /** --rule, --source, --host, --namespace, --tag, --since, --until, --where: alerts failing it are counted as filtered. */
  readonly filter?: AlertFilter;
  /** --group-by: one or two pivot keys. */
  readonly groupBy?: readonly PivotKey[];
  /** --incident-window in milliseconds (default 10 minutes). */
  readonly incidentWindowMs?: number;
  /** --baseline: an earlier JSON report, read and checked. */
  readonly baseline?: Baseline;
  /** --redact: masks secrets in every alert string, reject reason and skipped line before anything else sees them. */
  readonly redact?: { readonly alert: (a: Alert) => Alert; readonly text: (s: string) => string };
  /** --suggest-exceptions: the tune collector to feed (its result goes into the report). */
  readonly tuning?: { add(e: EnrichedAlert): void; finish(): TuneResult };
  readonly maxRecordBytes: number;
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
}

/** Callbacks for what happens along the way (warnings, live cards, progress). */
export interface AnalyzeHooks {
  readonly onReject?: (r: Reject) => void;
  readonly onAlert?: (e: EnrichedAlert) => void;
  readonly onBytes?: (n: number) => void;
  /** Records read (alerts, rejects and skipped lines), a batch at a time. */
  readonly onRecords?: (n: number) => void;
}

/** One JSON record turned into an alert or a reject. */
export function toAlert(rec: { file: string; line: number; text: string }): Alert | Reject {
  const parsed = parseJsonText(rec.text);
  if (!parsed.ok) return { file: rec.file, line: rec.line, reason: parsed.reason };
  return validateAlert(parsed.value, rec.file, rec.line, undefined, parsed.fields);
}

let textParser: Promise<typeof import('./alert/parse-text.js').parseTextAlert> | undefined;

/**
 * One plain-text line turned into an alert, or nothing when it is not one. Text lines are rare: their
 * parser, with its table of rule messages, is loaded at the first one.
 */
export async function textAlert(rec: { file: string; line: number; text: string }): Promise<Alert | undefined> {
  textParser ??= import('./alert/parse-text.js').then((m) => m.parseTextAlert);
  return (await textParser)(rec.text, rec.file, rec.line);
}

/**
 * A text record that is one JSON string (`jq .output` without `-r`, or an alert stored as a string):
 * what it holds is read as its own line would be, a JSON alert or a text one; undefined when the record
 * is not such a string.
 */
async function stringRecord(rec: { file: string; line: number; text: string }): Promise<Alert | Reject | undefined> {
  const t = rec.text.trim();
  if (t.length < 2 || t.charCodeAt(0) !== 0x22 || t.charCodeAt(t.length - 1) !== 0x22) return undefined;
  let inner: unknown;
  try {
    inner = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof inner !== 'string') return undefined;
  const held = { file: rec.file, line: rec.line, text: inner };
  if (!inner.trimStart().startsWith('{')) return textAlert(held);
  const out = toAlert(held);
  // Columns and quotes of the reason are those of the string's content, not of the line.
  return isReject(out) ? { ...out, reason: `a JSON string holding an alert: ${out.reason}` } : out;
}

/** Reads every source to the end (or until the signal aborts) and folds it into a report. */
export async function analyze(opts: AnalyzeOptions, kb: KnowledgeBase, stdin: NodeJS.ReadableStream, hooks: AnalyzeHooks = {}): Promise<Report> {
  const agg = createAggregator({
    filters: [...(opts.minPriority ? [`priority at or above ${opts.minPriority}`] : []), ...(opts.filter?.describe ?? [])],
    ...(opts.groupBy ? { groupBy: opts.groupBy } : {}),
  });
  const match = cachedMatcher(kb);
  const incidents = createIncidentTracker({ windowMs: opts.incidentWindowMs ?? DEFAULT_INCIDENT_WINDOW_MS });
  const quality = createQualityTracker();
  const signatures = createSignatureTracker();
  const batches = readRecordBatches(opts.sources, { maxRecordBytes: opts.maxRecordBytes, follow: opts.follow ?? false, ...(opts.signal ? { signal: opts.signal } : {}), ...(hooks.onBytes ? { onBytes: hooks.onBytes } : {}) }, stdin);
  // The reader itself ends at once when the signal aborts, even in the middle of a silent pipe.
  const hide = opts.redact ? opts.redact.text : (s: string): string => s;
  reading: for await (const batch of batches) {
    hooks.onRecords?.(batch.length);
    for (const rec of batch) {
      if (opts.signal?.aborted) break reading;
      if (rec.kind === 'reject') {
        const r = { file: rec.file, line: rec.line, reason: hide(rec.reason) };
        agg.addReject(r);
        hooks.onReject?.(r);
        continue;
      }
      const out = rec.kind === 'json' ? toAlert(rec) : ((await textAlert(rec)) ?? (await stringRecord(rec)));
      if (out === undefined) {
        agg.addSkipped({ file: rec.file, line: rec.line, text: hide(rec.text) });
      } else if (isReject(out)) {
        // A reason quotes what it found, which may be a secret: it is masked like any alert value.
        const r = opts.redact ? { ...out, reason: hide(out.reason) } : out;
        agg.addReject(r);
        hooks.onReject?.(r);
      } else if ((opts.minPriority && !atOrAbove(out.priority, opts.minPriority)) || (opts.filter?.active && !opts.filter.test(out))) {
        agg.addFiltered();
      } else {
        const e = enrich(opts.redact ? opts.redact.alert(out) : out, match(out));
        agg.addAlert(e);
        incidents.add(e);
        quality.add(e);
        signatures.add(e);
        opts.tuning?.add(e);
        hooks.onAlert?.(e);
      }
    }
  }
  const fold = agg.finish();
  const sigs = signatures.finish();
  const untracked = { count: signatures.overflow, ...(signatures.overflowPriority ? { priority: signatures.overflowPriority } : {}) };
  return {
    ...fold,
    incidents: incidents.finish(),
    quality: quality.finish(),
    signatures: sigs,
    ...(opts.tuning ? { tuning: opts.tuning.finish() } : {}),
    ...(opts.baseline ? { baseline: { ...compareWithBaseline(sigs, opts.baseline, untracked), file: opts.baseline.file } } : {}),
  };
}
