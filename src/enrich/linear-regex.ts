// Patterns that users write (their own KB entries, --where FIELD~=REGEX) run on alert values, which
// attackers choose: they are compiled for V8's linear-time engine where it can run them.
import { createRequire } from 'node:module';

let enabled = false;

function enable(): void {
  if (enabled) return;
  (createRequire(import.meta.url)('node:v8') as typeof import('node:v8')).setFlagsFromString('--enable-experimental-regexp-engine');
  enabled = true;
}

/** What a warning says of a user's pattern that runsInLinearTime refuses, after naming the pattern. */
export const BACKTRACKING_WARNING =
  "runs on V8's backtracking engine (lookaround, a backreference or a large count such as {64}; the linear-time engine runs none of them): make sure no part of it can match the same text in two ways, or a long alert value can stall the report";

/**
 * Whether V8's linear-time engine runs a valid pattern. It does not run lookaround, backreferences or
 * large counts (`[0-9a-f]{64}`; Node 20's V8 takes `a{18}`, not `a{19}`): linearRegExp compiles such a
 * pattern for the usual, backtracking engine. Throws SyntaxError for a pattern that is not a regular
 * expression, as linearRegExp does.
 */
export function runsInLinearTime(source: string): boolean {
  return linearRegExp(source).flags.includes('l');
}

/**
 * A user's pattern compiled with the `l` flag of V8's linear-time engine, so that no value can make it
 * backtrack for minutes (`(a+)+$` on 5,000 letters and a `b`: 3 ms; the usual engine does not finish).
 * That engine has no lookaround, backreferences or large counts (runsInLinearTime): such a pattern is
 * compiled as usual. The engine is switched on at the first call (it loads node:v8), so runs without
 * user patterns never pay for it.
 * Throws SyntaxError for a pattern that is not a regular expression, as `new RegExp` does.
 */
export function linearRegExp(source: string): RegExp {
  enable();
  try {
    return new RegExp(source, 'l');
  } catch {
    return new RegExp(source);
  }
}
