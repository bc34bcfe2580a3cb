// Validation cost in one process: zod's safeParse on every record vs. the fast path (zod only on failure).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { alertSchema as schemaOf, validateAlert } from '../dist/alert/alert.js';
const alertSchema = schemaOf();

const [file, limit] = [process.argv[2], Number(process.argv[3] ?? 200000)];
const records = [];
for await (const line of createInterface({ input: createReadStream(file) })) {
  try {
    records.push(JSON.parse(line));
  } catch {
    /* bad lines are not what this measures */
  }
  if (records.length >= limit) break;
}
const time = (f) => {
  const t0 = process.hrtime.bigint();
  let ok = 0;
  for (const r of records) if (f(r)) ok++;
  return { us: Number(process.hrtime.bigint() - t0) / 1e3 / records.length, ok };
};
// Warm both paths, then measure each twice and keep the better run.
time((r) => alertSchema.safeParse(r).success);
time((r) => !('reason' in validateAlert(r, 'f', 1)));
const zod = Math.min(time((r) => alertSchema.safeParse(r).success).us, time((r) => alertSchema.safeParse(r).success).us);
const fast = Math.min(time((r) => !('reason' in validateAlert(r, 'f', 1))).us, time((r) => !('reason' in validateAlert(r, 'f', 1))).us);
process.stderr.write(`${JSON.stringify({ records: records.length, zodUs: zod, fastUs: fast })}\n`);
