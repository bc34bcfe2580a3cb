// The tune command's stage: enriched alerts → suggestions → rules file, and the optional --check pass.
import { isReject, type Alert, type Reject } from '../alert/alert.js';
import { atOrAbove, type Priority } from '../alert/priority.js';
import { enrich, type EnrichedAlert } from '../enrich/enrich.js';
import { UsageError } from '../errors.js';
import { readRecords } from '../input/read-records.js';
import type { KnowledgeBase } from '../kb/knowledge-base.js';
import { cachedMatcher } from '../kb/match-entry.js';
import { textAlert, toAlert } from '../run.js';
import type { CheckResult } from './check.js';
import { appendSyntax, renderRulesFile, type RenderExceptionsOptions } from './render-exceptions.js';
import { createTuneCollector, type TuneOptions, type TuneResult } from './suggest.js';

export type { CheckResult } from './check.js';
export { renderRuleExceptions, renderRulesFile, type RenderExceptionsOptions } from './render-exceptions.js';
export { createTuneCollector, TUNE_DEFAULTS, type RuleTuning, type Tactic, type TuneOptions, type TuneResult } from './suggest.js';

/** Everything `tune` is told: the safety settings, how to write the file, and whether to check it. */
export interface TuneRunOptions extends TuneOptions, RenderExceptionsOptions {
  /** Evaluate the generated exceptions against the same alerts (`--check`): reads them a second time. */
  readonly check?: boolean;
}

/** What `runTune` returns; the CLI writes `yaml` and, with --check, `formatCheck(check)`. */
export interface TuneRun {
  readonly yaml: string;
  readonly result: TuneResult;
  readonly check?: CheckResult;
}

/** Alerts to tune from: a stream, or a function that opens it (needed for --check, which reads twice). */
export type AlertSource = AsyncIterable<EnrichedAlert> | (() => AsyncIterable<EnrichedAlert>);

/**
 * Folds the alerts into suggestions and renders the rules file. With `check`, the file's text is parsed
 * back and evaluated against a second read of the alerts: the counts come from what was written, not
 * from the model, so a quoting or rendering fault would show.
 */
export async function runTune(alerts: AlertSource, opts: TuneRunOptions = {}): Promise<TuneRun> {
  appendSyntax(opts); // a bad --falco-version fails before any input is read
  if (opts.check === true && typeof alerts !== 'function') {
    throw new UsageError('--check reads the alerts twice: give files, not a stream');
  }
  const collector = createTuneCollector(opts);
  for await (const e of typeof alerts === 'function' ? alerts() : alerts) collector.add(e);
  const result = collector.finish();
  const yaml = renderRulesFile(result, opts);
  if (opts.check !== true || typeof alerts !== 'function') return { yaml, result };
  // The YAML parser is only loaded for --check (see STYLE: heavy modules are imported where needed).
  const { createExceptionChecker } = await import('./check.js');
  const checker = createExceptionChecker(yaml);
  for await (const e of alerts()) checker.add(e.alert);
  return { yaml, result, check: checker.finish() };
}

/** How `enrichedAlerts` reads its sources. */
export interface EnrichedAlertsOptions {
  readonly maxRecordBytes: number;
  readonly minPriority?: Priority;
  readonly signal?: AbortSignal;
  readonly onReject?: (r: Reject) => void;
}

/**
 * The analyzer's input stage without its report: every input format `analyze` accepts (JSON lines,
 * arrays, pretty-printed objects, gzip, Falco's text lines), validated, matched and enriched. Rejected
 * records go to `onReject`; lines that are not alerts are skipped.
 */
export async function* enrichedAlerts(sources: readonly string[], kb: KnowledgeBase, stdin: NodeJS.ReadableStream, opts: EnrichedAlertsOptions): AsyncGenerator<EnrichedAlert> {
  const match = cachedMatcher(kb);
  const records = readRecords(sources, { maxRecordBytes: opts.maxRecordBytes, ...(opts.signal ? { signal: opts.signal } : {}) }, stdin);
  for await (const rec of records) {
    if (rec.kind === 'reject') {
      opts.onReject?.({ file: rec.file, line: rec.line, reason: rec.reason });
      continue;
    }
    const out: Alert | Reject | undefined = rec.kind === 'json' ? toAlert(rec) : await textAlert(rec);
    if (out === undefined) continue;
    if (isReject(out)) opts.onReject?.(out);
    else if (!opts.minPriority || atOrAbove(out.priority, opts.minPriority)) yield enrich(out, match(out));
  }
}
