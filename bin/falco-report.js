#!/usr/bin/env node
// Entry point: tunes the heap, runs the CLI and sets the exit code; nothing else.
import { main } from '../dist/cli.js';
import { tuneHeap } from '../dist/heap.js';
import { processIo } from '../dist/io.js';

tuneHeap();
process.exitCode = await main(process.argv.slice(2), processIo());
