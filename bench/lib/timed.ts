/** Wall and CPU seconds (user + system) of one synchronous run; CPU time is the steadier figure here. */
export function timed(run: () => unknown): { wallSeconds: number; cpuSeconds: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  run();
  const used = process.cpuUsage(cpu);
  return { wallSeconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}
