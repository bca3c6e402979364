/**
 * Polls `condition` until it holds; rejects after `timeoutMs` with `what` in the message, so a stalled step
 * names itself. The defaults suit the in-memory fake broker; tests against a real broker (rebalances, child
 * processes) pass a longer timeout and a slower poll.
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
  pollMs = 2,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
