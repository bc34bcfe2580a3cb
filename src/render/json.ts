// The JSON document (--format json): versioned, stable key order, exact values (big integers as written).
import type { Report, RuleGroup } from '../aggregate/aggregate.js';
import type { Alert } from '../alert/alert.js';
import { stringifyJson, stringifyJsonChunks } from '../alert/json-text.js';
import { fillSteps, type EnrichedAlert } from '../enrich/enrich.js';
import { reachesUntil, stepLookBack } from '../enrich/look-back.js';
import type { KbCommand } from '../kb/schema.js';
import type { Match } from '../kb/match-entry.js';
import type { RenderOptions } from './markdown.js';

/** An alert as it was read, with the canonical priority: the form NDJSON and samples use. */
export function alertJson(a: Alert): Record<string, unknown> {
  return {
    ...(a.time !== undefined ? { time: a.time } : a.timeOfDay !== undefined ? { timeOfDay: a.timeOfDay } : {}),
    rule: a.rule,
    priority: a.priority,
    ...(a.source !== undefined ? { source: a.source } : {}),
    ...(a.hostname !== undefined ? { hostname: a.hostname } : {}),
    ...(a.output !== undefined ? { output: a.output } : {}),
    output_fields: a.fields,
    tags: a.tags,
    ...(a.uuid !== undefined ? { uuid: a.uuid } : {}),
    ...(Object.keys(a.extra).length > 0 ? { extra: a.extra } : {}),
    ...(a.fromText ? { fromText: true } : {}),
    location: { file: a.file, line: a.line },
  };
}

/** `lookBack` of a step whose command counts back from when it runs (none when it does not). */
function lookBackJson(step: KbCommand, alert: Alert): { lookBack?: { text: string; seconds: number | null; reachesAlertUntil: string | null } } {
  const l = stepLookBack(step);
  return l ? { lookBack: { text: l.text, seconds: l.seconds, reachesAlertUntil: reachesUntil(l, alert.timeMs) ?? null } } : {};
}

/** The match and the entry's commands filled from one alert. */
export function matchJson(m: Match, alert: Alert): Record<string, unknown> {
  const e = m.entry;
  return {
    how: m.how,
    ...(m.signals.length > 0 ? { signals: m.signals } : {}),
    ...(m.score !== undefined ? { score: m.score, confidence: m.confidence } : {}),
    entry: e
      ? {
          rule: e.rule,
          kind: e.kind,
          origin: e.origin,
          file: e.file,
          summary: e.summary,
          mitre: e.mitre,
          investigate: fillSteps(e.investigate, alert).map((s) => ({ title: s.step.title, command: s.command.text, missing: s.command.missing, withheld: s.command.withheld, ...lookBackJson(s.step, alert) })),
          remediate: fillSteps(e.remediate, alert).map((s) => ({
            title: s.step.title,
            command: s.command.text,
            missing: s.command.missing,
            withheld: s.command.withheld,
            destructive: s.step.destructive ?? false,
            ...lookBackJson(s.step, alert),
          })),
          references: e.references.map((r) => r.url),
        }
      : null,
  };
}

function groupJson(g: RuleGroup): Record<string, unknown> {
  return {
    rule: g.rule,
    priority: g.priority,
    count: g.count,
    byPriority: g.byPriority,
    firstSeen: g.firstSeen ?? null,
    lastSeen: g.lastSeen ?? null,
    ...(g.firstTimeOfDay !== undefined ? { firstTimeOfDay: g.firstTimeOfDay, lastTimeOfDay: g.lastTimeOfDay } : {}),
    sources: g.sources,
    match: matchJson(g.match, g.sample),
    top: g.top,
    fields: g.fields,
    benign: g.benign.map((b) => ({ pattern: b.value, count: b.count })),
    fromText: g.fromText,
    sample: alertJson(g.sample),
  };
}

/** The report as one JSON document, in pieces (see stringifyJsonChunks); joined, renderJson's text. */
export function* renderJsonChunks(r: Report, opts: RenderOptions): Generator<string> {
  yield* stringifyJsonChunks(jsonDocument(r, opts));
  yield '\n';
}

/** Renders the report as one JSON document. */
export function renderJson(r: Report, opts: RenderOptions): string {
  return `${stringifyJson(jsonDocument(r, opts), 2)}\n`;
}

function jsonDocument(r: Report, opts: RenderOptions): Record<string, unknown> {
  return {
    schemaVersion: r.schemaVersion,
    tool: { name: 'falco-report', version: opts.version },
    input: r.input,
    filters: r.filters,
    totals: r.totals,
    timeRange: r.timeRange ?? null,
    sources: r.sources,
    hosts: r.hosts,
    ...(r.pivot ? { pivot: r.pivot } : {}),
    groups: r.groups.map(groupJson),
    incidents: r.incidents,
    dataQuality: { ...r.quality, notes: r.notes },
    ...(r.baseline ? { baseline: r.baseline } : {}),
    ...(r.tuning ? { suggestedExceptions: r.tuning } : {}),
    signatures: r.signatures,
    rejects: r.rejects,
    skipped: r.skippedSamples,
  };
}

/** One enriched alert as one NDJSON line. */
export function renderNdjsonLine(e: EnrichedAlert, _opts?: RenderOptions): string {
  return `${stringifyJson({ alert: alertJson(e.alert), match: matchJson(e.match, e.alert), benign: e.benign.map((b) => b.pattern) })}\n`;
}
