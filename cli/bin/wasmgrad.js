#!/usr/bin/env node
// The `wasmgrad` command of the @wasmgrad/cli workspace package (npx wasmgrad from the clone).
// One tsc pass builds the whole repository into the root dist/ (npm ci's prepare script), so
// this launcher runs the built CLI from there, like the root bin/wasmgrad.js that shards spawn.
import { main } from '../../dist/cli/main.js';

process.exitCode = await main(process.argv);
