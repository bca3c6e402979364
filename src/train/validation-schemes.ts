/**
 * How validation rows are taken out of the training data (train/validation-split.ts does it). `random`: a
 * stratified share of the rows — it shares attack types with training, so every model scores 98–99.9 % on
 * it. `leave-attack-type-out`: whole attack types held out of each class (preprocess/attack-type-split.ts),
 * closer to the shift to a test set full of unseen attack types. A file of its own so the CLI can offer
 * the names without loading the data code.
 */
export const VALIDATION_SCHEMES = ['random', 'leave-attack-type-out'] as const;
export type ValidationScheme = (typeof VALIDATION_SCHEMES)[number];
