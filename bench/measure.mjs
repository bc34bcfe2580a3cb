// Runs the real CLI in this process, set up as bin/falco-report.js does, and reports its peak RSS afterwards.
import { main } from '../dist/cli.js';
import { processIo } from '../dist/io.js';

const code = await main(process.argv.slice(2), processIo());
process.stderr.write(`${JSON.stringify({ code, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
process.exitCode = code;
