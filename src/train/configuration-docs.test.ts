import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from './experiment-config.js';
import { parseRunOptions } from './run-options.js';

/**
 * The JSON examples of docs/configuration.md, in order: a run config, an experiment, experiments/quick.json,
 * experiments/honest-best.json.
 */
async function examples(): Promise<unknown[]> {
  const text = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  return [...text.matchAll(/```json\n([^]*?)```/g)].map((m) => JSON.parse(m[1]) as unknown);
}

describe('docs/configuration.md', () => {
  it('shows a complete run config that the run options schema accepts, with every key', async () => {
    const [run] = await examples();
    const parsed = parseRunOptions({ ...(run as Record<string, unknown>), out: 'runs/x' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.spec.model).toBe('fcnn');
    expect(parsed.spec.modelOptions).toMatchObject({ epochs: 10, classWeight: 'balanced' });
    const { runConfigKeys } = await import('./run-options.js');
    expect(Object.keys(run as object).sort()).toEqual(runConfigKeys().sort());
  });

  it('shows an experiment config and experiments/quick.json as they are', async () => {
    const [, experiment, quick] = await examples();
    expect(parseExperimentConfig(experiment, 'docs').grid.model).toEqual(['rf', 'sae-softmax', 'fcnn']);
    const file = JSON.parse(
      await readFile(new URL('../../experiments/quick.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(quick).toEqual(file);
    expect(parseExperimentConfig(quick, 'docs').name).toBe('quick');
  });

  it('shows experiments/honest-best.json, with its anomalyAlerts block, as it is', async () => {
    const [, , , honestBest] = await examples();
    const file = JSON.parse(
      await readFile(new URL('../../experiments/honest-best.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(honestBest).toEqual(file);
    const block = parseExperimentConfig(honestBest, 'docs').anomalyAlerts;
    expect(block?.criteria).toEqual({ binary: 'binary-accuracy', '5class': 'accuracy+macro-f1' });
    expect(block?.routes).toEqual({
      '5class': { classifier: 'rf+fcnn5', router: 'residual', score: 'doubt' },
    });
  });
});
