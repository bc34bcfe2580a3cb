// --group-by: counts per host, namespace, pod, container, image, process or user (one or two levels), bounded.
import type { Alert } from '../alert/alert.js';
import { contextValue, type ContextKey } from '../alert/context.js';
import { PRIORITIES, priorityRank, type Priority } from '../alert/priority.js';
import { widen } from './span.js';
import { createTopK, type Counted, type TopK } from './top-k.js';

/** The dimensions --group-by accepts; `rule` is the default report's own grouping. */
export const PIVOT_KEYS = ['rule', 'host', 'namespace', 'pod', 'container', 'image', 'process', 'user'] as const;
export type PivotKey = (typeof PIVOT_KEYS)[number];

/** One row of a pivot: a value of the key, its counts, and (for two keys) its nested rows. */
export interface PivotRow {
  readonly value: string;
  readonly count: number;
  readonly byPriority: Readonly<Partial<Record<Priority, number>>>;
  readonly highest: Priority;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly topRules: readonly Counted[];
  readonly rows?: readonly PivotRow[];
}

/** The finished pivot, rows sorted by highest priority, then count, then value. */
export interface Pivot {
  readonly by: readonly PivotKey[];
  readonly rows: readonly PivotRow[];
  /** Values beyond the bound, counted together. */
  readonly otherCount: number;
}

interface Cell {
  count: number;
  byPriority: Partial<Record<Priority, number>>;
  highest: Priority;
  firstSeen?: string;
  lastSeen?: string;
  rules: TopK;
  sub?: Map<string, Cell>;
}

/** Rows kept per level; alerts with a value beyond it are counted as "other". */
const MAX_ROWS = 2000;
const UNKNOWN = '(unknown)';

function valueOf(alert: Alert, key: PivotKey): string {
  if (key === 'rule') return alert.rule;
  return contextValue(alert, key as ContextKey) ?? UNKNOWN;
}

function newCell(p: Priority): Cell {
  return { count: 0, byPriority: {}, highest: p, rules: createTopK(64) };
}

function touch(cell: Cell, a: Alert): void {
  cell.count++;
  cell.byPriority[a.priority] = (cell.byPriority[a.priority] ?? 0) + 1;
  if (priorityRank(a.priority) < priorityRank(cell.highest)) cell.highest = a.priority;
  widen(cell, a.time);
  cell.rules.add(a.rule);
}

function rowsOf(cells: Map<string, Cell>): PivotRow[] {
  return [...cells]
    .map(([value, c]) => ({
      value,
      count: c.count,
      byPriority: Object.fromEntries(PRIORITIES.filter((p) => c.byPriority[p]).map((p) => [p, c.byPriority[p]])),
      highest: c.highest,
      ...(c.firstSeen ? { firstSeen: c.firstSeen } : {}),
      ...(c.lastSeen ? { lastSeen: c.lastSeen } : {}),
      topRules: c.rules.top(3),
      ...(c.sub ? { rows: rowsOf(c.sub) } : {}),
    }))
    .sort((x, y) => priorityRank(x.highest) - priorityRank(y.highest) || y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
}

/** A streaming pivot over one or two keys. */
export function createPivot(by: readonly PivotKey[]): { add(a: Alert): void; finish(): Pivot } {
  const top = new Map<string, Cell>();
  let other = 0;
  return {
    add(a) {
      const v1 = valueOf(a, by[0] as PivotKey);
      let c1 = top.get(v1);
      if (!c1) {
        if (top.size >= MAX_ROWS) {
          other++;
          return;
        }
        c1 = newCell(a.priority);
        if (by.length > 1) c1.sub = new Map();
        top.set(v1, c1);
      }
      touch(c1, a);
      if (c1.sub && by[1]) {
        const v2 = valueOf(a, by[1]);
        let c2 = c1.sub.get(v2);
        if (!c2 && c1.sub.size < MAX_ROWS) {
          c2 = newCell(a.priority);
          c1.sub.set(v2, c2);
        }
        if (c2) touch(c2, a);
      }
    },
    finish() {
      return { by, rows: rowsOf(top), otherCount: other };
    },
  };
}
