import { z } from 'zod';
import { readJsonFile } from '../util/read-json-file.js';

const thresholdsSchema = z.record(z.string(), z.number().min(0).max(1));

/** `--thresholds file.json`: per-class alert thresholds in [0, 1]; errors name the file and the class. */
export async function readThresholds(path: string): Promise<Record<string, number>> {
  return readJsonFile(path, thresholdsSchema, 'thresholds');
}
