#!/usr/bin/env node
// Entry point: runs the CLI with the real process's streams and sets the exit code; nothing else.
import { main } from '../dist/cli.js';
import { processIo } from '../dist/io.js';

process.exitCode = await main(process.argv.slice(2), processIo());
