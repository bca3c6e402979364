#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (run by `npm ci` through `prepare`) produces dist/.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
