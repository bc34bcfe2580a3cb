// recheck's verdict on a pattern, for the tests that require linear-time regular expressions.
import { checkSync } from 'recheck';

/** Time limits off and a fixed seed, so the verdict depends on the pattern only (recall validation, which times real runs, stays off as by default). */
const DETERMINISTIC = { randomSeed: 1, timeout: null, seedingTimeout: null, incubationTimeout: null, attackTimeout: null } as const;

/**
 * checkSync in recheck's synckit worker, or in this thread when synckit fails: synckit 0.9.2, which
 * recheck 4.5.0 pins, now and then reads an undefined reply from its worker and throws "Cannot read
 * properties of undefined (reading 'message')" (un-ts/synckit#185, #217), as a fresh-clone run of
 * 2026-12-07 did. The `pure` backend runs the same checker here, three to five times slower.
 */
function check(source: string, flags: string): ReturnType<typeof checkSync> {
  try {
    return checkSync(source, flags, { checker: 'auto', ...DETERMINISTIC });
  } catch (err) {
    if (!(err instanceof TypeError) || !err.message.includes("reading 'message'")) throw err;
    process.env.RECHECK_SYNC_BACKEND = 'pure';
    try {
      return checkSync(source, flags, { checker: 'auto', ...DETERMINISTIC });
    } finally {
      delete process.env.RECHECK_SYNC_BACKEND;
    }
  }
}

/** `safe`, or what recheck found: the complexity and the start of an attack string. */
export function regexVerdict(source: string, flags = ''): string {
  const r = check(source, flags);
  if (r.status === 'safe') return 'safe';
  if (r.status === 'vulnerable') return `${r.complexity.summary} (${r.checker}; attack ${JSON.stringify(r.attack.string.slice(0, 40))}...)`;
  return `unknown: ${r.error.kind}`;
}
