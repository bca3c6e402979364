/** Polls `condition` (sync or async) until it holds; fails after `timeoutMs`. For tests of timers and threads. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  pollMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
