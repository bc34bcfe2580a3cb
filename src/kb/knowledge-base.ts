// The knowledge base at run time: built-in entries (prebuilt JSON, else YAML) plus --kb catalogues, indexed.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KbError, InputError, type Problem } from '../errors.js';
import type { KbEntry } from './load-kb.js';
import { termsOf, type Terms } from './terms.js';

/** What matching reads of an entry besides its terms: its names, kind, source and generic scope. */
export type KbHead = Pick<KbEntry, 'rule' | 'aliases' | 'kind' | 'applies' | 'source'>;

/**
 * One entry as the catalogue holds it: the head at once, the whole entry when it is read. Built-in
 * entries are parsed from dist/kb.json on that first read, so a report parses only the entries its
 * alerts matched; the entries of --kb directories are whole from the start.
 */
export interface KbRef {
  readonly head: KbHead;
  readonly entry: KbEntry;
  /** What similarity matching compares (the build works it out for built-in entries). */
  readonly terms: Terms;
}

/** The indexed catalogue the matcher reads. */
export interface KnowledgeBase {
  /** Every entry, whole (the first read parses every built-in entry: for `kb list`, not for reports). */
  readonly entries: readonly KbEntry[];
  /** The same entries, in the same order, as refs: matching reads these. */
  readonly refs: readonly KbRef[];
  /** Normalised rule name or alias → entry, with which of the two it was. */
  readonly byName: ReadonlyMap<string, { readonly ref: KbRef; readonly alias: boolean }>;
  readonly generic: readonly KbRef[];
  /** The catalogues in load order: `built-in` first, then each --kb directory. */
  readonly origins: readonly string[];
}

/** Where the built-in catalogue lives, relative to this module (src/kb or dist/kb). */
/** The origin of the entries shipped in rules-kb/ (a user catalogue's origin is its directory). */
export const BUILT_IN = 'built-in';

const KB_DIR = fileURLToPath(new URL('../../rules-kb/', import.meta.url));
/** The catalogue compiled by `npm run build` (scripts/build-kb.mjs), read without YAML or zod. */
const KB_JSON = fileURLToPath(new URL('../kb.json', import.meta.url));
/** Its index, written by the same build: every entry's head, and where in kb.json the rest is. */
const KB_INDEX = fileURLToPath(new URL('../kb-index.json', import.meta.url));

/** The keys of KbHead, in the order the index writes them. */
const HEAD_KEYS = ['rule', 'aliases', 'kind', 'applies', 'source'] as const satisfies readonly (keyof KbHead)[];

/** dist/kb-index.json. */
export interface KbIndex {
  /** The byte length of the kb.json it indexes: another length means the two are out of step. */
  readonly bytes: number;
  /** Per entry: its head, its terms, and the byte range of its JSON text in kb.json. */
  readonly entries: readonly { readonly head: KbHead; readonly terms: Terms; readonly at: readonly [number, number] }[];
}

/** The text of dist/kb.json (exactly JSON.stringify(entries)) and its index. */
export function compileKb(entries: readonly KbEntry[]): { json: string; index: KbIndex } {
  const parts: string[] = [];
  const indexed: KbIndex['entries'][number][] = [];
  let offset = 1; // after '['
  for (const e of entries) {
    if (parts.length > 0) offset += 1; // ','
    const text = JSON.stringify(e);
    const bytes = Buffer.byteLength(text);
    indexed.push({ head: headOf(e), terms: termsOf(e), at: [offset, offset + bytes] });
    parts.push(text);
    offset += bytes;
  }
  const json = `[${parts.join(',')}]`;
  return { json, index: { bytes: Buffer.byteLength(json), entries: indexed } };
}

function headOf(e: KbEntry): KbHead {
  const head: Record<string, unknown> = {};
  for (const k of HEAD_KEYS) if (e[k] !== undefined) head[k] = e[k];
  return head as unknown as KbHead;
}

/** A whole entry as a ref; its terms are worked out when matching first asks for them. */
class WholeRef implements KbRef {
  #terms: Terms | undefined;
  constructor(readonly entry: KbEntry) {}
  get head(): KbHead {
    return this.entry;
  }
  get terms(): Terms {
    this.#terms ??= termsOf(this.entry);
    return this.#terms;
  }
}

function refOf(entry: KbEntry): KbRef {
  return new WholeRef(entry);
}

/** A built-in entry known by its head, parsed whole from kb.json on first read. */
class IndexedRef implements KbRef {
  #entry: KbEntry | undefined;
  constructor(
    readonly head: KbHead,
    readonly terms: Terms,
    private readonly at: readonly [number, number],
    private readonly read: (start: number, end: number) => Buffer,
  ) {}
  get entry(): KbEntry {
    if (this.#entry === undefined) {
      const entry = JSON.parse(this.read(this.at[0], this.at[1]).toString('utf8')) as KbEntry;
      if (entry.rule !== this.head.rule) throw new Error(`dist/kb.json and dist/kb-index.json disagree at "${this.head.rule}" (run npm run build)`);
      this.#entry = entry;
    }
    return this.#entry;
  }
}

/** Refs over an index; `read` gives a byte range of kb.json (an entry's text, when it is first read). */
export function indexedRefs(index: KbIndex, read: (start: number, end: number) => Buffer): KbRef[] {
  return index.entries.map(({ head, terms, at }) => new IndexedRef(head, terms, at, read));
}

/** Bytes `start` to `end` of a file: a report reads a few entries of kb.json, not its megabyte. */
function readRange(path: string, start: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(end - start);
  const fd = openSync(path, 'r');
  try {
    for (let got = 0; got < buf.length; ) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) throw new Error(`dist/kb.json ends before byte ${end} (run npm run build)`);
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Rule names compare without case and with runs of spaces folded. */
export function normaliseRuleName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Indexes entries; later entries (user catalogues) override earlier ones of the same rule. */
export function indexKnowledgeBase(entries: readonly KbEntry[], origins: readonly string[]): KnowledgeBase {
  return indexKbRefs(entries.map(refOf), origins);
}

/** indexKnowledgeBase over refs: reads their heads only. */
export function indexKbRefs(refs: readonly KbRef[], origins: readonly string[]): KnowledgeBase {
  const byRule = new Map<string, KbRef>();
  for (const r of refs) byRule.set(normaliseRuleName(r.head.rule), r);
  const kept = [...byRule.values()];
  const byName = new Map<string, { ref: KbRef; alias: boolean }>();
  for (const r of kept) {
    if (r.head.kind !== 'rule') continue;
    for (const a of r.head.aliases) {
      const key = normaliseRuleName(a);
      if (!byRule.has(key)) byName.set(key, { ref: r, alias: true });
    }
  }
  for (const r of kept) if (r.head.kind === 'rule') byName.set(normaliseRuleName(r.head.rule), { ref: r, alias: false });
  let entries: KbEntry[] | undefined;
  return {
    get entries() {
      entries ??= kept.map((r) => r.entry);
      return entries;
    },
    refs: kept,
    byName,
    generic: kept.filter((r) => r.head.kind === 'generic'),
    origins,
  };
}

async function loadDir(dir: string, origin: string, shownAs?: string): Promise<{ entries: KbEntry[]; problems: Problem[] }> {
  const { loadCatalogue } = await import('./load-kb.js');
  const loaded = loadCatalogue(dir, origin, shownAs);
  return { entries: [...loaded.entries], problems: [...loaded.problems] };
}

/**
 * The built-in entries: through dist/kb-index.json when it indexes the dist/kb.json beside it (only
 * the entries read are parsed), else the whole of dist/kb.json, else the YAML files themselves.
 */
export async function loadBuiltinRefs(): Promise<KbRef[]> {
  if (existsSync(KB_JSON)) {
    if (existsSync(KB_INDEX)) {
      const index = JSON.parse(readFileSync(KB_INDEX, 'utf8')) as KbIndex;
      if (statSync(KB_JSON).size === index.bytes) return indexedRefs(index, (start, end) => readRange(KB_JSON, start, end));
    }
    return (JSON.parse(readFileSync(KB_JSON, 'utf8')) as KbEntry[]).map(refOf);
  }
  const { entries, problems } = await loadDir(KB_DIR, BUILT_IN, 'rules-kb');
  if (problems.length > 0) throw new KbError(problems);
  return entries.map(refOf);
}

/** Built-in entries plus each user directory, in order; any problem in a user directory is an error. */
export async function loadKnowledgeBase(userDirs: readonly string[] = []): Promise<KnowledgeBase> {
  const refs = await loadBuiltinRefs();
  const problems: Problem[] = [];
  for (const dir of userDirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--kb ${dir}: not a directory`);
    const loaded = await loadDir(dir, dir);
    refs.push(...loaded.entries.map(refOf));
    problems.push(...loaded.problems);
  }
  if (problems.length > 0) throw new KbError(problems);
  return indexKbRefs(refs, [BUILT_IN, ...userDirs]);
}

/** The directory of the built-in YAML catalogue (for `kb validate` and the build). */
export function builtinKbDir(): string {
  return KB_DIR;
}
