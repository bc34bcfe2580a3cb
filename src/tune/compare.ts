// Falco's comparison operators over field values, as the engine applies them in exceptions.

/** Operators this module evaluates: the exception operators plus `==` and `intersects`. */
export const EVALUATED_COMPS = ['=', '==', '!=', 'in', 'intersects', 'startswith', 'endswith', 'contains', 'pmatch', 'glob'] as const;
export type EvaluatedComp = (typeof EVALUATED_COMPS)[number];

/** True when the operator is one `compare` understands. */
export function isEvaluatedComp(op: string): op is EvaluatedComp {
  return (EVALUATED_COMPS as readonly string[]).includes(op);
}

/**
 * Evaluates `field <op> value`. `field` holds the field's values: one for a plain field, several for a
 * list field (`ka.req.pod.containers.image`); an empty list is an unknown field, for which Falco's
 * comparison is false. `value` is a list for the list operators and a string for the others.
 *
 * - `in`: every value of the field is in the list (a set inclusion, as Falco documents it).
 * - `intersects`: at least one value of the field is in the list.
 * - `pmatch`: one of the listed paths is a prefix of the field's path, by whole components
 *   (`/tmp/hello` matches `/tmp/hello` and `/tmp/hello/world`, not `/tmp/hello_world`); a listed
 *   path may hold glob wildcards, which match within one component.
 * - `glob`: the whole value matches the pattern (`*`, `?`, `[...]`, `\` escapes).
 * - the others compare the field's text: for a list field, its values joined with `,`.
 */
export function compare(op: EvaluatedComp, field: readonly string[], value: string | readonly string[]): boolean {
  if (field.length === 0) return false;
  const list = typeof value === 'string' ? [value] : value;
  switch (op) {
    case 'in':
      return field.every((f) => list.includes(f));
    case 'intersects':
      return field.some((f) => list.includes(f));
    case 'pmatch':
      return field.every((f) => list.some((p) => pathPrefix(p, f)));
    default: {
      const text = field.join(',');
      const v = typeof value === 'string' ? value : value.join(',');
      switch (op) {
        case '=':
        case '==':
          return text === v;
        case '!=':
          return text !== v;
        case 'startswith':
          return text.startsWith(v);
        case 'endswith':
          return text.endsWith(v);
        case 'contains':
          return text.includes(v);
        case 'glob':
          return globRegex(v, false).test(text);
      }
    }
  }
}

/** Components of a path; a leading `/` makes it absolute, repeated and trailing slashes do not count. */
function components(path: string): { absolute: boolean; parts: string[] } {
  return { absolute: path.startsWith('/'), parts: path.split('/').filter((p) => p !== '') };
}

/** libsinsp's path_prefix_search: `prefix` covers `path` when its components lead `path`'s. */
export function pathPrefix(prefix: string, path: string): boolean {
  const p = components(prefix);
  const v = components(path);
  if (p.absolute !== v.absolute || p.parts.length > v.parts.length) return false;
  return p.parts.every((part, i) => (/[*?[]/.test(part) ? globRegex(part, true).test(v.parts[i] as string) : part === v.parts[i]));
}

const GLOB_CACHE = new Map<string, RegExp>();

/** A glob as an anchored regular expression; in a path component, wildcards never match `/`. */
export function globRegex(pattern: string, component: boolean): RegExp {
  const key = `${component ? 'c' : 'g'}${pattern}`;
  const hit = GLOB_CACHE.get(key);
  if (hit) return hit;
  const one = component ? '[^/]' : '[\\s\\S]';
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') src += `${one}*`;
    else if (ch === '?') src += one;
    else if (ch === '\\' && i + 1 < pattern.length) src += escapeRe(pattern[++i] as string);
    else if (ch === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) {
        src += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      src += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (c, at: number) => (c === ']' && at === 0 ? '\\]' : c === '^' ? '\\^' : `\\${c}`))}]`;
      i = end;
    } else src += escapeRe(ch);
  }
  const re = new RegExp(`^${src}$`, 'u');
  if (GLOB_CACHE.size > 1024) GLOB_CACHE.clear();
  GLOB_CACHE.set(key, re);
  return re;
}

/** Where a `[...]` class ends: a `]` right after `[` (or `[!`) is a member, not the end. */
function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '!' || pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) if (pattern[i] === ']') return i;
  return -1;
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
