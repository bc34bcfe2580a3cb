#!/usr/bin/env node
// Validates the built-in rules-kb (schema and static gates) and compiles it to dist/kb.json for fast start-up.
import { writeFileSync } from 'node:fs';
import { loadCatalogue } from '../dist/kb/load-kb.js';
import { formatProblem } from '../dist/errors.js';

const dir = new URL('../rules-kb/', import.meta.url).pathname;
const { entries, problems } = loadCatalogue(dir, 'built-in', 'rules-kb');
if (problems.length > 0) {
  for (const p of problems) console.error(formatProblem(p));
  console.error(`build-kb: ${problems.length} problems in rules-kb; dist/kb.json not written`);
  process.exit(2);
}
writeFileSync(new URL('../dist/kb.json', import.meta.url), JSON.stringify(entries));
console.error(`build-kb: ${entries.length} entries compiled to dist/kb.json`);
