// Reads rules-kb YAML files into validated entries, collecting every problem with its file:line.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document } from 'yaml';
import { InputError, type Problem } from '../errors.js';
import { kbEntrySchema, type KbEntryData } from './schema.js';
import { backtrackingPatterns, lintEntry } from './lint-kb.js';
import { normaliseRuleName } from './knowledge-base.js';

/** A validated entry and where it came from. */
export interface KbEntry extends KbEntryData {
  /** The file, relative to its catalogue's directory. */
  readonly file: string;
  /** `built-in`, or the `--kb` directory it was read from. */
  readonly origin: string;
}

/** Locates the line of a path in a parsed YAML document; used to place a problem. */
export type LineOf = (path: readonly (string | number)[]) => number;

/** Each entry read from a file, with the line finder of that file's document (for problems found later). */
const LINES = new WeakMap<KbEntry, LineOf>();

/** The line of `path` (such as `['investigate', 2, 'run']`) in the file an entry was read from; 1 when unknown. */
export function entryLine(entry: KbEntry, path: readonly (string | number)[]): number {
  return LINES.get(entry)?.(path) ?? 1;
}

/** What loading one catalogue directory produced. */
export interface LoadedCatalogue {
  readonly entries: readonly KbEntry[];
  readonly problems: readonly Problem[];
  /**
   * What is allowed but worth a look: patterns that run on the backtracking engine (backtrackingPatterns).
   * Worked out when read (only `kb validate` reads it), so that the build and --kb loads do not compile
   * every pattern once more.
   */
  readonly warnings: readonly Problem[];
}

/** Lists the YAML files below a directory, sorted, so problems come in a stable order. */
export function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/i.test(name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function lineFinder(doc: Document, counter: LineCounter): LineOf {
  return (path) => {
    // Walk as deep as the path exists; report the deepest node found (the key for a bad key).
    let node: unknown = doc.contents;
    let offset = 0;
    for (const key of path) {
      if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) break;
      const items = (node as { items: unknown[] }).items;
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
        if (!pair || !isPair(pair)) break;
        const keyNode = pair.key as { range?: [number, number, number] };
        offset = keyNode.range?.[0] ?? offset;
        next = pair.value;
      } else {
        next = typeof key === 'number' ? items[key] : undefined;
      }
      if (!next) break;
      const range = (next as { range?: [number, number, number] }).range;
      if (range && !isMap(next)) offset = range[0];
      else if (range && isMap(next) && typeof key === 'number') offset = range[0];
      node = next;
    }
    return counter.linePos(offset).line;
  };
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Parses and validates one KB file's text; `file` is used in problems only. `warnings` is worked out when read. */
export function parseKbFile(
  source: string,
  file: string,
  origin: string,
): { entry?: KbEntry; problems: Problem[]; readonly warnings: Problem[] } {
  const counter = new LineCounter();
  const doc = parseDocument(source, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const line = counter.linePos(err.pos[0]).line;
    problems.push({ file, line, message: `YAML: ${err.message.split('\n')[0]}` });
  }
  if (problems.length > 0) return { problems, warnings: [] };
  const data: unknown = doc.toJS();
  const lineOf = lineFinder(doc, counter);
  const parsed = kbEntrySchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
      const where = path.length > 0 ? path.join('.') : '(top level)';
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          problems.push({ file, line: lineOf([...path, key]), message: `unknown key "${key}" in ${where}` });
        }
        continue;
      }
      const found = describeValue(valueAt(data, issue.path));
      problems.push({ file, line: lineOf(path), message: `${where}: ${issue.message}, found ${found}` });
    }
    return { problems, warnings: [] };
  }
  const entry: KbEntry = { ...parsed.data, file, origin };
  LINES.set(entry, lineOf);
  problems.push(...lintEntry(entry, lineOf));
  return {
    entry,
    problems,
    get warnings() {
      return backtrackingPatterns(entry, lineOf);
    },
  };
}

/**
 * Loads every YAML file below `dir`; `origin` labels the catalogue in reports, and files are named
 * below `shownAs` (the directory as the user wrote it, or `rules-kb` for the built-in one).
 */
export function loadCatalogue(dir: string, origin: string, shownAs: string = dir): LoadedCatalogue {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${shownAs}: not a directory`);
  const entries: KbEntry[] = [];
  const problems: Problem[] = [];
  const parsed: { readonly warnings: Problem[] }[] = [];
  for (const path of listYamlFiles(dir)) {
    const file = join(shownAs, relative(dir, path));
    const result = parseKbFile(readFileSync(path, 'utf8'), file, origin);
    problems.push(...result.problems);
    parsed.push(result);
    if (result.entry) entries.push(result.entry);
  }
  problems.push(...duplicateClaims(entries));
  return {
    entries,
    problems,
    get warnings() {
      return parsed.flatMap((r) => r.warnings);
    },
  };
}

/** Gate (f): no two entries of one catalogue may claim the same rule name or alias. */
export function duplicateClaims(entries: readonly KbEntry[]): Problem[] {
  const seen = new Map<string, KbEntry>();
  const problems: Problem[] = [];
  for (const e of entries) {
    for (const name of [e.rule, ...e.aliases]) {
      const key = normaliseRuleName(name);
      const prior = seen.get(key);
      if (prior && prior !== e) {
        problems.push({ file: e.file, line: 1, message: `"${name}" is already claimed by ${prior.file}` });
      } else seen.set(key, e);
    }
  }
  return problems;
}
