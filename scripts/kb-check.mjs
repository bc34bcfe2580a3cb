#!/usr/bin/env node
// Checks a KB directory with every gate (schema, fields, ATT&CK, snippets, bash -n, shellcheck); needs `npm run build`.
import { loadCatalogue } from '../dist/kb/load-kb.js';
import { checkCommands } from '../dist/kb/check-commands.js';
import { formatProblem } from '../dist/errors.js';

const dir = process.argv[2] ?? 'rules-kb';
const { entries, problems } = loadCatalogue(dir, dir);
const shell = checkCommands(entries);
const all = [...problems, ...shell.problems];
for (const p of all) console.log(formatProblem(p));
for (const s of shell.skipped) console.log(`warning: ${s}`);
console.log(`${entries.length} entries, ${all.length} problems`);
process.exitCode = all.length > 0 ? 2 : 0;
