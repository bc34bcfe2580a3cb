// commander → options; the only file that reads argv and env or decides exit codes.
import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import type { Reject } from './alert/alert.js';
import { atOrAbove, parsePriority, PRIORITIES, type Priority } from './alert/priority.js';
import { TACTICS } from './alert/constants.js';
import type { Tactic, TuneResult } from './tune/suggest.js';
import type { EnrichedAlert } from './enrich/enrich.js';
import type { Report } from './aggregate/aggregate.js';
import { formatProblem, InputError, isKnownError, KbError, UsageError } from './errors.js';

import type { FilterSpec } from './filter/filters.js';
import { PIVOT_KEYS, type PivotKey } from './aggregate/pivot.js';
import { batched, toolVersion, write, type Io } from './io.js';
import { sniffEncoding } from './input/decode-bytes.js';
import { EXTENSIONS, FORMATS, formats, type Format } from './render/index.js';

// commander is CommonJS: required as such, start-up skips its ESM wrapper and Node's scan of its
// exports for ESM (a few ms of every run). The classes are the same ones.
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof Commander;
type Command = Commander.Command;

/** Warnings about rejected records printed one per line before they are only counted. */
const WARN_LIMIT = 20;
const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/** The analyze options, after parsing and checking. */
export interface AnalyzeFlags {
  readonly sources: readonly string[];
  readonly format: Format;
  readonly output?: string;
  readonly failOn?: Priority;
  readonly minPriority?: Priority;
  readonly strict: boolean;
  readonly kb: readonly string[];
  readonly width: number;
  readonly color: boolean;
  readonly maxRecordBytes: number;
  readonly follow: boolean;
  readonly foldWindowMs: number;
  readonly filter: FilterSpec;
  readonly groupBy: readonly PivotKey[];
  readonly maxBytes?: number;
  readonly githubSummary: boolean;
  readonly incidentWindowMs: number;
  readonly baseline?: string;
  readonly failOnNew?: Priority;
  readonly suggestExceptions: boolean;
  readonly redact: boolean;
}

function priorityArg(value: string): Priority {
  const p = parsePriority(value);
  if (!p) throw new UsageError(`expected a priority (${PRIORITIES.join(', ')}), got "${value}"`);
  return p;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: expected a positive whole number, got "${value}"`);
    return n;
  };
}

function groupByArg(value: string): PivotKey[] {
  const keys = value.split(',').map((k) => k.trim().toLowerCase());
  const bad = keys.find((k) => !(PIVOT_KEYS as readonly string[]).includes(k));
  if (bad !== undefined || keys.length > 2) {
    throw new UsageError(`--group-by "${value}": expected one or two of ${PIVOT_KEYS.join(', ')} separated by a comma${bad !== undefined ? `, got "${bad}"` : ''}`);
  }
  return keys as PivotKey[];
}

function durationArg(flag: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
    if (!m) throw new UsageError(`${flag}: expected a duration such as 30s, 10m, 1h, got "${value}"`);
    const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
    if (ms <= 0) throw new UsageError(`${flag}: expected a duration above zero, got "${value}"`);
    return ms;
  };
}

/** Inputs up to this size (regular files, not compressed) are read without the heap settings. */
const SMALL_INPUT_BYTES = 4 * 1024 * 1024;

/** True when the regular file open as `fd` is gzip by its first bytes (read in place: the offset stays). */
function gzipped(fd: number): boolean {
  const head = Buffer.alloc(2);
  return readSync(fd, head, 0, 2, 0) === 2 && sniffEncoding(head) === 'gzip';
}

/**
 * Tunes the heap unless the input is known to be small: regular files (or stdin redirected from one)
 * of at most 4 MiB together, none gzipped (by name or by its first bytes: a small gzip file may hold
 * many alerts). Pipes, directories and large files get the settings.
 */
async function tuneHeapFor(sources: readonly string[], io: Io): Promise<void> {
  if (!io.tuneHeap) return;
  let total = 0;
  for (const s of sources) {
    try {
      const stdin = s === '-';
      const st = stdin ? (io.stdinKind() === 'file' ? fstatSync(0) : undefined) : statSync(s);
      if (st === undefined || !st.isFile() || /\.gz$/i.test(s)) return await io.tuneHeap();
      total += st.size;
      if (total > SMALL_INPUT_BYTES) break;
      const fd = stdin ? 0 : openSync(s, 'r');
      try {
        if (gzipped(fd)) return await io.tuneHeap();
      } finally {
        if (!stdin) closeSync(fd);
      }
    } catch {
      // A file that cannot be read is reported by the reader; it does not make the input large.
    }
  }
  if (total > SMALL_INPUT_BYTES) await io.tuneHeap();
}

/** Writes a report's pieces to a file as they come, each at once. */
function writePieces(path: string, pieces: Iterable<string>): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of pieces) {
      const bytes = Buffer.from(piece);
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a small text file the user named, as an InputError when it cannot be read. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
  }
}

function nonNegative(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new UsageError(`${flag}: expected a number of seconds (0 or more), got "${value}"`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Decides colour the way people expect: --color/--no-color, then NO_COLOR, FORCE_COLOR, then the TTY. */
export function colorEnabled(flag: boolean | undefined, env: Io['env'], isTTY: boolean): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY;
}

/** Picks the format: --format, else the -o extension, else terminal on a TTY and Markdown elsewhere. */
export function chooseFormat(format: string | undefined, output: string | undefined, stdoutTTY: boolean): Format {
  if (format !== undefined) return format as Format;
  if (output !== undefined) {
    const ext = extname(output).toLowerCase();
    const f = Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext] : undefined;
    if (!f) throw new UsageError(`-o ${output}: cannot tell the format from "${ext || 'no extension'}"; add --format (${FORMATS.join(', ')})`);
    return f;
  }
  return stdoutTTY ? 'terminal' : 'markdown';
}

interface RawAnalyzeOpts {
  format?: string;
  output?: string;
  failOn?: Priority;
  minPriority?: Priority;
  strict?: boolean;
  kb?: string[];
  width?: number;
  color?: boolean;
  maxRecordBytes?: number;
  follow?: boolean;
  foldWindow?: number;
  rule?: string[];
  source?: string[];
  host?: string[];
  namespace?: string[];
  tag?: string[];
  since?: string;
  until?: string;
  where?: string[];
  groupBy?: PivotKey[];
  maxBytes?: number;
  githubSummary?: boolean;
  incidentWindow?: number;
  baseline?: string;
  failOnNew?: Priority;
  suggestExceptions?: boolean;
  redact?: boolean;
}

function analyzeFlags(files: string[], o: RawAnalyzeOpts, io: Io): AnalyzeFlags {
  const sources = files.length > 0 ? files : ['-'];
  if (files.length === 0 && io.stdinKind() === 'tty') {
    throw new UsageError('no input: give alert files, or pipe Falco into it (falco -o json_output=true | falco-report)');
  }
  if (o.follow && sources.includes('-')) throw new UsageError('--follow needs a file to follow, not stdin');
  const format = chooseFormat(o.format, o.output, Boolean(io.stdout.isTTY));
  if (o.maxBytes !== undefined && format !== 'markdown' && !o.githubSummary) throw new UsageError(`--max-bytes applies to the markdown format, not ${format}`);
  if (o.suggestExceptions && (o.follow || (sources.includes('-') && io.stdinKind() === 'stream'))) {
    throw new UsageError('--suggest-exceptions reads the alerts twice (incidents first): give files, not a pipe or --follow');
  }
  if (o.failOnNew && o.baseline === undefined) throw new UsageError('--fail-on-new needs --baseline REPORT.json to tell what is new');
  if (o.githubSummary && !io.env.GITHUB_STEP_SUMMARY) throw new UsageError('--github-summary needs GITHUB_STEP_SUMMARY (set by GitHub Actions) to name the summary file');
  const colorTarget = o.output === undefined && Boolean(io.stdout.isTTY);
  return {
    sources,
    format,
    ...(o.output !== undefined ? { output: o.output } : {}),
    ...(o.failOn ? { failOn: o.failOn } : {}),
    ...(o.minPriority ? { minPriority: o.minPriority } : {}),
    strict: Boolean(o.strict),
    kb: o.kb ?? [],
    width: o.width ?? Math.min(io.stdout.columns ?? 100, 160),
    color: colorEnabled(o.color, io.env, colorTarget),
    maxRecordBytes: o.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    follow: Boolean(o.follow),
    foldWindowMs: (o.foldWindow ?? 5) * 1000,
    filter: {
      rules: o.rule ?? [],
      sources: o.source ?? [],
      hosts: o.host ?? [],
      namespaces: o.namespace ?? [],
      tags: o.tag ?? [],
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(o.until !== undefined ? { until: o.until } : {}),
      where: o.where ?? [],
    },
    groupBy: o.groupBy ?? ['rule'],
    ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}),
    githubSummary: Boolean(o.githubSummary),
    incidentWindowMs: o.incidentWindow ?? 10 * 60 * 1000,
    ...(o.baseline !== undefined ? { baseline: o.baseline } : {}),
    ...(o.failOnNew ? { failOnNew: o.failOnNew } : {}),
    suggestExceptions: Boolean(o.suggestExceptions),
    redact: Boolean(o.redact),
  };
}

/**
 * The exit code a finished report earns: 2 untrustworthy, 1 findings at or above --fail-on (or new
 * signatures at or above --fail-on-new), else 0.
 */
export async function exitCodeFor(report: Report, flags: Pick<AnalyzeFlags, 'failOn' | 'strict' | 'failOnNew'>): Promise<0 | 1 | 2> {
  if (flags.strict && report.input.rejected > 0) return 2;
  const threshold = flags.failOn;
  if (threshold && PRIORITIES.some((p) => atOrAbove(p, threshold) && report.totals.byPriority[p] > 0)) return 1;
  if (flags.failOnNew && report.baseline) {
    const { newAtOrAbove } = await import('./aggregate/baseline.js');
    if (newAtOrAbove(report.baseline, flags.failOnNew) > 0) return 1;
  }
  return 0;
}

/** True when no filter flag was given: then the filter module is not even loaded. */
function noFilter(spec: FilterSpec): boolean {
  return spec.rules.length + spec.sources.length + spec.hosts.length + spec.namespaces.length + spec.tags.length + spec.where.length === 0 && spec.since === undefined && spec.until === undefined;
}

/** Live mode: stdin that is a pipe (not a file), or --follow. Cards are written as alerts arrive. */
function isLive(flags: AnalyzeFlags, io: Io): boolean {
  return flags.follow || (flags.sources.includes('-') && io.stdinKind() === 'stream');
}

/**
 * The bytes the reader will read, when known: every source a regular file (stdin redirected from one
 * included), counted as stored, since progress counts bytes before gzip or UTF-16 decoding.
 */
async function inputBytes(sources: readonly string[], io: Io): Promise<number | undefined> {
  try {
    let total = 0;
    const { resolveSources } = await import('./input/sources.js');
    for (const s of await resolveSources(sources)) {
      if (s.kind === 'stdin') {
        if (io.stdinKind() !== 'file') return undefined;
        total += fstatSync(0).size;
      } else if (s.regular) total += statSync(s.path).size;
      else return undefined;
    }
    return total;
  } catch {
    // A source that cannot be read is reported by the reader; progress just goes without a total.
    return undefined;
  }
}

/** Seconds as `45s`, `4m05s` or `2h07m`. */
function duration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The progress line: bytes read (of the total and the share, when known), records, rate, time left. */
export function progressLine(bytes: number, total: number | undefined, records: number, secs: number): string {
  const mib = (n: number): string => (n / 1048576).toFixed(1);
  const rate = bytes / Math.max(secs, 0.001);
  const known = total !== undefined && total > 0 && bytes <= total;
  const read = known ? `${mib(bytes)} of ${mib(total)} MiB (${Math.floor((100 * bytes) / total)}%)` : `${mib(bytes)} MiB`;
  const left = known && rate > 0 ? `, ${duration((total - bytes) / rate)} left` : '';
  return `falco-report: ${read}, ${records.toLocaleString('en-US')} records, ${mib(rate)} MiB/s${left}`;
}

/** What the reader and the warnings tell the progress line. */
interface Progress {
  onBytes(n: number): void;
  onRecords(n: number): void;
  /** Takes the line away (before a warning); the next redraw puts it back. */
  clear(): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { onBytes: () => undefined, onRecords: () => undefined, clear: () => undefined, stop: () => undefined };

/**
 * Progress on stderr for long file reads, only when stderr is a terminal; never in the report. The
 * line is redrawn in place twice a second, cut to the terminal's width, and cleared at the end.
 */
function progressMeter(io: Io, sources: readonly string[]): Progress {
  if (!io.stderr.isTTY) return NO_PROGRESS;
  const start = io.now();
  let bytes = 0;
  let records = 0;
  let total: number | undefined;
  void inputBytes(sources, io).then((t) => (total = t));
  let shown = false;
  const timer = setInterval(() => {
    const line = progressLine(bytes, total, records, (io.now() - start) / 1000);
    const cols = io.stderr.columns;
    io.stderr.write(`\r\x1b[2K${cols !== undefined && cols > 1 ? line.slice(0, cols - 1) : line}`);
    shown = true;
  }, io.progressEveryMs ?? 500);
  timer.unref();
  return {
    onBytes: (n) => {
      bytes += n;
    },
    onRecords: (n) => {
      records += n;
    },
    clear: () => {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
    stop: () => {
      clearInterval(timer);
      if (shown) io.stderr.write('\r\x1b[2K');
    },
  };
}

async function runAnalyze(flags: AnalyzeFlags, io: Io): Promise<number> {
  const live = isLive(flags, io);
  // Only what this run needs is loaded: start-up is most of the time of a small report.
  const [{ analyze }, { loadKnowledgeBase }, renderers, filter] = await Promise.all([
    import('./run.js'),
    import('./kb/knowledge-base.js'),
    formats[flags.format](live),
    noFilter(flags.filter) ? undefined : import('./filter/filters.js').then((f) => f.compileFilter(flags.filter, io.now())),
  ]);
  for (const w of filter?.warnings ?? []) io.stderr.write(`falco-report: warning: ${w}\n`);
  const { createLiveOutput } = live || renderers.streams ? await import('./live.js') : { createLiveOutput: undefined };
  const baseline = flags.baseline !== undefined ? (await import('./aggregate/baseline-file.js')).readBaseline(readText(flags.baseline), flags.baseline) : undefined;
  const kb = await loadKnowledgeBase(flags.kb);
  await tuneHeapFor(flags.sources, io);
  const view = {
    version: toolVersion(),
    width: flags.width,
    color: flags.color,
    ...(flags.suggestExceptions ? { exceptions: (await import('./tune/render-exceptions.js')).renderRuleExceptions } : {}),
  };
  const redact = flags.redact
    ? await Promise.all([import('./alert/redact-alert.js'), import('./escape/redact.js')]).then(([a, t]) => ({ alert: a.redactAlert, text: t.redactText }))
    : undefined;
  let tuning: { add(e: EnrichedAlert): void; finish(): TuneResult } | undefined;
  if (flags.suggestExceptions) {
    // Tuples that cover alerts of high-risk incidents are refused, as in `tune`: a first read finds them.
    const [{ riskyAlerts }, { enrichedAlerts }, { createTuneCollector }] = await Promise.all([import('./tune/tune-command.js'), import('./tune/index.js'), import('./tune/suggest.js')]);
    const isRisky = await riskyAlerts(enrichedAlerts(flags.sources, kb, io.stdin, { maxRecordBytes: flags.maxRecordBytes }), flags.incidentWindowMs);
    tuning = createTuneCollector({ isRisky });
  }
  const controller = new AbortController();
  let stdoutGone = false;
  // `falco-report | head`: the reader went away; stop quietly instead of dying on EPIPE.
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') {
      stdoutGone = true;
      controller.abort();
    } else throw err;
  };
  if (flags.output === undefined) io.stdout.on('error', onStdoutError);
  const out = (text: string): void => {
    if (!stdoutGone && text !== '') io.stdout.write(text);
  };
  const stopSignals = io.onSignal(() => controller.abort());
  const liveOut = createLiveOutput?.(renderers, view, flags.output === undefined ? out : () => undefined, flags.foldWindowMs, io.now);
  const ticker = liveOut && flags.foldWindowMs > 0 ? setInterval(() => liveOut.tick(), flags.foldWindowMs) : undefined;
  ticker?.unref();
  const progress = live ? NO_PROGRESS : progressMeter(io, flags.sources);
  let warned = 0;
  const onReject = (r: Reject): void => {
    warned++;
    if (warned > WARN_LIMIT) return;
    // A progress line on the terminal is taken away first, so that the warning starts a line of its own.
    progress.clear();
    io.stderr.write(`falco-report: warning: ${r.file}:${r.line}: ${r.reason}\n`);
  };
  let report;
  try {
    report = await analyze(
      { sources: flags.sources, maxRecordBytes: flags.maxRecordBytes, follow: flags.follow, signal: controller.signal, ...(filter ? { filter } : {}), groupBy: flags.groupBy, incidentWindowMs: flags.incidentWindowMs, ...(baseline ? { baseline } : {}), ...(tuning ? { tuning } : {}), ...(redact ? { redact } : {}), ...(flags.minPriority ? { minPriority: flags.minPriority } : {}) },
      kb,
      io.stdin,
      { onReject, onBytes: progress.onBytes, onRecords: progress.onRecords, ...(liveOut ? { onAlert: (e) => liveOut.onAlert(e) } : {}) },
    );
  } finally {
    stopSignals();
    progress.stop();
    if (ticker) clearInterval(ticker);
    // After Ctrl-C the stdin read may still be pending: end it so the process can exit.
    if (controller.signal.aborted) io.stdin.destroy?.();
  }
  liveOut?.finish();
  if (warned > WARN_LIMIT) io.stderr.write(`falco-report: warning: ${warned - WARN_LIMIT} more rejected records not shown (${warned} in all; --format json lists them)\n`);
  // The report in pieces where its format has them (JSON), so that a large one never exists as one string.
  const whole = (): Iterable<string> => (renderers.reportChunks ? batched(renderers.reportChunks(report, view)) : [renderers.report(report, view)]);
  if (flags.githubSummary) {
    // The step summary gets the Markdown report within what is left of GitHub's 1 MiB; stdout gets
    // one annotation per rule, which GitHub shows on the run. -o still writes the chosen format.
    const [{ renderMarkdownWithin }, gh] = await Promise.all([import('./render/markdown.js'), import('./render/github.js')]);
    const file = io.env.GITHUB_STEP_SUMMARY as string;
    const used = existsSync(file) ? statSync(file).size : 0;
    const room = Math.min(flags.maxBytes ?? gh.GITHUB_SUMMARY_LIMIT, gh.GITHUB_SUMMARY_LIMIT - used);
    if (room > 0) appendFileSync(file, renderMarkdownWithin(report, view, room));
    else io.stderr.write('falco-report: warning: GITHUB_STEP_SUMMARY already holds 1 MiB; the report was not added\n');
    if (flags.output !== undefined) writePieces(flags.output, whole());
    await write(io.stdout, gh.annotations(report).map((l) => `${l}\n`).join(''));
    return await exitCodeFor(report, flags);
  }
  // --max-bytes cuts a Markdown report as a whole.
  let pieces: Iterable<string>;
  if (flags.maxBytes !== undefined && flags.format === 'markdown') {
    const { renderMarkdownWithin } = await import('./render/markdown.js');
    pieces = [renderMarkdownWithin(report, view, flags.maxBytes)];
  } else pieces = whole();
  if (flags.output !== undefined) writePieces(flags.output, pieces);
  else if (!stdoutGone) {
    let first = true;
    for (const piece of pieces) {
      if (first && live && piece !== '' && flags.format !== 'json') out('\n');
      first = false;
      if (stdoutGone) break;
      await write(io.stdout, piece);
    }
  }
  if (flags.strict && report.input.rejected > 0) io.stderr.write(`falco-report: error: ${report.input.rejected} records rejected and --strict is set\n`);
  return await exitCodeFor(report, flags);
}

function addAnalyzeOptions(cmd: Command): Command {
  return cmd
    .argument('[files...]', 'alert files, directories or .gz files; "-" or nothing reads stdin')
    .addOption(new Option('-f, --format <format>', 'report format (default: terminal on a TTY, else markdown; or from -o)').choices(FORMATS))
    .option('-o, --output <file>', 'write the report to a file; the format follows its extension (.md, .json, .ndjson, .txt)')
    .option('--fail-on <priority>', 'exit 1 when any alert is at or above this priority', priorityArg)
    .option('--min-priority <priority>', 'leave alerts below this priority out of the report and the --fail-on gate', priorityArg)
    .option('--rule <glob>', 'only alerts of rules matching this glob (repeatable: any may match)', collect)
    .option('--source <name>', 'only alerts of this event source: syscall, k8s_audit, aws_cloudtrail, ... (repeatable)', collect)
    .option('--host <glob>', 'only alerts from hosts matching this glob (repeatable)', collect)
    .option('--namespace <glob>', 'only alerts from Kubernetes namespaces matching this glob (repeatable)', collect)
    .option('--tag <tag>', 'only alerts carrying this rule tag (repeatable: any may match)', collect)
    .option('--since <time>', 'only alerts at or after this time: RFC 3339, or a duration ago such as 30m, 2h, 7d')
    .option('--until <time>', 'only alerts before this time: RFC 3339, or a duration ago')
    .option('--where <cond>', 'only alerts where FIELD=V, FIELD!=V, FIELD~=REGEX, FIELD^=PREFIX, FIELD$=SUFFIX or FIELD*=TEXT holds (repeatable: all must hold; a missing field never holds)', collect)
    .option('--group-by <keys>', `pivot the report: ${PIVOT_KEYS.join('|')}; two keys separated by a comma give a nested breakdown (default rule)`, groupByArg)
    .option('--strict', 'exit 2 when any record is rejected')
    .option('--incident-window <duration>', 'alerts of one workload this close together form an incident: 30s, 10m, 1h (default 10m)', durationArg('--incident-window'))
    .option('--baseline <report.json>', 'compare with an earlier --format json report: mark rules and signatures new, known or gone')
    .option('--fail-on-new <priority>', 'with --baseline: exit 1 only for new signatures at or above this priority', priorityArg)
    .option('--redact', 'mask secrets (keys, tokens, passwords, private keys) in every output, keeping their first 4 characters')
    .option('--suggest-exceptions', 'show under each rule the Falco exception `tune` would suggest for it (reads the files twice)')
    .option('--max-bytes <n>', 'keep the Markdown report under N bytes by collapsing detail (it says what it cut)', positiveInt('--max-bytes'))
    .option('--github-summary', 'append the Markdown report to $GITHUB_STEP_SUMMARY (within 1 MiB) and print one ::error/::warning/::notice annotation per rule on stdout')
    .option('--kb <dir>', 'add a knowledge-base directory (repeatable; its entries override built-in ones)', collect)
    .option('--width <columns>', 'terminal width for the terminal format', positiveInt('--width'))
    .option('--color', 'force colour in the terminal format')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .option('--max-record-bytes <n>', 'reject records larger than this (default 1048576)', positiveInt('--max-record-bytes'))
    .option('--follow', 'keep reading a file as it grows, like tail -f')
    .option('--fold-window <seconds>', 'live mode: fold repeats of one rule in one workload within this many seconds (0: never fold; default 5)', nonNegative('--fold-window'));
}

/** Builds the commander program; actions store their exit code in `state`. */
function program(io: Io, state: { code: number }): Command {
  const p = new Command('falco-report')
    .description('Turn Falco alerts into triage: what happened, where, who, why it matters, what to run next.')
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError('(run falco-report --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const analyze = addAnalyzeOptions(
    p.command('analyze', { isDefault: true }).description('read Falco alerts and print a triage report (the default command)'),
  );
  analyze.action(async (files: string[], o: RawAnalyzeOpts) => {
    state.code = await runAnalyze(analyzeFlags(files, o, io), io);
  });

  p.command('tune')
    .description('write a Falco rules file with narrow exceptions for the benign noise in these alerts, with the evidence for each')
    .argument('[files...]', 'alert files (every format analyze reads); "-" or nothing reads stdin')
    .option('-o, --output <file>', 'write the rules file here instead of stdout')
    .option('--falco-version <version>', 'the Falco that loads the file: 0.37 and later get override: {exceptions: append}, older ones append: true (default 0.37)')
    .option('--max-priority <priority>', 'suggest nothing for alerts above this priority (default Warning)', priorityArg)
    .option('--min-count <n>', 'suggest only tuples seen at least this often (default 5)', positiveInt('--min-count'))
    .option('--max-rows <n>', 'value rows per exception at most (default 50)', positiveInt('--max-rows'))
    .option('--allow-tactic <tactic>', 'also tune rules whose ATT&CK tactic is this one (default: execution only; repeatable)', collect)
    .option('--check', 'evaluate the generated exceptions against the same alerts and print, on stderr, how many each silences and how many remain per rule')
    .option('--kb <dir>', 'add a knowledge-base directory (repeatable)', collect)
    .option('--incident-window <duration>', 'window of the incidents whose alerts are never silenced (default 10m)', durationArg('--incident-window'))
    .option('--max-record-bytes <n>', 'reject records larger than this (default 1048576)', positiveInt('--max-record-bytes'))
    .action(async (files: string[], o: { output?: string; falcoVersion?: string; maxPriority?: Priority; minCount?: number; maxRows?: number; allowTactic?: string[]; check?: boolean; kb?: string[]; incidentWindow?: number; maxRecordBytes?: number }) => {
      if (files.length === 0 && io.stdinKind() === 'tty') throw new UsageError('no input: give alert files, or pipe alerts into it');
      const tactics = (o.allowTactic ?? []).map((t) => t.trim().toLowerCase());
      const bad = tactics.find((t) => !(TACTICS as readonly string[]).includes(t));
      if (bad !== undefined) throw new UsageError(`--allow-tactic "${bad}": expected one of ${TACTICS.join(', ')}`);
      const [{ tune }, { loadKnowledgeBase }] = await Promise.all([import('./tune/tune-command.js'), import('./kb/knowledge-base.js')]);
      const kbase = await loadKnowledgeBase(o.kb ?? []);
      await tuneHeapFor(files.length > 0 ? files : ['-'], io);
      let warned = 0;
      const out = await tune(
        {
          sources: files.length > 0 ? files : ['-'],
          ...(o.output !== undefined ? { output: o.output } : {}),
          ...(o.falcoVersion !== undefined ? { falcoVersion: o.falcoVersion } : {}),
          ...(o.maxPriority ? { maxPriority: o.maxPriority } : {}),
          ...(o.minCount !== undefined ? { minCount: o.minCount } : {}),
          ...(o.maxRows !== undefined ? { maxRows: o.maxRows } : {}),
          allowTactics: tactics as Tactic[],
          check: Boolean(o.check),
          maxRecordBytes: o.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
          incidentWindowMs: o.incidentWindow ?? 10 * 60 * 1000,
        },
        kbase,
        io.stdin,
        (r) => {
          warned++;
          if (warned <= WARN_LIMIT) io.stderr.write(`falco-report: warning: ${r.file}:${r.line}: ${r.reason}\n`);
        },
      );
      if (warned > WARN_LIMIT) io.stderr.write(`falco-report: warning: ${warned - WARN_LIMIT} more rejected records not shown (${warned} in all)\n`);
      const yaml = out.yaml.endsWith('\n') ? out.yaml : `${out.yaml}\n`;
      if (o.output !== undefined) writeFileSync(o.output, yaml);
      else await write(io.stdout, yaml);
      if (out.check) io.stderr.write(out.check.endsWith('\n') ? out.check : `${out.check}\n`);
      state.code = 0;
    });

  const kb = p.command('kb').description('inspect and check knowledge-base catalogues');
  kb.command('list')
    .description('list the entries: rule, source, priority, maturity, ATT&CK ids')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--kb <dir>', 'add a knowledge-base directory (repeatable)', collect)
    .action(async (o: { format: string; kb?: string[] }) => {
      const { kbList } = await import('./kb/kb-commands.js');
      state.code = await kbList(o.kb ?? [], o.format === 'json', io);
    });
  kb.command('show')
    .description('show one entry as a report shows it, with unfilled placeholders')
    .argument('<rule>', 'rule name or alias')
    .option('--kb <dir>', 'add a knowledge-base directory (repeatable)', collect)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['terminal', 'markdown']))
    .option('--width <columns>', 'terminal width', positiveInt('--width'))
    .action(async (rule: string, o: { kb?: string[]; format?: string; width?: number }) => {
      const { kbShow } = await import('./kb/kb-commands.js');
      const format = (o.format ?? (io.stdout.isTTY ? 'terminal' : 'markdown')) as 'terminal' | 'markdown';
      state.code = await kbShow(rule, o.kb ?? [], format, { width: o.width ?? io.stdout.columns ?? 100, color: colorEnabled(undefined, io.env, Boolean(io.stdout.isTTY)) }, io);
    });
  kb.command('validate')
    .description('check a knowledge-base directory: every problem with file:line (exit 2 on any)')
    .argument('[dirs...]', 'directories to check (default: the built-in rules-kb)')
    .action(async (dirs: string[]) => {
      const { kbValidate } = await import('./kb/kb-commands.js');
      state.code = await kbValidate(dirs, io);
    });
  kb.command('coverage')
    .description('list the rules of Falco rules files that have no entry (exit 1 when some are missing)')
    .argument('<files...>', 'Falco rules files (YAML)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--kb <dir>', 'add a knowledge-base directory (repeatable)', collect)
    .action(async (files: string[], o: { format: string; kb?: string[] }) => {
      const { kbCoverage } = await import('./kb/kb-commands.js');
      state.code = await kbCoverage(files, o.kb ?? [], o.format === 'json', io);
    });
  return p;
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const state = { code: 0 };
  try {
    await program(io, state).parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help that was asked for and the version exit 0; every usage error is 2, never commander's 1 (a
      // command given without its subcommand, `kb` alone, prints help as an error: exit code 1 from commander).
      const asked = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      return asked && err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof KbError) {
      for (const p of err.problems) io.stderr.write(`falco-report: ${formatProblem(p)}\n`);
      io.stderr.write(`falco-report: error: ${err.message}\n`);
      return 2;
    }
    if (isKnownError(err)) {
      io.stderr.write(`falco-report: error: ${err.message}\n`);
      if (err instanceof UsageError) io.stderr.write('(run falco-report --help for usage)\n');
      return 2;
    }
    const e = err as Error;
    io.stderr.write(`falco-report ${toolVersion()}: internal error (a bug; please report it with this text)\n${e?.stack ?? String(err)}\n`);
    return 2;
  }
}
