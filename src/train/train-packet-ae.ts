import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { IotIdsError } from '../errors.js';
import { savePacketAeModel, type PacketAeManifest } from '../models/packet-ae/model-dir.js';
import { resolvePacketAeOptions, type PacketAeOptions } from '../models/packet-ae/options.js';
import { PacketAe } from '../models/packet-ae/packet-ae.js';
import { PacketStats } from '../traffic/packet-stats/packet-stats.js';
import { readPackets, type ReadPacketsSummary } from '../traffic/read-packets.js';

export interface TrainPacketAeOptions {
  /** A benign capture (pcap or pcapng). */
  input: string;
  /** Run directory; the model goes to `<out>/model`. */
  out: string;
  /** Detector options (grace periods, false-alarm rate, seed, …); defaults for the rest. */
  detector?: Partial<PacketAeOptions>;
}

export interface TrainPacketAeResult {
  modelDir: string;
  manifest: PacketAeManifest;
  capture: ReadPacketsSummary;
  packets: number;
  threshold: number;
}

/**
 * Unsupervised packet-level training: every packet of a benign capture goes through the packet statistics and
 * the detector's grace periods (feature map, training, calibration), then the calibrated detector is saved.
 * A capture shorter than the grace periods is refused with the detector's message and nothing is written.
 */
export async function trainPacketAe(options: TrainPacketAeOptions): Promise<TrainPacketAeResult> {
  const detectorOptions = resolvePacketAeOptions(options.detector);
  const stats = new PacketStats();
  const detector = new PacketAe(detectorOptions);
  const x = new Float64Array(stats.nFeatures);
  let packets = 0;
  let capture: ReadPacketsSummary;
  try {
    capture = await readPackets(createReadStream(options.input), {
      file: options.input,
      onPacket: (packet) => {
        packets++;
        detector.process(stats.extract(packet, x));
      },
    });
  } catch (error) {
    if (error instanceof IotIdsError) throw error;
    throw new IotIdsError(`cannot read the capture: ${(error as Error).message}`, {
      location: { file: options.input },
      cause: error,
    });
  }
  const modelDir = join(options.out, 'model');
  // Refuses (naming the shortfall) before anything is written when the grace periods are not over.
  const manifest = await savePacketAeModel(modelDir, detector, {
    extractor: 'packet-stats',
    options: { ...stats.options },
    featureNames: [...stats.names],
  });
  return { modelDir, manifest, capture, packets, threshold: detector.threshold as number };
}
