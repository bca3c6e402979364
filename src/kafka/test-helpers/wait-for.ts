/**
 * Polls `condition` until it holds; fails naming `what` after `timeoutMs`. For the Kafka tests, where a
 * rebalance or a child process can take many seconds, so the timeout is long and the message says which
 * step stalled.
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 60_000,
  pollMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
