import { Readable } from 'node:stream';
import { PacketAe } from '../../../models/packet-ae/packet-ae.js';
import { savePacketAeModel } from '../../../models/packet-ae/model-dir.js';
import { PacketStats } from '../../../traffic/packet-stats/packet-stats.js';
import { readPackets } from '../../../traffic/read-packets.js';
import { writePcap } from '../../../traffic/test-helpers/capture-writer.js';
import type { PacketModel } from '../packet-watch.js';
import { labFrames } from './conn-model.js';

/**
 * Grace periods for the fixture network (20 packets a second): 13,200 packets, 660 s, several half-lives of
 * the slowest window (100 s), so the streams' statistics are steady when the detector learns them.
 */
export const FIXTURE_GRACE = { featureMapGrace: 200, detectorGrace: 10_000, calibrationSamples: 3000 };

/**
 * A packet-ae detector trained on the fixture network's benign traffic (`labFrames` without a scan), read
 * through the same pcap reader `watch` uses; saved into `dir` when given.
 */
export async function makePacketModel(dir?: string): Promise<PacketModel> {
  const stats = new PacketStats();
  const detector = new PacketAe({ ...FIXTURE_GRACE, seed: 2 });
  const x = new Float64Array(stats.nFeatures);
  await readPackets(Readable.from([writePcap(labFrames(1_000_000, { seconds: 700 }))]), {
    file: 'benign.pcap',
    onPacket: (p) => void detector.process(stats.extract(p, x)),
  });
  if (!detector.ready) throw new Error('fixture detector not calibrated');
  if (dir) {
    await savePacketAeModel(dir, detector, {
      extractor: 'packet-stats',
      options: { ...stats.options },
      featureNames: [...stats.names],
    });
  }
  detector.freeze();
  return { detector, features: new PacketStats(), id: 'packet-ae@fixture' };
}
