/**
 * Runs the detection service in its own process, for tests that kill it or attack it:
 * `node --import tsx serve-child.ts '<ServerOptions as JSON>'`. Prints one line `{"url": …}` once it
 * listens; SIGTERM closes it cleanly, SIGHUP reloads the model (the result goes to stderr).
 */
import { startServer, type ServerOptions } from '../server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
const server = await startServer({ ...options, log: (message) => process.stderr.write(`${message}\n`) });
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);

process.on('SIGHUP', () => {
  void server.reload();
});
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
