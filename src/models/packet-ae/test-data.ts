import { PacketStats } from '../../traffic/packet-stats/packet-stats.js';
import { makePacket } from '../../traffic/packet-stats/test-packets.js';
import { Random } from '../../util/random.js';

/**
 * Synthetic samples for the detector's tests: benign rows lie near a 3-dimensional subspace of `width`
 * features (x = A·z + noise, z uniform), anomalous rows break that structure (independent uniform values
 * over the same range). Deterministic per seed.
 */
export function syntheticRows(
  width: number,
  seed: number,
): { benign: () => Float64Array; anomaly: () => Float64Array } {
  const random = new Random(seed);
  const mixing = Float64Array.from({ length: width * 3 }, () => random.next());
  const benign = (): Float64Array => {
    const z = [random.next(), random.next(), random.next()];
    const x = new Float64Array(width);
    for (let i = 0; i < width; i++)
      x[i] =
        mixing[i * 3] * z[0] + mixing[i * 3 + 1] * z[1] + mixing[i * 3 + 2] * z[2] + 0.01 * random.normal();
    return x;
  };
  const anomaly = (): Float64Array => Float64Array.from({ length: width }, () => random.next() * 2);
  return { benign, anomaly };
}

/**
 * packet-stats features of a small synthetic IoT network (8 devices talking to 3 servers on ports 80, 443
 * and 1883, 20 ms apart on average), one vector per packet, handed to `each` (the vector is reused).
 */
export function forEachSyntheticPacketFeatures(
  count: number,
  seed: number,
  each: (x: Float64Array) => void,
): void {
  const stats = new PacketStats();
  const random = new Random(seed);
  const x = new Float64Array(stats.nFeatures);
  let ts = 1_700_000_000;
  for (let i = 0; i < count; i++) {
    ts += random.next() * 0.05;
    const device = random.int(8);
    const packet = makePacket({
      ts,
      srcIp: `10.0.0.${device + 2}`,
      dstIp: `10.0.1.${random.int(3) + 1}`,
      srcPort: 40000 + random.int(20),
      dstPort: [80, 443, 1883][random.int(3)],
      wireLength: 60 + random.int(1400),
      srcMac: device + 1,
    });
    each(stats.extract(packet, x));
  }
}
