import { subsetSplit, type LabelledSplit } from '../data/labelled-split.js';
import { leaveAttackTypeOutSplit } from '../preprocess/attack-type-split.js';
import { stratifiedSplit } from '../preprocess/stratified-split.js';
import type { ValidationScheme } from './validation-schemes.js';

export interface ValidationParts {
  fit: LabelledSplit;
  validation: LabelledSplit;
  /** One sentence on what was held out, for the console and metrics.json. */
  detail: string;
  /** Set when a class could not be split the way the scheme asks (a reported fallback, not a silent one). */
  fallback?: string;
}

export function validationSplit(
  train: LabelledSplit,
  scheme: ValidationScheme,
  fraction: number,
  seed: number,
): ValidationParts {
  const name = train.name;
  const percent = Math.round(fraction * 100);
  if (scheme === 'random') {
    const parts = stratifiedSplit(train.y, fraction, seed);
    return {
      fit: subsetSplit(train, parts.train, name),
      validation: subsetSplit(train, parts.test, `${name} (validation)`),
      detail: `random stratified ${percent} % of ${name}`,
    };
  }
  const label = train.table.label;
  const parts = leaveAttackTypeOutSplit(
    train.y,
    label.codes,
    label.categories,
    train.classes,
    fraction,
    seed,
  );
  const held = train.classes
    .map((c, i) => (parts.heldOutTypes[i].length ? `${c}: ${parts.heldOutTypes[i].join(', ')}` : ''))
    .filter(Boolean);
  const randomRows = parts.randomRowClasses.map((c) => train.classes[c]);
  const fallback = randomRows.length
    ? `class ${randomRows.map((c) => `"${c}"`).join(', ')} has a single raw label, so its validation rows are a random ${percent} % of its rows instead of a held-out type`
    : undefined;
  return {
    fit: subsetSplit(train, parts.train, name),
    validation: subsetSplit(train, parts.test, `${name} (validation, held-out attack types)`),
    detail:
      `leave-attack-type-out (${parts.test.length} of ${train.y.length} rows); held out ${held.join('; ') || 'no type'}` +
      (randomRows.length ? `; random ${percent} % of ${randomRows.join(', ')}` : ''),
    ...(fallback ? { fallback } : {}),
  };
}
