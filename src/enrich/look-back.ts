// Look-back windows in KB commands (`--since=1h`, `--freshness=7d`, `-newerct '24 hours ago'`, `-ts today`, ...):
// they count back from when the command runs, not from the alert, so an old alert falls outside them.
import type { KbCommand } from '../kb/schema.js';

/** The narrowest relative window a command reads: as written, and how far back it reaches. */
export interface LookBack {
  /** The window as the command writes it (`--since=1h`, `'24 hours ago'`, `-ts today`). */
  readonly text: string;
  /** How far back it reaches, in seconds; null for `today`, which starts at midnight of the day it runs. */
  readonly seconds: number | null;
}

const UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800 };

// Each runs on a KB command template (the built-in catalogue, or a KB a user wrote), never on alert text.
/** kubectl `--since=1h`, gcloud `--freshness=7d`. */
const OPTION = /--(?:since|freshness)=(\d+)([smhd])\b/g;
/** journalctl `--since "2 hours ago"`, find `-newerct '24 hours ago'`, date `-d '2 hours ago'`. */
const AGO = /["'](\d+) (second|minute|hour|day|week)s? ago["']/g;
/** find `-newermt "-2 hours"` (GNU date's relative form). */
const MINUS = /["']-(\d+) (second|minute|hour|day|week)s?["']/g;
/** journalctl `--since yesterday`: from midnight of the day before, so at least a day back. */
const YESTERDAY = /--since[= ]["']?yesterday\b/g;
/** ausearch `-ts today`: from midnight of the day it runs. */
const TODAY = /-ts today\b/g;

const cache = new WeakMap<KbCommand, LookBack | null>();

/** The narrowest look-back window of a command template, or undefined when it has none. */
export function lookBackOf(run: string): LookBack | undefined {
  const found: LookBack[] = [];
  for (const m of run.matchAll(OPTION)) found.push({ text: m[0], seconds: Number(m[1]) * (UNIT[m[2] as string] as number) });
  for (const m of run.matchAll(AGO)) found.push({ text: m[0], seconds: Number(m[1]) * (UNIT[m[2] as string] as number) });
  for (const m of run.matchAll(MINUS)) found.push({ text: m[0], seconds: Number(m[1]) * (UNIT[m[2] as string] as number) });
  for (const m of run.matchAll(YESTERDAY)) found.push({ text: m[0], seconds: UNIT.day as number });
  for (const m of run.matchAll(TODAY)) found.push({ text: m[0], seconds: null });
  let narrowest: LookBack | undefined;
  for (const f of found) if (!narrowest || (f.seconds ?? 0) < (narrowest.seconds ?? 0)) narrowest = f;
  return narrowest;
}

/** lookBackOf a step's command, worked out once per step. */
export function stepLookBack(step: KbCommand): LookBack | undefined {
  let l = cache.get(step);
  if (l === undefined) {
    l = lookBackOf(step.run) ?? null;
    cache.set(step, l);
  }
  return l ?? undefined;
}

/** The last moment (to the second, rounded down) at which the window still reaches an alert of `alertMs`. */
export function reachesUntil(l: LookBack, alertMs: number | undefined): string | undefined {
  if (l.seconds === null || alertMs === undefined) return undefined;
  return new Date(Math.floor(alertMs / 1000) * 1000 + l.seconds * 1000).toISOString().replace('.000Z', 'Z');
}
