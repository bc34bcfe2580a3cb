// Live-mode folding: repeats of one rule in one workload within a window become a counter line.
import { contextValue } from '../alert/context.js';
import { fieldText } from '../alert/field-values.js';
import type { EnrichedAlert } from '../enrich/enrich.js';

/** What was folded away for one signature, reported when its window closes. */
export interface Folded {
  readonly rule: string;
  readonly where: string;
  readonly count: number;
  readonly firstMs: number;
  readonly lastMs: number;
}

interface Open {
  rule: string;
  where: string;
  startMs: number;
  lastMs: number;
  folded: number;
}

/** The fold state: decides for each alert whether it gets a card, and emits counter lines. */
export interface Folder {
  /** Returns whether to show a card, and any windows that closed (to print before the card). */
  add(e: EnrichedAlert, nowMs: number): { show: boolean; closed: Folded[] };
  /** Windows that have closed by `nowMs` (for a periodic flush). */
  expire(nowMs: number): Folded[];
  /** Every open window with folded alerts (at end of input). */
  flush(): Folded[];
}

/** The workload an alert belongs to for folding: container, else pod, else host. */
export function foldWhere(e: EnrichedAlert): string {
  const a = e.alert;
  return contextValue(a, 'container') ?? contextValue(a, 'pod') ?? contextValue(a, 'host') ?? 'unknown';
}

/** The signature: rule, workload and process (a different process is a different story). */
function signature(e: EnrichedAlert): string {
  return `${e.alert.rule}\u0000${foldWhere(e)}\u0000${fieldText(e.alert.fields['proc.name']) ?? ''}`;
}

/** Creates a folder with a window in milliseconds; at most `capacity` signatures are tracked. */
export function createFolder(windowMs: number, capacity = 10_000): Folder {
  const open = new Map<string, Open>();
  const close = (o: Open): Folded | undefined =>
    o.folded > 0 ? { rule: o.rule, where: o.where, count: o.folded, firstMs: o.startMs, lastMs: o.lastMs } : undefined;
  const expire = (nowMs: number): Folded[] => {
    const out: Folded[] = [];
    for (const [k, o] of open) {
      if (nowMs - o.startMs >= windowMs) {
        open.delete(k);
        const f = close(o);
        if (f) out.push(f);
      }
    }
    return out;
  };
  return {
    add(e, nowMs) {
      const closed = expire(nowMs);
      const key = signature(e);
      const o = open.get(key);
      if (o) {
        o.folded++;
        o.lastMs = nowMs;
        return { show: false, closed };
      }
      if (open.size >= capacity) {
        const oldest = open.keys().next().value as string;
        const f = close(open.get(oldest) as Open);
        open.delete(oldest);
        if (f) closed.push(f);
      }
      open.set(key, { rule: e.alert.rule, where: foldWhere(e), startMs: nowMs, lastMs: nowMs, folded: 0 });
      return { show: true, closed };
    },
    expire,
    flush() {
      const out = [...open.values()].map(close).filter((f): f is Folded => f !== undefined);
      open.clear();
      return out;
    },
  };
}
