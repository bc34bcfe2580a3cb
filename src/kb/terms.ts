// What similarity matching compares: a rule's meaningful tags, output field names and name words. The
// built-in entries' terms are worked out once by the build (dist/kb-index.json), not on every run.
import type { KbEntry } from './load-kb.js';
import { withoutArgument } from '../alert/field-name.js';

/** Each list holds distinct values, in the order they first occur. */
export interface Terms {
  readonly tags: readonly string[];
  readonly fields: readonly string[];
  readonly words: readonly string[];
}

const NOISE_TAG = /^(maturity_|mitre_|T\d{4}|TA\d{4}|NIST|PCI|CIS$|cis$)/i;
const STOP = new Set(['a', 'an', 'the', 'in', 'of', 'to', 'by', 'on', 'for', 'from', 'with', 'and', 'or', 'detect', 'detected', 'custom', 'rule']);

/** Words custom rule names use for the same thing as official ones. */
const SYNONYMS: Readonly<Record<string, string>> = {
  bash: 'shell',
  sh: 'shell',
  zsh: 'shell',
  ksh: 'shell',
  dash: 'shell',
  terminal: 'shell',
  k8s: 'kubernetes',
  kube: 'kubernetes',
  connect: 'connection',
  outbound: 'connection',
  inbound: 'connection',
  traffic: 'connection',
  tunneling: 'tunnel',
  cred: 'credential',
  credentials: 'credential',
  secret: 'credential',
};

/** Own keys only: a rule named `constructor` must not reach Object.prototype. */
function synonym(w: string): string | undefined {
  return Object.hasOwn(SYNONYMS, w) ? SYNONYMS[w] : undefined;
}

function distinct(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Tags that say what a rule is about: not maturity, MITRE, compliance or technique ids. Lower case. */
export function meaningfulTags(tags: readonly string[]): string[] {
  return distinct(tags.filter((t) => !NOISE_TAG.test(t)).map((t) => t.toLowerCase()));
}

/** The words of a rule name, lower case, without stop words, plural `s` and with synonyms folded. */
export function nameWords(name: string): string[] {
  return distinct(
    name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && !STOP.has(w))
      .map((w) => synonym(w) ?? (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w))
      .map((w) => synonym(w) ?? w),
  );
}

/** Field names without an argument (`proc.aname[2]` is `proc.aname`). */
export function fieldBases(fields: readonly string[]): string[] {
  return distinct(fields.map(withoutArgument));
}

/** The terms of a KB entry. */
export function termsOf(entry: Pick<KbEntry, 'rule' | 'tags' | 'fields'>): Terms {
  return { tags: meaningfulTags(entry.tags), fields: fieldBases(entry.fields), words: nameWords(entry.rule) };
}

/** |a ∩ b| / |a ∪ b| for lists of distinct values, and the shared values in the order of `a`. */
export function jaccard(a: readonly string[], b: readonly string[]): { score: number; shared: string[] } {
  const shared = a.filter((x) => b.includes(x));
  const union = a.length + b.length - shared.length;
  return { score: union === 0 ? 0 : shared.length / union, shared };
}
