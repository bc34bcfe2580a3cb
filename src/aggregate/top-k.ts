// Bounded top-k value counting: exact while distinct values fit, approximate (lossy counting) after.
import { detach } from '../detach.js';

/** One counted value. */
export interface Counted {
  readonly value: string;
  readonly count: number;
}

/** A counter that never holds more than twice `capacity` distinct values. */
export interface TopK {
  add(value: string, n?: number): void;
  /** The `k` most frequent values, most first, ties by value. */
  top(k: number): Counted[];
  /** Distinct values seen (exact while nothing was pruned; an upper bound after). */
  readonly distinct: number;
  /** True once values had to be pruned: counts of rare values may then be missing or low. */
  readonly approximate: boolean;
  readonly size: number;
}

/** A mutable cell, so that counting a seen value is one hash lookup. */
interface Cell {
  n: number;
}

/** The index of the first count above `t` in an ascending array (its length when there is none). */
function nextAbove(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function byCount(a: [string, Cell], b: [string, Cell]): number {
  return b[1].n - a[1].n || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/**
 * Creates a counter with room for `capacity` values. When it holds twice that many, it keeps the
 * `capacity` most frequent and drops the rest: one sort per `capacity` new values, so the cost per add
 * stays constant however many distinct values a stream has, and memory stays bounded.
 */
export function createTopK(capacity: number): TopK {
  let counts = new Map<string, Cell>();
  let pruned = false;
  let distinctSeen = 0;
  let prunes = 0;
  // Values that are new every time (nanosecond times, ids) never repeat: once several prunes found
  // nothing counted twice, stop storing them and only count them.
  let unique = false;
  const limit = Math.max(2, capacity * 2);
  // Streams repeat: the value counted last is often the next one, and comparing it is cheaper
  // than hashing a fresh string.
  let lastValue: string | undefined;
  let lastCell: Cell | undefined;
  return {
    add(value, n = 1) {
      if (value === lastValue && lastCell !== undefined) {
        lastCell.n += n;
        return;
      }
      if (unique) {
        distinctSeen++;
        return;
      }
      const c = counts.get(value);
      lastValue = value;
      lastCell = c;
      if (c !== undefined) {
        c.n += n;
        return;
      }
      distinctSeen++;
      if (counts.size >= limit) {
        // Keep the `capacity` highest counts. The threshold comes from a numeric sort of the counts
        // alone (no string comparisons); ties at the threshold keep the earliest-seen values.
        const sorted = Float64Array.from(counts.values(), (c) => c.n).sort();
        const threshold = sorted[sorted.length - capacity] as number;
        let room = capacity - (sorted.length - nextAbove(sorted, threshold));
        for (const [k, c] of counts) {
          if (c.n > threshold) continue;
          if (c.n === threshold && room > 0) room--;
          else counts.delete(k);
        }
        pruned = true;
        prunes++;
        lastValue = undefined;
        if (prunes >= 4 && (sorted[sorted.length - 1] ?? 0) <= 1) unique = true;
      }
      lastCell = { n };
      counts.set(detach(value), lastCell);
    },
    top(k) {
      return [...counts]
        .sort(byCount)
        .slice(0, k)
        .map(([value, cell]) => ({ value, count: cell.n }));
    },
    get distinct() {
      return distinctSeen;
    },
    get approximate() {
      return pruned;
    },
    get size() {
      return counts.size;
    },
  };
}
