// GitHub Actions output: workflow-command annotations for the top findings, escaped per GitHub's rules.
import type { Report } from '../aggregate/aggregate.js';
import { atOrAbove } from '../alert/priority.js';
import { terminalSafe } from '../escape/terminal.js';

/** GITHUB_STEP_SUMMARY holds at most 1 MiB per step. */
export const GITHUB_SUMMARY_LIMIT = 1024 * 1024;

/** Escapes the message of a workflow command (`%`, CR and LF), after making controls visible. */
export function escapeData(s: string): string {
  return terminalSafe(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a workflow command (also `:` and `,`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One annotation per rule group (the most severe first, at most `max`): error, warning or notice by priority. */
export function annotations(r: Report, max = 10): string[] {
  return r.groups.slice(0, max).map((g) => {
    const level = atOrAbove(g.priority, 'Critical') ? 'error' : atOrAbove(g.priority, 'Warning') ? 'warning' : 'notice';
    const where = g.top.host[0]?.value;
    const span = g.firstSeen ? ` between ${g.firstSeen} and ${g.lastSeen}` : '';
    const message = `${g.count} ${g.priority} alert${g.count === 1 ? '' : 's'} of "${g.rule}"${where ? `, mostly on ${where}` : ''}${span}${g.match.entry ? `: ${g.match.entry.summary}` : ''}`;
    return `::${level} title=${escapeProperty(`Falco: ${g.rule}`)}::${escapeData(message)}`;
  });
}
