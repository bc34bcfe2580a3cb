// GitHub Actions output: workflow-command annotations for the top findings, escaped per GitHub's rules.
import type { Report } from '../aggregate/aggregate.js';
import { describeWorkload } from '../alert/place.js';
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

/** Incidents at or above this risk get an annotation of their own. */
export const INCIDENT_ANNOTATION_RISK = 40;

/**
 * One annotation per risky incident (risk ≥ 40, at most 5), then one per rule group (the most severe
 * first, at most `max`): error, warning or notice by priority.
 */
export function annotations(r: Report, max = 10): string[] {
  const incidents = r.incidents.incidents
    .filter((i) => i.risk >= INCIDENT_ANNOTATION_RISK)
    .slice(0, 5)
    .map((i) => {
      const level = i.risk >= 70 || atOrAbove(i.priority, 'Critical') ? 'error' : 'warning';
      const message = `risk ${i.risk}, ${i.alerts} alerts in ${describeWorkload(i.workload)}${i.tactics.length > 0 ? `, tactics ${i.tactics.join(' → ')}` : ''}: ${i.riskFactors.map((f) => f.reason).join('; ')}`;
      return `::${level} title=${escapeProperty(`Falco incident ${i.id}`)}::${escapeData(message)}`;
    });
  return [...incidents, ...r.groups.slice(0, max).map((g) => {
    const level = atOrAbove(g.priority, 'Critical') ? 'error' : atOrAbove(g.priority, 'Warning') ? 'warning' : 'notice';
    const where = g.top.host[0]?.value;
    const span = g.firstSeen ? ` between ${g.firstSeen} and ${g.lastSeen}` : '';
    const message = `${g.count} ${g.priority} alert${g.count === 1 ? '' : 's'} of "${g.rule}"${where ? `, mostly on ${where}` : ''}${span}${g.match.entry ? `: ${g.match.entry.summary}` : ''}`;
    return `::${level} title=${escapeProperty(`Falco: ${g.rule}`)}::${escapeData(message)}`;
  })];
}
