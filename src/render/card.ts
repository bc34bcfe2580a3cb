// Live cards: one compact block per alert as it arrives (terminal and Markdown), and fold counter lines.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Folded } from '../aggregate/fold.js';
import { whatHappened } from '../aggregate/incidents.js';
import { contextValue } from '../alert/context.js';
import { lookupValue } from '../alert/field-values.js';
import type { Priority } from '../alert/priority.js';
import { fillSteps, type EnrichedAlert } from '../enrich/enrich.js';
import { mdCode, mdText } from '../escape/markdown.js';
import { terminalSafe } from '../escape/terminal.js';
import { hangingWrap } from './fit-width.js';
import type { RenderOptions } from './markdown.js';

function paint(chalk: ChalkInstance, p: Priority): (s: string) => string {
  switch (p) {
    case 'Emergency':
    case 'Alert':
    case 'Critical':
      return chalk.bold.red;
    case 'Error':
      return chalk.red;
    case 'Warning':
      return chalk.yellow;
    case 'Notice':
      return chalk.cyan;
    default:
      return chalk.gray;
  }
}

/** The few facts a card shows, as plain text (not yet escaped). */
function facts(e: EnrichedAlert): { when: string; where: string[]; who?: string; what?: string; next?: string } {
  const a = e.alert;
  const when = (a.time ?? a.timeOfDay ?? 'time unknown').replace(/^\d{4}-\d\d-\d\dT/, '').replace(/(\.\d{3})\d*Z?$/, '$1');
  const where = (['host', 'namespace', 'pod', 'container', 'image'] as const)
    .map((k) => contextValue(a, k))
    .filter((v): v is string => v !== undefined);
  const who = contextValue(a, 'user');
  const proc = lookupValue(a, 'proc.cmdline') ?? lookupValue(a, 'proc.name');
  const parent = lookupValue(a, 'proc.pname');
  // A process with its parent; else what the incident timeline says (`verb resource/name` of an audit
  // log, the API call of a cloud trail, the output text of a Falco notice), without the user shown above.
  let what: string | undefined;
  if (proc !== undefined) what = `${proc}${parent !== undefined ? ` (parent ${parent})` : ''}`;
  else {
    const line = whatHappened(a);
    let own = who !== undefined && line.startsWith(`${who} `) ? line.slice(who.length + 1) : line;
    // An output that starts with the rule's name (as text lines named after their message do): the rest.
    if (own.startsWith(a.rule)) own = own.slice(a.rule.length).replace(/^[\s:.,;-]+/, '');
    // Nothing that the card already says: the rule, the user, a place.
    if (own !== '' && own !== a.rule && own !== who && !where.includes(own)) what = own;
  }
  // The first investigation step the alert has every value for: one that runs as shown beats one with
  // <placeholders>, missing or withheld (the entry lists the steps that matter most first). Else the
  // first, placeholders and all.
  const steps = e.match.entry ? fillSteps(e.match.entry.investigate, a) : [];
  const next = (steps.find((s) => s.command.missing.length === 0 && s.command.withheld.length === 0) ?? steps[0])?.command.text;
  return { when, where, ...(who !== undefined ? { who } : {}), ...(what !== undefined ? { what } : {}), ...(next !== undefined ? { next } : {}) };
}

/** A compact coloured card for the terminal; every alert value passes terminalSafe. */
export function terminalCard(e: EnrichedAlert, opts: RenderOptions): string {
  const chalk = new Chalk({ level: opts.color ? 2 : 0 });
  const f = facts(e);
  const t = terminalSafe;
  // Lines are wrapped to the width under their value; the next step is a command, kept whole to copy.
  const w = opts.width;
  const lines = [hangingWrap(`${chalk.dim(t(f.when))} ${paint(chalk, e.alert.priority)(e.alert.priority.toUpperCase().padEnd(13))} `, chalk.bold(t(e.alert.rule)), w)];
  if (f.where.length > 0) lines.push(hangingWrap(`  ${chalk.dim('where')} `, f.where.map(t).join(chalk.dim(' · ')), w));
  if (f.who !== undefined) lines.push(hangingWrap(`  ${chalk.dim('who  ')} `, t(f.who), w));
  if (f.what !== undefined) lines.push(hangingWrap(`  ${chalk.dim('what ')} `, t(f.what), w));
  if (f.next !== undefined) lines.push(`  ${chalk.dim('next ')} ${chalk.green(t(f.next))}`);
  for (const b of e.benign) lines.push(hangingWrap(`  ${chalk.dim('hint ')} `, `likely benign: ${t(b.pattern)}`, w));
  return `${lines.join('\n')}\n`;
}

/** One alert as a short Markdown block; values are escaped by the Markdown sink. */
export function markdownCard(e: EnrichedAlert, _opts?: RenderOptions): string {
  const f = facts(e);
  const parts = [`**${mdText(f.when)} ${e.alert.priority}: ${mdText(e.alert.rule)}**`];
  if (f.where.length > 0) parts.push(`where ${f.where.map(mdText).join(' / ')}`);
  if (f.who !== undefined) parts.push(`who ${mdText(f.who)}`);
  if (f.what !== undefined) parts.push(`what ${mdCode(f.what)}`);
  const lines = [`- ${parts.join('; ')}`];
  if (f.next !== undefined) lines.push(`  next: ${mdCode(f.next)}`);
  for (const b of e.benign) lines.push(`  likely benign: ${mdText(b.pattern)}`);
  return `${lines.join('\n')}\n`;
}

/** How long the repeats went on after the card: "within 1s", or "over 12s". */
function span(f: Folded): string {
  const ms = f.lastMs - f.firstMs;
  return ms < 1000 ? 'within 1s' : `over ${Math.round(ms / 1000)}s`;
}

/** The counter line that stands for folded repeats. */
export function terminalFoldLine(f: Folded, opts: RenderOptions): string {
  const chalk = new Chalk({ level: opts.color ? 2 : 0 });
  return `${chalk.dim(hangingWrap('  ↳ ', `${f.count} more "${terminalSafe(f.rule)}" in ${terminalSafe(f.where)} folded (${span(f)})`, opts.width))}\n`;
}

/** The same counter line in Markdown. */
export function markdownFoldLine(f: Folded, _opts?: RenderOptions): string {
  return `  - ${f.count} more ${mdText(f.rule)} in ${mdText(f.where)} folded (${span(f)})\n`;
}
