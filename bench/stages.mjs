// The pipeline cut short after a stage, in one process, to show where the time goes: each stage adds to
// the ones before it. Usage: node bench/stages.mjs STAGE FILE, STAGE one of read, validate, enrich, fold.
// Prints {"records": n, "secs": s} on stderr. Uses the built modules, as the CLI does.
import { readRecordBatches } from '../dist/input/read-records.js';
import { toAlert } from '../dist/run.js';
import { isReject } from '../dist/alert/alert.js';
import { enrich } from '../dist/enrich/enrich.js';
import { cachedMatcher } from '../dist/kb/match-entry.js';
import { loadKnowledgeBase } from '../dist/kb/knowledge-base.js';
import { createAggregator } from '../dist/aggregate/aggregate.js';

const STAGES = ['read', 'validate', 'enrich', 'fold'];
const [stage, file] = process.argv.slice(2);
const upTo = STAGES.indexOf(stage);
if (upTo < 0 || !file) throw new Error(`usage: stages.mjs ${STAGES.join('|')} FILE`);

const t0 = process.hrtime.bigint();
const match = upTo >= 2 ? cachedMatcher(await loadKnowledgeBase()) : undefined;
const agg = upTo >= 3 ? createAggregator({}) : undefined;
let records = 0;
let kept = 0;
for await (const batch of readRecordBatches([file], { maxRecordBytes: 1 << 20 }, process.stdin)) {
  for (const rec of batch) {
    records++;
    if (upTo < 1 || rec.kind !== 'json') continue;
    const a = toAlert(rec);
    if (isReject(a)) continue;
    kept++;
    if (upTo < 2) continue;
    const e = enrich(a, match(a));
    if (upTo < 3) continue;
    agg.addAlert(e);
  }
}
// The fold ends as the report does: finished and written as JSON.
const summary = agg ? JSON.stringify(agg.finish()).length : 0;
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
process.stderr.write(`${JSON.stringify({ records, kept, summary, secs, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
