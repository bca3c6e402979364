import { z } from 'zod';
import type { FcnnOptions } from '../fcnn/options.js';
import { fcnnOptionsSchema } from '../fcnn/options.js';
import { freezeDefaults } from '../options.js';
import type { RandomForestOptions } from '../random-forest/options.js';
import { randomForestOptionsSchema } from '../random-forest/options.js';

/** Options of the forest + FCNN ensemble: each member's own options and the FCNN's share of the vote. */
export interface RfFcnnOptions {
  /** The forest's options (its own defaults for what is not set). */
  rf: Partial<RandomForestOptions>;
  /** The FCNN's options (its own defaults for what is not set). */
  fcnn: Partial<FcnnOptions>;
  /** The FCNN's share of the vote, in [0, 1]; the forest has the rest. Default 0.5. */
  fcnnWeight: number;
  seed: number;
}

export const rfFcnnDefaults = freezeDefaults<Omit<RfFcnnOptions, 'seed'>>({
  rf: {},
  fcnn: {},
  fcnnWeight: 0.5,
});

/** What a user may set; each member's options are checked by that member's own schema. */
export const rfFcnnOptionsSchema = z
  .object({ rf: randomForestOptionsSchema, fcnn: fcnnOptionsSchema, fcnnWeight: z.number().min(0).max(1) })
  .partial()
  .strict();
