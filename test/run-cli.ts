// Runs the CLI from source for the end-to-end tests (the published bin runs the compiled dist/ instead).
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv);
