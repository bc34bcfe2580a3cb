// Name patterns for the filter flags: `*` and `?` globs, compiled once into one case-insensitive RegExp.

const REGEX_SYNTAX = /[\\^$.+()[\]{}|/]/g;

/**
 * One anchored, case-insensitive RegExp that matches any of the patterns. With `glob`, `*` matches any
 * run of characters (also none) and `?` exactly one; there is no escape, and every other character is
 * literal (`[` included). Without `glob`, `*` and `?` are literal too. The `u` flag makes `?` one code
 * point, and the `s` flag lets `*` cross a newline.
 */
export function anyOfPattern(patterns: readonly string[], glob: boolean): RegExp {
  const parts = patterns.map((p) => {
    const escaped = p.replace(REGEX_SYNTAX, '\\$&');
    return glob ? escaped.replace(/\*/g, '.*').replace(/\?/g, '.') : escaped.replace(/[*?]/g, '\\$&');
  });
  return new RegExp(`^(?:${parts.join('|')})$`, 'isu');
}

/** Bound on remembered answers; a stream with more distinct values just starts over. */
const MEMO_CAPACITY = 4096;

/**
 * anyOfPattern as a test that remembers its answers: rule names, sources, hosts and namespaces repeat
 * across a stream, and a Map hit costs about half of running the pattern.
 */
export function anyOfMatcher(patterns: readonly string[], glob: boolean): (value: string) => boolean {
  const re = anyOfPattern(patterns, glob);
  const seen = new Map<string, boolean>();
  return (value) => {
    let hit = seen.get(value);
    if (hit === undefined) {
      hit = re.test(value);
      if (seen.size >= MEMO_CAPACITY) seen.clear();
      seen.set(value, hit);
    }
    return hit;
  };
}
