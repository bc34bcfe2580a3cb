// Falco priorities: parsing any spelling Falco and its clients emit, and ranking them.
import { PRIORITIES, type Priority } from './constants.js';

export { PRIORITIES, type Priority };

const BY_NAME = new Map<string, Priority>([
  ...PRIORITIES.map((p) => [p.toLowerCase(), p] as [string, Priority]),
  ['info', 'Informational'],
  ['warn', 'Warning'],
  ['err', 'Error'],
  ['crit', 'Critical'],
  ['emerg', 'Emergency'],
]);

/**
 * Reads a priority in any case, `info`, or the gRPC enum number (0 = Emergency … 7 = Debug).
 * Returns undefined for anything else.
 */
const CANONICAL = new Map<string, Priority>(PRIORITIES.map((p) => [p, p]));

export function parsePriority(value: unknown): Priority | undefined {
  if (typeof value === 'string') return CANONICAL.get(value) ?? BY_NAME.get(value.trim().toLowerCase());
  if (typeof value === 'number' && Number.isInteger(value)) return PRIORITIES[value];
  return undefined;
}

/** 0 for Emergency up to 7 for Debug: lower is more severe. */
export function priorityRank(p: Priority): number {
  return RANK[p];
}

const RANK = Object.fromEntries(PRIORITIES.map((p, i) => [p, i])) as Readonly<Record<Priority, number>>;

/** True when `p` is at or above `threshold` in severity. */
export function atOrAbove(p: Priority, threshold: Priority): boolean {
  return priorityRank(p) <= priorityRank(threshold);
}
