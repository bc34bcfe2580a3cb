// Reads Falco rules files as users have them and lists the rules a knowledge base has no entry for.
import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, isPair } from 'yaml';
import { InputError, type Problem } from '../errors.js';
import { normaliseRuleName, type KnowledgeBase } from './knowledge-base.js';

/** One rule defined by a rules file (appends and overrides of existing rules are not definitions). */
export interface DefinedRule {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly enabled: boolean;
}

/** The rules each file defines; a file that cannot be read or parsed is a problem with file:line. */
export function readRulesFiles(files: readonly string[]): { rules: DefinedRule[]; problems: Problem[] } {
  const rules: DefinedRule[] = [];
  const problems: Problem[] = [];
  const byName = new Map<string, DefinedRule>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InputError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    const counter = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter: counter })) {
      if (!('errors' in doc)) continue;
      for (const e of doc.errors) problems.push({ file, line: counter.linePos(e.pos[0]).line, message: `YAML: ${e.message.split('\n')[0]}` });
      if (doc.errors.length > 0) continue;
      const top = doc.contents;
      if (top === null) continue;
      if (!isSeq(top)) {
        problems.push({ file, line: 1, message: 'expected a list of rules, macros and lists' });
        continue;
      }
      for (const item of top.items) {
        if (!isMap(item)) continue;
        const get = (k: string): unknown => {
          const pair = item.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === k);
          return pair && isPair(pair) && isScalar(pair.value) ? pair.value.value : pair && isPair(pair) ? pair.value : undefined;
        };
        const name = get('rule');
        if (typeof name !== 'string') continue;
        const line = counter.linePos(item.range?.[0] ?? 0).line;
        const modifies = get('append') === true || get('override') !== undefined;
        const enabledValue = get('enabled');
        const prior = byName.get(normaliseRuleName(name));
        if (modifies || prior) {
          // An append/override (or a redefinition) changes an existing rule; `enabled: false` still counts.
          if (prior && typeof enabledValue === 'boolean') byName.set(normaliseRuleName(name), { ...prior, enabled: enabledValue });
          if (!prior && !modifies) continue;
          if (!prior) {
            const r = { name, file, line, enabled: enabledValue !== false };
            byName.set(normaliseRuleName(name), r);
          }
          continue;
        }
        byName.set(normaliseRuleName(name), { name, file, line, enabled: enabledValue !== false });
      }
    }
  }
  rules.push(...byName.values());
  return { rules, problems };
}

/** The rules with no entry in the knowledge base (by rule name or alias). */
export function missingRules(rules: readonly DefinedRule[], kb: KnowledgeBase): DefinedRule[] {
  return rules.filter((r) => !kb.byName.has(normaliseRuleName(r.name)));
}
