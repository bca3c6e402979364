import type { CaptureHealth } from '../../../traffic/live/live-source.js';
import { StdinPcapSource } from '../../../traffic/live/stdin-source.js';

/**
 * A stdin capture that reports `droppedByKernel` packets in its statistics, as tcpdump does when the
 * kernel's buffer overflows (which a test cannot provoke without root and a real flood): the packets are
 * the real stream's, only the drop counter is set.
 */
export class StdinWithKernelDrops extends StdinPcapSource {
  constructor(
    input: ConstructorParameters<typeof StdinPcapSource>[0],
    private readonly droppedByKernel: number,
  ) {
    super(input);
  }

  override health(): CaptureHealth {
    const health = super.health();
    return { ...health, stats: { ...health.stats, droppedByKernel: this.droppedByKernel } };
  }
}
