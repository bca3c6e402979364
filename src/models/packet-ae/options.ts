import { z } from 'zod';
import { usageError } from '../../errors.js';

/**
 * Options of the packet-level anomaly detector (KitNET: an ensemble of small autoencoders and an output
 * autoencoder over their errors). Grace periods count samples (packets), not seconds.
 */
export interface PacketAeOptions {
  /** Largest number of features one ensemble autoencoder sees. Default 10 (the paper's m). */
  maxAutoencoderInputs: number;
  /** Samples used to learn the feature map (correlation clustering). Default 5000 (the reference example). */
  featureMapGrace: number;
  /** Samples the autoencoders train on after the feature map is fixed. Default 50000 (the reference example). */
  detectorGrace: number;
  /**
   * Benign samples scored (not learned) after training, whose scores the log-normal threshold is fitted to.
   * Default 20000: enough for stable log mean and deviation; the tail beyond them is the fitted curve's.
   */
  calibrationSamples: number;
  /** Hidden units per autoencoder = ⌈inputs × hiddenRatio⌉. Default 0.75. */
  hiddenRatio: number;
  /** SGD step size of every autoencoder. Default 0.1. */
  learningRate: number;
  /** Tail probability of the fitted log-normal above the alert threshold. Default 1e-4. */
  falseAlarmRate: number;
  /** Seed of the initial weights. Default 1. */
  seed: number;
}

export function defaultPacketAeOptions(): PacketAeOptions {
  return {
    maxAutoencoderInputs: 10,
    featureMapGrace: 5000,
    detectorGrace: 50_000,
    calibrationSamples: 20_000,
    hiddenRatio: 0.75,
    learningRate: 0.1,
    falseAlarmRate: 1e-4,
    seed: 1,
  };
}

export const packetAeOptionsSchema = z
  .object({
    maxAutoencoderInputs: z.number().int().min(1).max(1000),
    featureMapGrace: z.number().int().min(1),
    detectorGrace: z.number().int().min(1),
    calibrationSamples: z.number().int().min(2),
    hiddenRatio: z.number().positive().max(4),
    learningRate: z.number().positive().finite(),
    falseAlarmRate: z.number().gt(0).lt(0.5),
    seed: z.number().int(),
  })
  .partial()
  .strict();

/** Fills defaults and rejects invalid values with a usage error naming the option. */
export function resolvePacketAeOptions(partial: Partial<PacketAeOptions> = {}): PacketAeOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const parsed = packetAeOptionsSchema.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw usageError(`packet-ae: option "${issue.path.join('.')}" ${issue.message}`);
  }
  return { ...defaultPacketAeOptions(), ...parsed.data };
}
