// The knowledge base at run time: built-in entries (prebuilt JSON, else YAML) plus --kb catalogues, indexed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KbError, InputError, type Problem } from '../errors.js';
import type { KbEntry } from './load-kb.js';

/** The indexed catalogue the matcher reads. */
export interface KnowledgeBase {
  readonly entries: readonly KbEntry[];
  /** Normalised rule name or alias → entry, with which of the two it was. */
  readonly byName: ReadonlyMap<string, { entry: KbEntry; alias: boolean }>;
  readonly generic: readonly KbEntry[];
  /** The catalogues in load order: `built-in` first, then each --kb directory. */
  readonly origins: readonly string[];
}

/** Where the built-in catalogue lives, relative to this module (src/kb or dist/kb). */
const KB_DIR = fileURLToPath(new URL('../../rules-kb/', import.meta.url));
/** The catalogue compiled by `npm run build` (scripts/build-kb.mjs), read without YAML or zod. */
const KB_JSON = fileURLToPath(new URL('../kb.json', import.meta.url));

/** Rule names compare without case and with runs of spaces folded. */
export function normaliseRuleName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Indexes entries; later entries (user catalogues) override earlier ones of the same rule. */
export function indexKnowledgeBase(entries: readonly KbEntry[], origins: readonly string[]): KnowledgeBase {
  const byRule = new Map<string, KbEntry>();
  for (const e of entries) byRule.set(normaliseRuleName(e.rule), e);
  const kept = [...byRule.values()];
  const byName = new Map<string, { entry: KbEntry; alias: boolean }>();
  for (const e of kept) {
    if (e.kind !== 'rule') continue;
    for (const a of e.aliases) {
      const key = normaliseRuleName(a);
      if (!byRule.has(key)) byName.set(key, { entry: e, alias: true });
    }
  }
  for (const e of kept) if (e.kind === 'rule') byName.set(normaliseRuleName(e.rule), { entry: e, alias: false });
  return { entries: kept, byName, generic: kept.filter((e) => e.kind === 'generic'), origins };
}

async function loadDir(dir: string, origin: string, shownAs?: string): Promise<{ entries: KbEntry[]; problems: Problem[] }> {
  const { loadCatalogue } = await import('./load-kb.js');
  const loaded = loadCatalogue(dir, origin, shownAs);
  return { entries: [...loaded.entries], problems: [...loaded.problems] };
}

/** The built-in entries: the prebuilt JSON when it is present, else the YAML files themselves. */
export async function loadBuiltinEntries(): Promise<KbEntry[]> {
  if (existsSync(KB_JSON)) return JSON.parse(readFileSync(KB_JSON, 'utf8')) as KbEntry[];
  const { entries, problems } = await loadDir(KB_DIR, 'built-in', 'rules-kb');
  if (problems.length > 0) throw new KbError(problems);
  return entries;
}

/** Built-in entries plus each user directory, in order; any problem in a user directory is an error. */
export async function loadKnowledgeBase(userDirs: readonly string[] = []): Promise<KnowledgeBase> {
  const entries = await loadBuiltinEntries();
  const problems: Problem[] = [];
  for (const dir of userDirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--kb ${dir}: not a directory`);
    const loaded = await loadDir(dir, dir);
    entries.push(...loaded.entries);
    problems.push(...loaded.problems);
  }
  if (problems.length > 0) throw new KbError(problems);
  return indexKnowledgeBase(entries, ['built-in', ...userDirs]);
}

/** The directory of the built-in YAML catalogue (for `kb validate` and the build). */
export function builtinKbDir(): string {
  return KB_DIR;
}
