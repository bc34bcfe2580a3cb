// Chooses the KB entry for an alert: exact name, alias, closest by tags, fields and name, then generic.
import type { Alert } from '../alert/alert.js';
import { normaliseRuleName, type KbRef, type KnowledgeBase } from './knowledge-base.js';
import type { KbEntry } from './load-kb.js';
import { fieldBases, jaccard, meaningfulTags, nameWords } from './terms.js';

/** How an entry was chosen, most certain first. */
export const MATCH_KINDS = ['exact', 'alias', 'similar', 'generic', 'none'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

/** The entry chosen for an alert and the reasons, as the report states them. */
export interface Match {
  readonly entry?: KbEntry;
  readonly how: MatchKind;
  /** For `similar`: which signals chose it (`tags shell, container`, `fields proc.cmdline`). */
  readonly signals: readonly string[];
  /** For `similar`: 0..1, with a word for people. */
  readonly score?: number;
  readonly confidence?: 'high' | 'medium' | 'low';
}

const PLUGIN_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ['ka.', 'k8s_audit'],
  ['ct.', 'aws_cloudtrail'],
  ['gcp.', 'gcp_auditlog'],
  ['github.', 'github'],
  ['okta.', 'okta'],
];

/** The alert's event source, inferred from its field names when it does not say. */
export function alertSource(alert: Alert): string {
  if (alert.source) return alert.source === 'syscalls' ? 'syscall' : alert.source;
  if (alert.rule.startsWith('Falco internal:')) return 'internal';
  for (const key of Object.keys(alert.fields)) {
    for (const [prefix, source] of PLUGIN_PREFIX) if (key.startsWith(prefix)) return source;
  }
  return 'syscall';
}

/** Tag families inferred from name words, for custom rules that carry no tags. */
const WORD_FAMILY: Readonly<Record<string, string>> = {
  shell: 'shell',
  process: 'process',
  connection: 'network',
  network: 'network',
  tunnel: 'network',
  ssh: 'network',
  port: 'network',
  file: 'filesystem',
  write: 'filesystem',
  read: 'filesystem',
  open: 'filesystem',
  directory: 'filesystem',
};

/** Below this similarity a custom rule gets the generic entry rather than a guess. */
const SIMILAR_THRESHOLD = 0.3;

function similar(alert: Alert, source: string, kb: KnowledgeBase): Match | undefined {
  const aTags = meaningfulTags(alert.tags);
  const aFields = fieldBases(Object.keys(alert.fields));
  const aWords = nameWords(alert.rule);
  let best: { ref: KbRef; score: number; signals: string[] } | undefined;
  // Heads only: the one entry chosen is the only one read whole.
  for (const ref of kb.refs) {
    const entry = ref.head;
    if (entry.kind !== 'rule' || entry.source !== source) continue;
    const terms = ref.terms;
    const t = jaccard(aTags, terms.tags);
    const f = jaccard(aFields, terms.fields);
    const n = jaccard(aWords, terms.words);
    // Tags carry intent, names carry the behaviour, fields only the shape: weigh them so.
    const score = 0.4 * t.score + 0.35 * n.score + 0.25 * f.score;
    if (!best || score > best.score) {
      const signals: string[] = [];
      if (t.shared.length > 0) signals.push(`tags ${t.shared.join(', ')}`);
      if (n.shared.length > 0) signals.push(`name words ${n.shared.join(', ')}`);
      if (f.shared.length > 0) signals.push(`fields ${f.shared.slice(0, 4).join(', ')}${f.shared.length > 4 ? ', ...' : ''}`);
      best = { ref, score, signals };
    }
  }
  if (!best || best.score < SIMILAR_THRESHOLD) return undefined;
  const score = Math.round(best.score * 100) / 100;
  const confidence = score >= 0.6 ? 'high' : score >= 0.45 ? 'medium' : 'low';
  return { entry: best.ref.entry, how: 'similar', signals: best.signals, score, confidence };
}

function generic(alert: Alert, source: string, kb: KnowledgeBase): Match {
  const own = new Set(meaningfulTags(alert.tags));
  // A custom rule without tags still says what it is about in its name.
  const tags = own.size > 0 ? own : new Set(nameWords(alert.rule).map((w) => (Object.hasOwn(WORD_FAMILY, w) ? WORD_FAMILY[w] : undefined)).filter((t): t is string => t !== undefined));
  const inferred = own.size === 0 && tags.size > 0;
  const forSource = kb.generic.filter((g) => g.head.applies?.source === source);
  // The family sharing the most tags wins; on a tie, the narrower family (fewer tags) is more specific.
  let family: { ref: KbRef; shared: string[] } | undefined;
  for (const g of forSource) {
    const fam = g.head.applies?.tags_any ?? [];
    const shared = fam.filter((t) => tags.has(t.toLowerCase()));
    if (shared.length === 0) continue;
    const better =
      !family ||
      shared.length > family.shared.length ||
      (shared.length === family.shared.length && fam.length < (family.ref.head.applies?.tags_any.length ?? 0));
    if (better) family = { ref: g, shared };
  }
  if (family) return { entry: family.ref.entry, how: 'generic', signals: [`source ${source}`, `${inferred ? 'name suggests' : 'tags'} ${family.shared.join(', ')}`] };
  const plain = forSource.find((g) => (g.head.applies?.tags_any ?? []).length === 0);
  if (plain) return { entry: plain.entry, how: 'generic', signals: [`source ${source}`] };
  const plugin = kb.generic.find((g) => g.head.applies?.source === 'plugin');
  if (plugin) return { entry: plugin.entry, how: 'generic', signals: [`source ${source} (no entry of its own)`] };
  return { how: 'none', signals: [] };
}

/** Matches one alert; pure, so callers may cache by rule, source, tags and field names. */
export function matchEntry(alert: Alert, kb: KnowledgeBase): Match {
  const hit = kb.byName.get(normaliseRuleName(alert.rule));
  if (hit) return { entry: hit.ref.entry, how: hit.alias ? 'alias' : 'exact', signals: [] };
  const source = alertSource(alert);
  return similar(alert, source, kb) ?? generic(alert, source, kb);
}

/**
 * The cache key of a match: rule, source and tags. The field names also count in matching, but a
 * rule prints the same fields in every alert, so its first alert decides for the rest.
 */
export function matchKey(alert: Alert): string {
  return `${alert.rule}\u0000${alert.source ?? ''}\u0000${alert.tags.join(',')}`;
}

/** A matcher with bounded caches: a stream of a few rules costs one match per distinct shape. */
export function cachedMatcher(kb: KnowledgeBase, capacity = 4096): (alert: Alert) => Match {
  // Exact and alias matches depend on the rule name alone: the common case costs one Map lookup.
  const byRule = new Map<string, Match | null>();
  const cache = new Map<string, Match>();
  return (alert) => {
    let named = byRule.get(alert.rule);
    if (named === undefined) {
      const hit = kb.byName.get(normaliseRuleName(alert.rule));
      named = hit ? { entry: hit.ref.entry, how: hit.alias ? 'alias' : 'exact', signals: [] } : null;
      if (byRule.size >= capacity) byRule.clear();
      byRule.set(alert.rule, named);
    }
    if (named) return named;
    const key = matchKey(alert);
    let m = cache.get(key);
    if (!m) {
      m = matchEntry(alert, kb);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      cache.set(key, m);
    }
    return m;
  };
}
