// Bounded top-k value counting (Space-Saving): exact while distinct values fit, approximate after.

/** One counted value. */
export interface Counted {
  readonly value: string;
  readonly count: number;
}

/** A counter that never holds more than `capacity` distinct values. */
export interface TopK {
  add(value: string, n?: number): void;
  /** The `k` most frequent values, most first, ties by value. */
  top(k: number): Counted[];
  /** Distinct values seen, exact while no value was evicted. */
  readonly distinct: number;
  /** True once a value had to be evicted: counts are then upper bounds. */
  readonly approximate: boolean;
  readonly size: number;
}

/** Creates a Space-Saving counter with room for `capacity` values. */
export function createTopK(capacity: number): TopK {
  const counts = new Map<string, number>();
  let evicted = false;
  let distinctSeen = 0;
  return {
    add(value, n = 1) {
      const c = counts.get(value);
      if (c !== undefined) {
        counts.set(value, c + n);
        return;
      }
      distinctSeen++;
      if (counts.size < capacity) {
        counts.set(value, n);
        return;
      }
      // Replace the least counted value; the newcomer inherits its count (the Space-Saving bound).
      let minKey = '';
      let min = Infinity;
      for (const [k, v] of counts) {
        if (v < min) {
          min = v;
          minKey = k;
        }
      }
      counts.delete(minKey);
      counts.set(value, min + n);
      evicted = true;
    },
    top(k) {
      return [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, k)
        .map(([value, count]) => ({ value, count }));
    },
    get distinct() {
      return distinctSeen;
    },
    get approximate() {
      return evicted;
    },
    get size() {
      return counts.size;
    },
  };
}
