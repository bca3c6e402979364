import type { OnlineDetector } from './online-detector.js';
import { PacketAe } from './packet-ae/packet-ae.js';
import type { PacketAeOptions } from './packet-ae/options.js';

/** One detector in the shared online-detector contract test. Add every new online detector here. */
export interface OnlineDetectorCase<Options extends object = object> {
  readonly kind: string;
  /** A small, fast configuration, seeded, that becomes ready within `samplesToReady` calls of `process`. */
  create(seed: number): OnlineDetector<Options>;
  readonly samplesToReady: number;
  load(dir: string, options: Options): Promise<OnlineDetector<Options>>;
}

function defineCase<Options extends object>(c: OnlineDetectorCase<Options>): OnlineDetectorCase {
  return c;
}

const small = { featureMapGrace: 100, detectorGrace: 600, calibrationSamples: 200, maxAutoencoderInputs: 4 };

export const onlineDetectorCases: readonly OnlineDetectorCase[] = [
  defineCase<PacketAeOptions>({
    kind: 'packet-ae',
    create: (seed) => new PacketAe({ ...small, seed }),
    samplesToReady: small.featureMapGrace + small.detectorGrace + small.calibrationSamples,
    load: (dir, options) => PacketAe.load(dir, options),
  }),
];
