// Alert + knowledge base → enriched alert: the chosen entry, benign patterns that hold, missing context.
import type { Alert } from '../alert/alert.js';
import { lookupValue } from '../alert/field-values.js';
import type { KbBenign, KbCommand, KbCondition } from '../kb/schema.js';
import type { KbEntry } from '../kb/load-kb.js';
import type { Match } from '../kb/match-entry.js';
import { fillTemplate, type FilledCommand } from './fill-template.js';
import { linearRegExp } from './linear-regex.js';
import { BUILT_IN } from '../kb/knowledge-base.js';

/** An alert with what the knowledge base says about it. */
export interface EnrichedAlert {
  readonly alert: Alert;
  readonly match: Match;
  /** Benign patterns of the entry whose conditions all hold for this alert. */
  readonly benign: readonly KbBenign[];
}

/** A KB command with its template filled from one alert. */
export interface FilledStep {
  readonly step: KbCommand;
  readonly command: FilledCommand;
}

/**
 * Tests one condition against the value of its field; a field the alert lacks is false (except
 * `missing`). `userPattern`: the condition comes from a user's KB, whose regex runs on the linear-time
 * engine (built-in patterns are proved linear by test/kb-regex.test.ts and keep the faster usual one).
 */
export function conditionHolds(cond: KbCondition, v: string | undefined, userPattern = false): boolean {
  if (cond.op === 'missing') return v === undefined;
  if (v === undefined) return false;
  const want = cond.value;
  switch (cond.op) {
    case 'exists':
      return true;
    case '=':
      return v === String(want);
    case '!=':
      return v !== String(want);
    case 'in':
      return Array.isArray(want) && want.map(String).includes(v);
    case 'startswith':
      return v.startsWith(String(want));
    case 'endswith':
      return v.endsWith(String(want));
    case 'contains':
      return v.includes(String(want));
    case 'regex':
      return regexFor(String(want), userPattern).test(v);
  }
}

const REGEX_CACHE = new Map<string, RegExp>();
function regexFor(source: string, linear: boolean): RegExp {
  const key = `${linear ? 'l' : ' '}${source}`;
  let re = REGEX_CACHE.get(key);
  if (!re) {
    re = linear ? linearRegExp(source) : new RegExp(source);
    REGEX_CACHE.set(key, re);
  }
  return re;
}

/** The benign patterns of an entry that match the alert. */
export function benignMatches(entry: KbEntry | undefined, alert: Alert): readonly KbBenign[] {
  if (!entry || entry.benign.length === 0) return NO_BENIGN;
  let out: KbBenign[] | undefined;
  const user = entry.origin !== BUILT_IN;
  for (const b of entry.benign) if (allHold(b.when, alert, user)) (out ??= []).push(b);
  return out ?? NO_BENIGN;
}

function allHold(conds: readonly KbCondition[], alert: Alert, userPattern: boolean): boolean {
  for (const c of conds) if (!conditionOn(c, alert, userPattern)) return false;
  return true;
}

/** conditionHolds on an alert's own values, without a closure per alert. */
function conditionOn(cond: KbCondition, alert: Alert, userPattern: boolean): boolean {
  return conditionHolds(cond, lookupValue(alert, cond.field), userPattern);
}

/** The answer when no benign pattern matches: shared and frozen. */
const NO_BENIGN: readonly KbBenign[] = Object.freeze([]);

/** Enriches one alert with an already chosen match (matching is cached by the caller). */
export function enrich(alert: Alert, match: Match): EnrichedAlert {
  return { alert, match, benign: benignMatches(match.entry, alert) };
}

/** Fills a list of KB commands from one alert. */
export function fillSteps(steps: readonly KbCommand[], alert: Alert): FilledStep[] {
  return steps.map((step) => ({ step, command: fillTemplate(step.run, (name) => lookupValue(alert, name)) }));
}
