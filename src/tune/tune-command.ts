// `falco-report tune`: reads the alerts twice (incidents first, then suggestions), writes the rules file.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Reject } from '../alert/alert.js';
import type { Priority } from '../alert/priority.js';
import { createIncidentTracker, workloadKey, workloadOf } from '../aggregate/incidents.js';
import type { EnrichedAlert } from '../enrich/enrich.js';
import type { KnowledgeBase } from '../kb/knowledge-base.js';
import type { Tactic } from './suggest.js';
import { enrichedAlerts } from './index.js';
import { toolVersion } from '../io.js';

/** Incidents at or above this risk make their alerts "malicious-looking": tuples covering them are refused. */
export const RISKY_INCIDENT = 60;

/** The tune flags, as cli.ts parsed them. */
export interface TuneFlags {
  readonly sources: readonly string[];
  readonly output?: string;
  readonly falcoVersion?: string;
  readonly maxPriority?: Priority;
  readonly minCount?: number;
  readonly maxRows?: number;
  readonly allowTactics: readonly Tactic[];
  readonly check: boolean;
  readonly maxRecordBytes: number;
  readonly incidentWindowMs: number;
}

/**
 * Copies stdin to a temporary file, so that it can be read more than once (incidents, suggestions,
 * --check). Returns the sources with '-' replaced and a cleanup function.
 */
export async function spoolStdin(sources: readonly string[], stdin: NodeJS.ReadableStream): Promise<{ sources: string[]; cleanup: () => void }> {
  if (!sources.includes('-')) return { sources: [...sources], cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'falco-report-stdin-'));
  const file = join(dir, 'stdin');
  await pipeline(stdin, createWriteStream(file));
  return { sources: sources.map((s) => (s === '-' ? file : s)), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A first read of the alerts through the incident tracker: the alerts of high-risk incidents (by
 * workload and time span) are the ones a tuple must not cover.
 */
export async function riskyAlerts(alerts: AsyncIterable<EnrichedAlert>, windowMs: number): Promise<(e: EnrichedAlert) => boolean> {
  const tracker = createIncidentTracker({ windowMs });
  for await (const e of alerts) tracker.add(e);
  const spans = new Map<string, { from?: string; to?: string }[]>();
  for (const i of tracker.finish().incidents) {
    if (i.risk < RISKY_INCIDENT) continue;
    const key = workloadKey(i.workload);
    spans.set(key, [...(spans.get(key) ?? []), { ...(i.firstSeen ? { from: i.firstSeen } : {}), ...(i.lastSeen ? { to: i.lastSeen } : {}) }]);
  }
  return (e) => {
    const list = spans.get(workloadKey(workloadOf(e.alert)));
    if (!list) return false;
    const t = e.alert.time;
    return list.some((s) => t === undefined || s.from === undefined || s.to === undefined || (t >= s.from && t <= s.to));
  };
}

/** Runs tune and returns the YAML, the --check summary (or ''), and the exit code. */
export async function tune(flags: TuneFlags, kb: KnowledgeBase, stdin: NodeJS.ReadableStream, onReject: (r: Reject) => void): Promise<{ yaml: string; check: string }> {
  const { runTune } = await import('./index.js');
  const spooled = await spoolStdin(flags.sources, stdin);
  try {
    const read = (report: boolean) => () => enrichedAlerts(spooled.sources, kb, stdin, { maxRecordBytes: flags.maxRecordBytes, ...(report ? { onReject } : {}) });
    const isRisky = await riskyAlerts(read(false)(), flags.incidentWindowMs);
    const run = await runTune(read(true), {
      isRisky,
      riskyLabel: `part of an incident with risk ${RISKY_INCIDENT} or more`,
      check: flags.check,
      generator: `falco-report ${toolVersion()}`,
      ...(flags.falcoVersion !== undefined ? { falcoVersion: flags.falcoVersion } : {}),
      ...(flags.maxPriority !== undefined ? { maxPriority: flags.maxPriority } : {}),
      ...(flags.minCount !== undefined ? { minCount: flags.minCount } : {}),
      ...(flags.maxRows !== undefined ? { maxRows: flags.maxRows } : {}),
      ...(flags.allowTactics.length > 0 ? { allowTactics: [...flags.allowTactics] } : {}),
    });
    let check = '';
    if (run.check) {
      const { formatCheck } = await import('./check.js');
      check = formatCheck(run.check);
    }
    return { yaml: run.yaml, check };
  } finally {
    spooled.cleanup();
  }
}
