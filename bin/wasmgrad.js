#!/usr/bin/env node
// Launcher for the built CLI (run `npm run build` first).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
