// recheck's verdict on a pattern, for the tests that require linear-time regular expressions.
import { checkSync } from 'recheck';

/** Time limits off and a fixed seed, so the verdict depends on the pattern only (recall validation, which times real runs, stays off as by default). */
const DETERMINISTIC = { randomSeed: 1, timeout: null, seedingTimeout: null, incubationTimeout: null, attackTimeout: null } as const;

/** `safe`, or what recheck found: the complexity and the start of an attack string. */
export function regexVerdict(source: string, flags = ''): string {
  const r = checkSync(source, flags, { checker: 'auto', ...DETERMINISTIC });
  if (r.status === 'safe') return 'safe';
  if (r.status === 'vulnerable') return `${r.complexity.summary} (${r.checker}; attack ${JSON.stringify(r.attack.string.slice(0, 40))}...)`;
  return `unknown: ${r.error.kind}`;
}
