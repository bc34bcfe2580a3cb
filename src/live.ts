// Live output: a card per alert as it arrives, repeats folded into counter lines, flushed on a timer.
import { createFolder } from './aggregate/fold.js';
import type { EnrichedAlert } from './enrich/enrich.js';
import type { FormatRenderers, RenderOptions } from './render/index.js';

/** Where live output goes and what it costs to write it. */
export interface LiveOutput {
  /** Called for every alert that enters the report, in order. */
  onAlert(e: EnrichedAlert): void;
  /** Writes counter lines for windows that closed with no new alert (call on a timer). */
  tick(): void;
  /** Writes the counter lines of every window still open (at end of input). */
  finish(): void;
}

/**
 * Creates the live writer for a format. Formats that stream (NDJSON) write every alert; formats with
 * cards fold repeats of one rule in one workload within `foldWindowMs`.
 */
export function createLiveOutput(
  r: FormatRenderers,
  opts: RenderOptions,
  write: (text: string) => void,
  foldWindowMs: number,
  now: () => number,
): LiveOutput {
  const card = r.card;
  const fold = r.fold;
  if (!card) return { onAlert: () => undefined, tick: () => undefined, finish: () => undefined };
  if (r.streams || !fold || foldWindowMs <= 0) {
    return { onAlert: (e) => write(card(e, opts)), tick: () => undefined, finish: () => undefined };
  }
  const folder = createFolder(foldWindowMs);
  return {
    onAlert(e) {
      const { show, closed } = folder.add(e, now());
      for (const f of closed) write(fold(f, opts));
      if (show) write(card(e, opts));
    },
    tick() {
      for (const f of folder.expire(now())) write(fold(f, opts));
    },
    finish() {
      for (const f of folder.flush()) write(fold(f, opts));
    },
  };
}
