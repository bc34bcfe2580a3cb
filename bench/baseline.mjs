// The throughput baseline: split a file into lines and JSON.parse each, nothing else.
import { createReadStream } from 'node:fs';

let n = 0;
let bad = 0;
let rest = '';
for await (const chunk of createReadStream(process.argv[2], { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop() ?? '';
  for (const l of lines) {
    if (l === '') continue;
    try {
      JSON.parse(l);
      n++;
    } catch {
      bad++;
    }
  }
}
if (rest) {
  try {
    JSON.parse(rest);
    n++;
  } catch {
    bad++;
  }
}
process.stderr.write(`${JSON.stringify({ parsed: n, bad, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
