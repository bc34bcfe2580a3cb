#!/usr/bin/env node
// Validates the built-in rules-kb (schema and static gates) and compiles it to dist/kb.json, with the
// index dist/kb-index.json, for fast start-up.
import { writeFileSync } from 'node:fs';
import { loadCatalogue } from '../dist/kb/load-kb.js';
import { formatProblem } from '../dist/errors.js';
import { BUILT_IN, compileKb } from '../dist/kb/knowledge-base.js';

const dir = new URL('../rules-kb/', import.meta.url).pathname;
const { entries, problems } = loadCatalogue(dir, BUILT_IN, 'rules-kb');
if (problems.length > 0) {
  for (const p of problems) console.error(formatProblem(p));
  console.error(`build-kb: ${problems.length} problems in rules-kb; dist/kb.json not written`);
  process.exit(2);
}
const { json, index } = compileKb(entries);
writeFileSync(new URL('../dist/kb.json', import.meta.url), json);
writeFileSync(new URL('../dist/kb-index.json', import.meta.url), JSON.stringify(index));
console.error(`build-kb: ${entries.length} entries compiled to dist/kb.json (index: dist/kb-index.json)`);
