import { describe, expect, it } from 'vitest';
import { addStats, applyStatsLine, parseCaptureStats, ZERO_STATS } from './capture-stats.js';

describe('tcpdump statistics', () => {
  it('parses the exit report, one count a line, ignoring other lines', () => {
    const text = [
      'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
      '2403 packets captured',
      '4806 packets received by filter',
      '7 packets dropped by kernel',
      '1 packet dropped by interface',
    ].join('\n');
    expect(parseCaptureStats(text)).toEqual({
      captured: 2403,
      receivedByFilter: 4806,
      droppedByKernel: 7,
      droppedByInterface: 1,
    });
  });

  it('parses the one-line report tcpdump prints on SIGUSR1, updating in place', () => {
    const stats = { ...ZERO_STATS };
    expect(applyStatsLine(stats, 'tcpdump: listening on lo')).toBe(false);
    const line = 'tcpdump: 12 packets captured, 24 packets received by filter, 3 packets dropped by kernel';
    expect(applyStatsLine(stats, line)).toBe(true);
    expect(stats).toEqual({ captured: 12, receivedByFilter: 24, droppedByKernel: 3, droppedByInterface: 0 });
  });

  it('says null when the process died before reporting, and sums reports of successive processes', () => {
    expect(parseCaptureStats('tcpdump: lo: No such device exists\n')).toBeNull();
    const a = { captured: 1, receivedByFilter: 2, droppedByKernel: 3, droppedByInterface: 4 };
    expect(addStats(a, a)).toEqual({
      captured: 2,
      receivedByFilter: 4,
      droppedByKernel: 6,
      droppedByInterface: 8,
    });
  });
});
