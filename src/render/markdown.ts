// The Markdown report (GitHub-flavoured): readable raw and rendered; every alert value goes through mdText/mdCode.
import type { Counted } from '../aggregate/top-k.js';
import type { Alert } from '../alert/alert.js';
import { LIMITS, type Report, type RuleGroup } from '../aggregate/aggregate.js';
import type { Incident, Workload } from '../aggregate/incidents.js';
import { describeWorkload } from '../alert/place.js';
import type { RuleTuning } from '../tune/suggest.js';
import type { Pivot, PivotKey, PivotRow } from '../aggregate/pivot.js';
import { CONTEXT_KEYS, contextValue, type ContextKey } from '../alert/context.js';
import { fieldMeaning } from '../alert/field-meanings.js';
import { fieldText, lookupValue, ownField } from '../alert/field-values.js';
import { PRIORITIES } from '../alert/priority.js';
import { fillSteps } from '../enrich/enrich.js';
import { reachesUntil, stepLookBack } from '../enrich/look-back.js';
import { BUILT_IN } from '../kb/knowledge-base.js';
import { fieldType, TYPE_FORMS, type Withheld } from '../enrich/fill-template.js';
import { htmlText, mdCode, mdFence, mdText } from '../escape/markdown.js';
import { terminalSafe } from '../escape/terminal.js';
import type { KbEntry } from '../kb/load-kb.js';
import type { KbCommand } from '../kb/schema.js';
import type { Match } from '../kb/match-entry.js';

/** Options every renderer receives; display-only, they never change the exit code. */
export interface RenderOptions {
  readonly version: string;
  readonly width: number;
  readonly color: boolean;
  /** Markdown only: how much detail to keep (see DETAIL_LEVELS); 0, the default, keeps everything. */
  readonly detail?: number;
  /**
   * For the terminal, where every column counts: times in tables are cut to what differs within the
   * report's time range (given whole in the summary), first and last seen share a column, and where
   * each rule fired is a list.
   */
  readonly compact?: boolean;
  /**
   * With --suggest-exceptions (a report with `tuning`): writes a rule's suggested exception as Falco
   * YAML (tune/render-exceptions.ts, which the CLI loads only then).
   */
  readonly exceptions?: (t: RuleTuning) => string;
}

/** A rule's suggested exception: what tune found, and its YAML. */
interface Suggested {
  readonly t: RuleTuning;
  readonly yaml: string;
}

/** The suggested exceptions of a report, by rule. */
function suggestedByRule(r: Report, opts: RenderOptions): Map<string, Suggested> {
  const rules = r.tuning?.rules ?? [];
  const write = opts.exceptions;
  if (rules.length === 0) return new Map();
  if (!write) throw new Error('renderMarkdown: a report with suggested exceptions needs opts.exceptions');
  return new Map(rules.map((t) => [t.rule, { t, yaml: write(t) }]));
}

/** How the tables of one report write times and KB matches. */
interface TableStyle {
  readonly compact: boolean;
  readonly time: (t: string | undefined) => string;
  /** The header cells of when something was first and last seen, and their cells for one row. */
  readonly seenHead: readonly string[];
  readonly seen: (first: string | undefined, last: string | undefined) => string[];
  readonly match: (g: RuleGroup) => string;
}

/** A full UTC time as the report holds it, in parts: year, month-day, time of day, milliseconds. */
const UTC_TIME = /^(\d{4})-(\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d{3})?\d*Z$/;

/**
 * Table times written short: the time of day with milliseconds when the whole range is one UTC day,
 * else month, day and time when it is one year, else the date and time. Anything else stays whole.
 */
export function shortTime(range: { readonly first: string; readonly last: string } | undefined): (t: string) => string {
  const a = range ? UTC_TIME.exec(range.first) : null;
  const b = range ? UTC_TIME.exec(range.last) : null;
  const year = a && b && a[1] === b[1] ? a[1] : undefined;
  const day = year !== undefined && a && b && a[2] === b[2] ? a[2] : undefined;
  return (t) => {
    const m = UTC_TIME.exec(t);
    if (!m) return t;
    if (day !== undefined && m[1] === year && m[2] === day) return `${m[3]}${m[4] ?? ''}`;
    if (year !== undefined && m[1] === year) return `${m[2]} ${m[3]}`;
    return `${m[1]}-${m[2]} ${m[3]}`;
  };
}

function tableStyle(r: Report, compact: boolean): TableStyle {
  const short = compact ? shortTime(r.timeRange) : (t: string) => t;
  const time = (t: string | undefined): string => (t === undefined ? '_unknown_' : short(t));
  return {
    compact,
    time,
    // One column in the terminal: the two times then wrap as one cell instead of taking two whole columns.
    seenHead: compact ? ['Seen'] : ['First seen', 'Last seen'],
    seen: (first, last) => {
      const [a, b] = [time(first), time(last)];
      return !compact ? [a, b] : a === b ? [a] : [`${a} to ${b}`];
    },
    // An exact match is the rule's own entry: its name is in the Rule column already.
    match: (g) => (!g.match.entry ? 'none' : g.match.how === 'exact' ? 'exact' : `${g.match.how}: ${mdText(g.match.entry.rule)}`),
  };
}

/**
 * What each level of --max-bytes collapsing drops, most detail first. A level keeps everything the
 * next one cuts, so the first that fits is the most detailed report under the limit.
 */
export const DETAIL_LEVELS = [
  { detailsFor: Infinity, collapse: false, fields: true, harden: true, rulesRows: Infinity },
  { detailsFor: Infinity, collapse: true, fields: false, harden: false, rulesRows: Infinity },
  { detailsFor: 25, collapse: true, fields: false, harden: false, rulesRows: 200 },
  { detailsFor: 5, collapse: true, fields: false, harden: false, rulesRows: 50 },
  { detailsFor: 0, collapse: true, fields: false, harden: false, rulesRows: 20 },
] as const;
type Detail = (typeof DETAIL_LEVELS)[number];

const PLURALS: Readonly<Record<ContextKey, string>> = {
  host: 'hosts',
  namespace: 'namespaces',
  pod: 'pods',
  container: 'containers',
  image: 'images',
  process: 'processes',
  user: 'users',
};

/** 1234567 → "1,234,567", as toLocaleString('en-US') writes it, without the ~20 ms ICU start-up of the first call. */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

const LIMIT_EXACT = groupDigits(LIMITS.fieldsExactUpTo);
const LIMIT_EVERY = LIMITS.fieldSampleEvery;

const LABELS: Readonly<Record<ContextKey, string>> = {
  host: 'Host',
  namespace: 'Namespace',
  pod: 'Pod',
  container: 'Container',
  image: 'Image',
  process: 'Process',
  user: 'User',
};

/** KB text is ours (or the user's own catalogue): markup is allowed, terminal escapes are not. */
function kbText(s: string): string {
  return s
    .split('\n')
    .map((l) => terminalSafe(l))
    .join('\n')
    .trim();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function counted(list: readonly Counted[], total?: number): string {
  if (list.length === 0) return '_unknown_';
  const only = list[0];
  if (list.length === 1 && only && only.count === total) return mdText(only.value);
  return list.map((c) => `${mdText(c.value)} (${c.count})`).join(', ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

/** How the entry was chosen, in one sentence. */
export function describeMatch(m: Match): string {
  const e = m.entry;
  if (!e) return 'No knowledge-base entry applies to this rule or its source.';
  const where = `${e.origin === BUILT_IN ? BUILT_IN : `from ${mdText(e.origin)}`}, ${mdText(e.file)}`;
  switch (m.how) {
    case 'exact':
      return `Knowledge-base entry **${mdText(e.rule)}** (${where}), matched by rule name.`;
    case 'alias':
      return `Knowledge-base entry **${mdText(e.rule)}** (${where}), matched by an alias of the rule name.`;
    case 'similar':
      return `No entry has this rule's name: the closest entry is **${mdText(e.rule)}** (${where}), matched by ${mdText(m.signals.join('; '))} (score ${m.score}, ${m.confidence} confidence).`;
    case 'generic':
      return `No entry has this rule's name or is close enough: showing the generic entry **${mdText(e.rule)}** (${where}), chosen by ${mdText(m.signals.join('; '))}.`;
    case 'none':
      return 'No knowledge-base entry applies.';
  }
}

function summaryTable(g: RuleGroup): string {
  const a = g.sample;
  const rows: string[][] = [
    ['Rule', mdText(g.rule)],
    ['Priority', g.count > 1 ? Object.entries(g.byPriority).map(([p, n]) => `${p} (${n})`).join(', ') : a.priority],
  ];
  const when = a.time ?? (a.timeOfDay ? `${a.timeOfDay} (date not in the alert)` : undefined);
  const span =
    g.firstSeen === undefined && g.firstTimeOfDay !== undefined
      ? `${g.firstTimeOfDay} to ${g.lastTimeOfDay ?? g.firstTimeOfDay} (no date)`
      : `${g.firstSeen ?? 'unknown'} to ${g.lastSeen ?? 'unknown'}`;
  if (g.count > 1) rows.push(['Seen', `${g.count} times, ${span}`]);
  else rows.push(['When', when ? mdText(when) : '_unknown: the alert has no time_']);
  rows.push(['Source', mdText(g.sources.join(', '))]);
  // Workload rows say "unknown" for syscall alerts, where their absence is worth noticing;
  // audit and cloud sources never carry containers or processes, so those rows are left out.
  const workload = g.sources.includes('syscall');
  for (const k of CONTEXT_KEYS) {
    const known = g.top[k].length > 0;
    if (!known && !workload && k !== 'host' && k !== 'user') continue;
    if (g.count > 1) rows.push([LABELS[k], counted(g.top[k], g.count)]);
    else {
      const v = contextValue(a, k);
      rows.push([LABELS[k], v === undefined ? '_unknown_' : mdText(v)]);
    }
  }
  const cmd = lookupValue(a, 'proc.cmdline');
  if (cmd !== undefined) rows.push(['Command line', mdCode(cmd, true)]);
  const parent = lookupValue(a, 'proc.pcmdline') ?? lookupValue(a, 'proc.pname');
  if (parent !== undefined) {
    const chain = [parent, ...[2, 3, 4].map((n) => lookupValue(a, `proc.aname[${n}]`)).filter((x): x is string => x !== undefined)];
    rows.push(['Parent', chain.map((c) => mdCode(c, true)).join(' ← ')]);
  }
  if (a.output !== undefined && g.count === 1) rows.push(['Output', mdText(a.output)]);
  return table(['', g.count > 1 ? `${g.count} alerts` : 'This alert'], rows);
}

function fieldsTable(g: RuleGroup): string {
  if (g.fields.length === 0) return '_The alert carries no output fields._';
  const rows = g.fields.map((f) => {
    let value: string;
    if (g.count === 1) {
      const v = fieldText(ownField(g.sample.fields, f.name));
      value = v === undefined ? '_unknown_' : mdCode(v, true);
    } else {
      const known = f.top.map((c) => `${mdCode(c.value, true)} (${c.count})`).join(', ');
      const more = f.distinct > f.top.length ? `, ${f.distinct - f.top.length} more` : '';
      value = `${known}${more}${f.unknown > 0 ? `${known ? '; ' : ''}unknown (${f.unknown})` : ''}` || '_unknown_';
    }
    return [mdCode(f.name, true), value, mdText(fieldMeaning(f.name) ?? 'Not a field this tool knows.')];
  });
  const note = g.fieldsCounted < g.count ? `\n\n_Values counted for the first ${LIMIT_EXACT} alerts and 1 in ${LIMIT_EVERY} after (${g.fieldsCounted} of ${g.count})._` : '';
  return table(['Field', g.count === 1 ? 'Value' : 'Values (count)', 'Meaning'], rows) + note;
}

function hints(g: RuleGroup, entry: KbEntry | undefined): string[] {
  const out: string[] = [];
  for (const b of g.benign) {
    const pattern = entry?.benign.find((p) => p.pattern === b.value);
    out.push(`- Likely benign: **${kbText(b.value)}** (${b.count} of ${g.count}). ${pattern ? kbText(pattern.explain) : ''}`.trimEnd());
  }
  const missing = CONTEXT_KEYS.filter((k) => g.top[k].length === 0 && (k !== 'namespace' && k !== 'pod' ? true : g.top.container.length > 0));
  if (missing.length > 0 && g.sources.includes('syscall')) {
    out.push(`- Missing context: ${missing.map((k) => LABELS[k].toLowerCase()).join(', ')} not in the alert; commands that need them show \`<field>\` placeholders.`);
  }
  const unknowns = g.fields.filter((f) => f.unknown > 0).map((f) => f.name);
  if (unknowns.length > 0) out.push(`- Falco did not know: ${unknowns.map((n) => mdCode(n)).join(', ')} (null or <NA> in the alert).`);
  if (g.fromText > 0) out.push(`- ${plural(g.fromText, 'alert')} read from plain-text output: only the time, priority, message and the values the message prints are known.`);
  return out;
}

/** Why a value was left out of a command, as the end of a sentence about it. */
function whyWithheld(w: Withheld): string {
  switch (w.reason) {
    case 'option':
      if (w.value.startsWith('-')) return 'starts with `-`, and the command would take it for an option';
      return 'is cut by the command (`${v#...}`, `${v%...}`) to a part that starts with `-`, which it would take for an option';
    case 'type':
      return `is not ${TYPE_FORMS[fieldType(w.name) ?? '']?.words ?? 'of its type'}, which ${mdCode(w.name)} always is`;
    case 'list':
      return 'holds a comma or a blank, and the command would read it as more than one item of a list';
    case 'path':
      return 'holds a `..` component, and appended to the path before it (such as the container\'s root) it would lead out of that path';
    case 'quote':
      return 'holds a `"` or a backslash, and inside the quoted text of the command\'s filter it would end that text, so that the rest of the value would change what the filter selects';
  }
}

/** The note under a step whose command counts back from when it runs, when the alert's time is known. */
function lookBackNote(step: KbCommand, alert: Alert): string | undefined {
  const l = stepLookBack(step);
  if (!l || alert.time === undefined) return undefined;
  const until = reachesUntil(l, alert.timeMs);
  return until !== undefined
    ? `   ${mdCode(l.text)} counts back from when you run the command: it reaches this alert (${alert.time}) only if run before ${until}; later, widen it.`
    : `   ${mdCode(l.text)} starts at midnight of the day you run the command: it reaches this alert (${alert.time}) only on that day (the host's date); later, start it at the alert's date.`;
}

function steps(title: string, list: ReturnType<typeof fillSteps>, alert: Alert): string {
  if (list.length === 0) return '';
  const parts = list.map((s, i) => {
    const flag = s.step.destructive ? ' **(destructive)**' : '';
    const lines = [`${i + 1}. **${kbText(s.step.title)}**${flag}: ${kbText(s.step.explain)}`, '', indent(mdFence(s.command.text, 'sh'))];
    if (s.command.missing.length > 0 && s.step.if_missing) {
      lines.push('', `   The alert lacks ${s.command.missing.map((m) => mdCode(m)).join(', ')}: ${kbText(s.step.if_missing)}`);
    }
    for (const w of s.command.withheld) {
      lines.push('', `   ${mdCode(`<${w.name}>`)} is not filled in: the alert's value, ${mdCode(w.value)}, ${whyWithheld(w)}. Check it before you type it in.`);
    }
    const back = lookBackNote(s.step, alert);
    if (back !== undefined) lines.push('', back);
    return lines.join('\n');
  });
  return `#### ${title}\n\n${parts.join('\n\n')}`;
}

function indent(block: string): string {
  return block
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

/** The KB sections of a report (why, ATT&CK, investigate ... references), filled from one alert. */
function entrySections(entry: KbEntry, alert: Alert, note: string, hintLines: readonly string[]): string[] {
  const out: string[] = ['#### Why it matters', `${kbText(entry.detects)}\n\n${kbText(entry.why)}`];
  if (entry.mitre.length > 0) {
    out.push(
      table(
        ['ATT&CK technique', 'Name', 'Tactic'],
        entry.mitre.map((m) => [`[${m.id}](https://attack.mitre.org/techniques/${m.id.replace('.', '/')}/)`, kbText(m.name), m.tactic]),
      ),
    );
    if (entry.mitre_note) out.push(`_${kbText(entry.mitre_note)}_`);
  }
  if (hintLines.length > 0) out.push('#### Triage hints', hintLines.join('\n'));
  const inv = steps('Investigate', fillSteps(entry.investigate, alert), alert);
  if (inv) out.push(inv + note);
  const rem = steps('Remediate', fillSteps(entry.remediate, alert), alert);
  if (rem) out.push(rem);
  if (entry.harden.length > 0) {
    out.push('#### Harden', entry.harden.map((s) => `**${kbText(s.title)}**${s.explain ? `: ${kbText(s.explain)}` : ''}\n\n${mdFence(s.snippet.trimEnd(), s.lang === 'text' ? '' : s.lang)}`).join('\n\n'));
  }
  const tune: string[] = [];
  if (entry.tuning && (entry.tuning.macros.length > 0 || entry.tuning.lists.length > 0)) {
    const names = [...entry.tuning.macros.map((m) => `macro ${mdCode(m)}`), ...entry.tuning.lists.map((l) => `list ${mdCode(l)}`)];
    tune.push(`- Extend ${names.join(', ')}.${entry.tuning.explain ? ` ${kbText(entry.tuning.explain)}` : ''}`);
  }
  if (entry.exception) {
    tune.push(`- A narrow exception keys on ${entry.exception.fields.map((f) => mdCode(f)).join(' + ')}.${entry.exception.explain ? ` ${kbText(entry.exception.explain)}` : ''}`);
  }
  if (tune.length > 0) out.push('#### Tune', tune.join('\n'));
  out.push('#### References', entry.references.map((r) => `- [${kbText(r.title)}](${r.url})`).join('\n'));
  return out;
}

/** --suggest-exceptions: the exception tune would write for this rule, or why it would not. */
function suggestion(s: Suggested | undefined): string {
  if (!s) return '';
  const { t, yaml } = s;
  const refused = t.refusals.reduce((n, r) => n + r.count, 0);
  const why = [...new Set(t.refusals.flatMap((r) => r.reasons))].slice(0, 5);
  const parts = ['#### Suggested exception'];
  if (yaml) parts.push(`${t.covered} of ${t.total} alerts would be silenced by this exception (review every row; \`falco-report tune\` writes the whole file):`, mdFence(yaml.trimEnd(), 'yaml'));
  else parts.push('_No exception is suggested for this rule._');
  if (refused > 0) parts.push(`Not suggested for ${plural(refused, 'alert')}: ${why.map((w) => mdText(w)).join('; ')}.`);
  return parts.join('\n\n');
}

function groupDetail(g: RuleGroup, n: number, detail: Detail = DETAIL_LEVELS[0], tuning?: Suggested): string {
  const entry = g.match.entry;
  const title = `${n}. ${g.priority}: ${mdText(g.rule)} (${plural(g.count, 'alert')})`;
  const out: string[] = detail.collapse ? [] : [`### ${title}`];
  const summaryTitle = `${n}. ${g.priority}: ${htmlText(g.rule)} (${plural(g.count, 'alert')})`;
  if (entry) out.push(`> ${kbText(entry.summary)}`);
  out.push(describeMatch(g.match));
  out.push('#### Summary', summaryTable(g));
  if (detail.fields) out.push('#### Fields', fieldsTable(g));
  const h = hints(g, entry);
  if (entry) {
    const sections = entrySections(entry, g.sample, g.count > 1 ? '\n\n_Commands are filled from the first alert of the group._' : '', h);
    const harden = sections.indexOf('#### Harden');
    if (!detail.harden && harden >= 0) sections.splice(harden, 2);
    out.push(...sections);
  } else if (h.length > 0) out.push('#### Triage hints', h.join('\n'));
  const sug = suggestion(tuning);
  if (sug) out.push(sug);
  // Collapsed: GitHub renders <details> as a closed section; the blank lines keep the Markdown inside it.
  return detail.collapse ? `<details>\n<summary>${summaryTitle}</summary>\n\n${out.join('\n\n')}\n\n</details>` : out.join('\n\n');
}

/** One KB entry as a report shows it, with `<field>` placeholders where an alert would fill values. */
export function renderEntryMarkdown(entry: KbEntry): string {
  const empty: Alert = { file: '', line: 0, rule: entry.rule, priority: entry.priority, fields: Object.create(null) as Alert['fields'], tags: entry.tags, extra: {}, fromText: false };
  const head = [
    `# ${mdText(entry.rule)}`,
    `> ${kbText(entry.summary)}`,
    table(['', 'Entry'], [
      ['Kind', entry.kind],
      ['Source', mdText(entry.source)],
      ['Priority', entry.priority],
      ['Maturity', entry.maturity],
      ['Enabled by default', entry.enabled_by_default ? 'yes' : 'no'],
      ['Aliases', entry.aliases.length > 0 ? entry.aliases.map((a) => mdText(a)).join(', ') : '_none_'],
      ['Tags', entry.tags.length > 0 ? entry.tags.map((t) => mdText(t)).join(', ') : '_none_'],
      ['From', `${mdText(entry.origin)}, ${mdText(entry.file)}`],
    ]),
  ];
  const benign = entry.benign.map(
    (b) => `- **${kbText(b.pattern)}** when ${b.when.map((c) => `${mdCode(c.field)} ${c.op}${c.value !== undefined ? ` ${mdCode(Array.isArray(c.value) ? c.value.join(', ') : String(c.value))}` : ''}`).join(' and ')}: ${kbText(b.explain)}`,
  );
  const sections = entrySections(entry, empty, '', benign.length > 0 ? ['Benign patterns the tool tests against each alert:', ...benign] : []);
  return `${[...head, ...sections].join('\n\n')}\n`;
}

/** The report's time range; in the terminal one time when it is one, and said to be UTC (the tables' short times are). */
function timeRange(range: { readonly first: string; readonly last: string }, compact: boolean): string {
  if (!compact) return `${range.first} to ${range.last}`;
  return `${range.first === range.last ? range.first : `${range.first} to ${range.last}`} (UTC)`;
}

function overview(r: Report, compact: boolean): string {
  const prios = PRIORITIES.filter((p) => r.totals.byPriority[p] > 0).map((p) => `${r.totals.byPriority[p]} ${p}`);
  const rows: string[][] = [
    ['Alerts', `${r.totals.alerts}${prios.length > 0 ? `: ${prios.join(', ')}` : ''}`],
    ['Time range', r.timeRange ? timeRange(r.timeRange, compact) : '_unknown_'],
    ['Sources', counted(r.sources)],
    ['Hosts', counted(r.hosts)],
    [
      'Input',
      `${plural(r.input.records, 'record')}: ${r.input.accepted} accepted, ${r.input.rejected} rejected, ${r.input.skipped} skipped (not alerts)${r.input.filtered > 0 ? `; ${r.input.filtered} left out by the filters` : ''}`,
    ],
  ];
  if (r.filters.length > 0) rows.push(['Filters', mdText(r.filters.join('; '))]);
  return table(['', 'Summary'], rows);
}

const WHERE_KEYS = ['host', 'namespace', 'pod', 'image', 'process', 'user'] as const;

/** Each rule's top hosts, namespaces, pods, images, processes and users, a column each. */
function whereTable(groups: readonly RuleGroup[]): string {
  return table(
    ['Rule', ...WHERE_KEYS.map((k) => `Top ${PLURALS[k]}`)],
    groups.map((g) => [mdText(g.rule), ...WHERE_KEYS.map((k) => counted(g.top[k].slice(0, 3), g.count))]),
  );
}

/** The same as a list, an item per rule: seven columns of names and ids do not fit a terminal. */
function whereList(groups: readonly RuleGroup[]): string {
  return groups
    .map((g) => {
      const known = WHERE_KEYS.filter((k) => g.top[k].length > 0).map((k) => `${LABELS[k].toLowerCase()} ${counted(g.top[k].slice(0, 3), g.count)}`);
      return `- **${mdText(g.rule)}**: ${known.length > 0 ? known.join('; ') : 'nothing known'}`;
    })
    .join('\n');
}

function rulesTable(r: Report, maxRows: number, style: TableStyle): string {
  const shown = r.groups.slice(0, maxRows);
  const state = r.baseline ? new Map(r.baseline.rules.map((x) => [x.rule, x.state])) : undefined;
  const rules = table(
    ['Priority', 'Rule', 'Alerts', ...style.seenHead, 'KB match', ...(state ? ['Baseline'] : [])],
    shown.map((g) => [
      g.priority,
      mdText(g.rule),
      String(g.count),
      ...seenCells(g, style),
      style.match(g),
      ...(state ? [state.get(g.rule) ?? 'new'] : []),
    ]),
  );
  const where = style.compact ? whereList(shown) : whereTable(shown);
  const more = r.groups.length > shown.length ? `\n\n_${r.groups.length - shown.length} more rules are not listed (--max-bytes)._` : '';
  const said = style.compact ? 'top values, with counts when they differ; unknown ones left out' : 'top values, with counts when they differ';
  return `${rules}${more}\n\n**Where each rule fired** (${said}):\n\n${where}${more}`;
}

const PIVOT_LABELS: Readonly<Record<PivotKey, string>> = { rule: 'Rule', ...LABELS };

function pivotRow(row: PivotRow, first: string, second: string, style: TableStyle): string[] {
  return [
    first,
    second,
    String(row.count),
    PRIORITIES.filter((p) => row.byPriority[p]).map((p) => `${p} ${row.byPriority[p]}`).join(', '),
    ...style.seen(row.firstSeen, row.lastSeen),
    counted(row.topRules),
  ];
}

/** The --group-by section: one row per value, nested rows under it for a second key. */
function pivotSection(p: Pivot, style: TableStyle): string {
  const [k1, k2] = p.by as [PivotKey, PivotKey | undefined];
  const rows: string[][] = [];
  for (const r of p.rows) {
    rows.push(pivotRow(r, `**${mdText(r.value)}**`, '', style));
    for (const s of r.rows ?? []) rows.push(pivotRow(s, '', mdText(s.value), style));
  }
  const head = [PIVOT_LABELS[k1], k2 ? PIVOT_LABELS[k2] : '', 'Alerts', 'Priorities', ...style.seenHead, 'Top rules'];
  const other = p.otherCount > 0 ? `\n\n_${p.otherCount} alerts with values beyond the first 2,000 are not listed._` : '';
  const title = `## By ${PIVOT_LABELS[k1].toLowerCase()}${k2 ? ` and ${PIVOT_LABELS[k2].toLowerCase()}` : ''}`;
  return `${title}\n\n${table(k2 ? head : head.filter((_, i) => i !== 1), k2 ? rows : rows.map((r) => r.filter((_, i) => i !== 1)))}${other}`;
}

function workloadLabel(w: Workload): string {
  return describeWorkload(w, mdText);
}

function dataQuality(r: Report): string {
  const out: string[] = [];
  const q = r.quality;
  for (const d of q.dropWindows) {
    const where = d.workloads.map((w) => `${workloadLabel(w.workload)} (${w.alerts})`).join(', ');
    out.push(
      `- Falco dropped events${d.host ? ` on ${mdText(d.host)}` : ''} from ${d.start} to ${d.end} (${plural(d.drops, 'drop notice')}${d.droppedEvents !== undefined ? `, ${d.droppedEvents} events` : ''}): detections may be missing in that window.${d.alerts > 0 ? ` Workloads with alerts in it: ${where}${d.workloadCount > d.workloads.length ? `, and ${d.workloadCount - d.workloads.length} more` : ''}.` : ' No other alerts fell in it.'}`,
    );
  }
  if (q.dropWindowsOmitted > 0) out.push(`- ${plural(q.dropWindowsOmitted, 'more drop notice')} beyond the windows listed.`);
  if (q.dropsWithoutTime > 0) out.push(`- ${plural(q.dropsWithoutTime, 'drop notice')} without a date: they cannot be placed in time.`);
  if (q.lowConfidenceAlerts > 0) {
    out.push(`- ${plural(q.lowConfidenceAlerts, 'alert')} lack key context (low confidence):`);
    for (const l of q.lowConfidence.slice(0, 20)) {
      out.push(`  - ${mdText(l.rule)}: ${l.count} (${l.reasons.map((x) => `${mdText(x.reason)}: ${x.count}`).join('; ')})`);
    }
    if (q.lowConfidence.length > 20) out.push(`  - and ${q.lowConfidence.length - 20} more rules (--format json lists them).`);
  }
  if (r.input.rejected > 0) {
    out.push(`- ${plural(r.input.rejected, 'record')} rejected (not valid alerts):`);
    for (const x of r.rejects.slice(0, 20)) out.push(`  - ${mdText(`${x.file}:${x.line}`)}: ${mdText(x.reason)}`);
    if (r.input.rejected > 20) out.push(`  - and ${r.input.rejected - 20} more (--format json lists up to ${r.rejects.length}).`);
  }
  if (r.input.skipped > 0) out.push(`- ${plural(r.input.skipped, 'line')} skipped: not alerts (Falco banners, log lines).`);
  for (const n of r.notes) out.push(`- ${mdText(n)}`);
  return out.join('\n');
}

/** A time of day of an alert without a date, as a table shows it (in the terminal to the millisecond, as its other times). */
function timeOfDayCell(t: string, style: TableStyle): string {
  return `${mdText(style.compact ? t.replace(/(\.\d{3})\d+$/, '$1') : t)} (no date)`;
}

/** First and last seen of a rule or an incident; of one whose alerts have no date, their times of day. */
function seenCells(x: { readonly firstSeen?: string; readonly lastSeen?: string; readonly firstTimeOfDay?: string; readonly lastTimeOfDay?: string }, style: TableStyle): string[] {
  return x.firstSeen === undefined && x.firstTimeOfDay !== undefined
    ? style.seen(timeOfDayCell(x.firstTimeOfDay, style), timeOfDayCell(x.lastTimeOfDay ?? x.firstTimeOfDay, style))
    : style.seen(x.firstSeen, x.lastSeen);
}

/** The incidents table, then the detail (score explained, timeline) of the riskiest. */
function incidentsSection(r: Report, details: number, style: TableStyle): string {
  const list = r.incidents.incidents;
  if (list.length === 0) return '';
  const tactics = (i: Incident): string => (i.tactics.length > 0 ? i.tactics.join(' → ') : '_none_');
  const tod = (t: string): string => timeOfDayCell(t, style);
  const seen = (i: Incident): string[] => seenCells(i, style);
  // The terminal's table has five columns, risk with the id and the count with the priority: seven
  // do not fit 80 columns without cutting ids, tactics and times in two.
  const head = style.compact ? ['Incident', 'Workload', 'Priority', 'Tactics', ...style.seenHead] : ['Incident', 'Risk', 'Workload', 'Alerts', 'Priority', 'Tactics', ...style.seenHead];
  const rows = list.slice(0, 50).map((i) =>
    style.compact
      ? [`${i.id}, risk ${i.risk}`, workloadLabel(i.workload), `${i.priority}, ${plural(i.alerts, 'alert')}`, tactics(i), ...seen(i)]
      : [i.id, String(i.risk), workloadLabel(i.workload), String(i.alerts), i.priority, tactics(i), ...seen(i)],
  );
  const out = [`## Incidents (${r.incidents.total}, riskiest first)`, table(head, rows)];
  if (list.length > 50) out.push(`_${list.length - 50} more incidents are in --format json._`);
  for (const i of list.slice(0, details)) {
    const where = [i.host && `host ${mdText(i.host)}`, i.namespace && `namespace ${mdText(i.namespace)}`, i.pod && `pod ${mdText(i.pod)}`, i.image && `image ${mdText(i.image)}`].filter(Boolean).join(', ');
    out.push(`### ${i.id}: risk ${i.risk}, ${workloadLabel(i.workload)}`);
    if (where) out.push(`Where: ${where}.`);
    out.push(`Why this score: ${i.riskFactors.map((f) => `${mdText(f.reason)} (${f.points > 0 ? '+' : ''}${f.points})`).join('; ')}.`);
    const when = (t: Incident['timeline'][number]): string => (t.time === undefined && t.timeOfDay !== undefined ? tod(t.timeOfDay) : style.time(t.time));
    const timeline = i.timeline.map((t) => [when(t), mdText(t.rule), t.priority, `${mdText(t.what)}${t.count > 1 ? ` (${t.count} times)` : ''}`]);
    if (i.timelineOmitted) timeline.splice(i.timelineOmitted.at, 0, ['…', `${i.timelineOmitted.alerts} alerts left out`, '', '']);
    out.push(table(['Time', 'Rule', 'Priority', 'What happened'], timeline));
  }
  return out.join('\n\n');
}

/** With --baseline: what is new since the baseline, what is known, what is gone. */
function baselineSection(r: Report): string {
  const b = r.baseline;
  if (!b) return '';
  const count = (st: string) => b.signatures.filter((x) => x.state === st).length;
  const rows = b.signatures.filter((x) => x.state !== 'known').slice(0, 50).map((x) => [
    x.state,
    x.priority,
    mdText(x.sig.rule),
    x.sig.image ? mdText(x.sig.image) : '_unknown_',
    x.sig.namespace ? mdText(x.sig.namespace) : '_unknown_',
    x.sig.process ? mdText(x.sig.process) : '_unknown_',
    x.sig.user ? mdText(x.sig.user) : '_unknown_',
    String(x.count),
    String(x.baselineCount),
  ]);
  const out = [`## Compared with ${mdText(b.file)}`, `${count('new')} new, ${count('known')} known and ${count('gone')} gone signatures (a signature is a rule with its image, namespace, process and user).${b.untracked > 0 ? ` ${b.untracked} alerts had signatures beyond what is tracked and count as new.` : ''}`];
  if (rows.length > 0) out.push(table(['State', 'Priority', 'Rule', 'Image', 'Namespace', 'Process', 'User', 'Alerts now', 'Alerts then'], rows));
  return out.join('\n\n');
}

/**
 * The report's Markdown, a section at a time (headings, tables, each rule's detail): joined with blank
 * lines they are the whole report. A report of thousands of rules is tens of megabytes; its sections
 * can be written, or drawn for the terminal, one after another.
 */
export function* markdownSections(r: Report, opts: RenderOptions): Generator<string> {
  const detail = DETAIL_LEVELS[Math.min(opts.detail ?? 0, DETAIL_LEVELS.length - 1)] ?? DETAIL_LEVELS[0];
  const single = r.totals.alerts === 1 && r.groups.length === 1;
  yield single && r.groups[0] ? `# Falco alert: ${mdText(r.groups[0].rule)}` : `# Falco report: ${plural(r.totals.alerts, 'alert')}, ${plural(r.groups.length, 'rule')}`;
  const compact = opts.compact ?? false;
  const style = tableStyle(r, compact);
  yield overview(r, compact);
  if (r.pivot) yield pivotSection(r.pivot, style);
  const inc = single ? '' : incidentsSection(r, Math.min(5, detail.detailsFor), style);
  if (inc) yield inc;
  if (!single && r.groups.length > 0) {
    yield '## Rules';
    yield rulesTable(r, detail.rulesRows, style);
  }
  const base = baselineSection(r);
  if (base) yield base;
  const dq = dataQuality(r);
  if (dq) {
    yield '## Data quality';
    yield dq;
  }
  if (r.groups.length > 0) {
    const shown = r.groups.slice(0, detail.detailsFor);
    if (shown.length > 0) yield single ? '## Detail' : '## Detail by rule';
    const tuned = suggestedByRule(r, opts);
    for (let i = 0; i < shown.length; i++) yield groupDetail(shown[i] as RuleGroup, i + 1, detail, tuned.get((shown[i] as RuleGroup).rule));
  } else yield '_No alerts to report._';
  if (detail !== DETAIL_LEVELS[0]) yield cutNote(r, detail);
  yield `---\n_falco-report ${mdText(opts.version)}_`;
}

/** The whole report in pieces that join to renderMarkdown's text: written as they come, never as one string. */
export function* renderMarkdownChunks(r: Report, opts: RenderOptions): Generator<string> {
  let first = true;
  for (const section of markdownSections(r, opts)) {
    yield first ? section : `\n\n${section}`;
    first = false;
  }
  yield '\n';
}

/** Renders the whole report as GitHub-flavoured Markdown: its pieces, joined. */
export function renderMarkdown(r: Report, opts: RenderOptions): string {
  return [...renderMarkdownChunks(r, opts)].join('');
}

/** Says what --max-bytes left out, so a reader knows the report is shortened. */
function cutNote(r: Report, d: Detail): string {
  const cut = ['per-rule fields tables and hardening snippets dropped', 'rule details collapsed'];
  const noDetail = r.groups.length - Math.min(r.groups.length, d.detailsFor);
  if (noDetail > 0) cut.push(`detail left out for ${plural(noDetail, 'rule')}`);
  if (r.groups.length > d.rulesRows) cut.push(`rules tables cut to ${d.rulesRows} rows`);
  return `> **Shortened to fit the size limit:** ${cut.join('; ')}. Run without --max-bytes, or with --format json, for everything.`;
}

/**
 * Renders the Markdown report at the most detailed level that fits in `maxBytes` (UTF-8). If even the
 * shortest does not fit, it is cut at a paragraph boundary, and the cut is said at the end.
 */
export function renderMarkdownWithin(r: Report, opts: RenderOptions, maxBytes: number): string {
  let text = '';
  for (let level = 0; level < DETAIL_LEVELS.length; level++) {
    text = renderMarkdown(r, { ...opts, detail: level });
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  const tail = `\n\n> **Cut here to fit ${maxBytes} bytes.** Run without --max-bytes, or with --format json, for everything.\n`;
  const budget = maxBytes - Buffer.byteLength(tail);
  if (budget <= 0) return tail.trimStart().slice(0, Math.max(0, maxBytes));
  // Cut on a paragraph boundary so no table row, fence or <details> is left half-written.
  const paragraphs = text.split('\n\n');
  let kept = '';
  let open = 0;
  for (const p of paragraphs) {
    const next = kept === '' ? p : `${kept}\n\n${p}`;
    const opens = (p.match(/<details>/g) ?? []).length - (p.match(/<\/details>/g) ?? []).length;
    if (Buffer.byteLength(next) + Buffer.byteLength('\n\n</details>') * Math.max(0, open + opens) > budget) break;
    kept = next;
    open += opens;
  }
  return `${kept}${'\n\n</details>'.repeat(Math.max(0, open))}${tail}`;
}
