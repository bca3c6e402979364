import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryFile } from '../fit/history.js';
import { makeTinyModel, TINY_CLASSES } from '../detection/test-helpers/tiny-model.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import { runTraining } from './run-training.js';
import type { RunSpec } from './run-spec.js';

/**
 * runTraining end to end without the real datasets: the tiny schema file and its 600-row train.csv
 * (makeTinyModel writes both; the class follows from one feature, so any model learns it).
 */
describe('runTraining on the tiny schema', () => {
  let dir: string;
  let spec: (model: string, modelOptions: Record<string, unknown>, out: string) => RunSpec;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'run-training-'));
    const { schemaFile } = await makeTinyModel(dir);
    spec = (model, modelOptions, out) => ({
      dataset: schemaFile,
      task: 'attack-cat',
      protocol: 'random-split',
      model,
      modelOptions,
      seed: 1,
      out: join(dir, out),
      dataDir: dir,
    });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fits on the training part only, saves the model, then scores the held-out part once', async () => {
    const run = await runTraining(spec('rf', { nEstimators: 5, nJobs: 0 }, 'rf'));
    const { metrics } = run;
    expect(metrics.protocol).toBe('random-split');
    expect(metrics.classes).toEqual(TINY_CLASSES);
    // 20 % of the 600 rows are held out (stratified), the rest is trained on.
    expect(metrics.trainRows).toBe(480);
    const [heldOut, ...others] = Object.keys(metrics.splits);
    expect(others).toEqual([]);
    expect(heldOut).toMatch(/random 20% hold-out/);
    expect(metrics.splits[heldOut].n).toBe(120);
    expect(metrics.splits[heldOut].accuracy).toBeGreaterThan(0.9);
    expect(JSON.parse(await readFile(run.metricsPath, 'utf8'))).toEqual(metrics);
    await access(join(dir, 'rf', 'roc.json'));
    expect(await readFile(join(dir, 'rf', 'classification-report.txt'), 'utf8')).toContain('probe');
    const saved = await loadSavedModel(run.modelDir);
    expect(saved.manifest.classes).toEqual(TINY_CLASSES);
    await saved.model.dispose();
  });

  it('gives a model that trains in epochs a validation split, a history and checkpoints it resumes from', async () => {
    const fcnn = { hiddenUnits: [8], epochs: 3, batchSize: 64, learningRate: 0.05 };
    const first = await runTraining(spec('fcnn', fcnn, 'fcnn'));
    // 10 % of the 480 training rows went to validation.
    expect(first.metrics.trainRows).toBe(432);
    const history = JSON.parse(await readFile(join(dir, 'fcnn', 'history.json'), 'utf8')) as HistoryFile;
    const stages = Object.values(history.stages);
    expect(stages).toHaveLength(1);
    expect(stages[0].epochs.length).toBeGreaterThan(0);
    expect(stages[0].epochs[0].valLoss).toBeTypeOf('number');
    await access(join(dir, 'fcnn', 'checkpoints', 'last'));
    // Resuming a finished run trains nothing more and reproduces its figures.
    const resumed = await runTraining({ ...spec('fcnn', fcnn, 'fcnn'), resume: true });
    const split = Object.keys(first.metrics.splits)[0];
    expect(resumed.metrics.splits[split].confusion).toEqual(first.metrics.splits[split].confusion);
  });

  it('scores a forest on validation rows when a validation scheme is asked for, and reports its fallback', async () => {
    const run = await runTraining({
      ...spec('rf', { nEstimators: 5, nJobs: 0 }, 'rf-lato'),
      validation: 'leave-attack-type-out',
    });
    const { validation } = run.metrics;
    // Each tiny class has one raw label, so no type can be held out: every class falls back to random rows.
    expect(validation?.scheme).toBe('leave-attack-type-out');
    expect(validation?.fallback).toMatch(/"normal", "dos", "probe" has a single raw label/);
    expect(validation?.rows).toBe(48);
    expect(validation?.metrics.n).toBe(48);
    expect(validation?.metrics.accuracy).toBeGreaterThan(0.8);
    expect(run.metrics.trainRows).toBe(432);
  });

  it('reads no test split for a selection run (skipTests), scoring its validation rows only', async () => {
    const run = await runTraining({
      ...spec('rf', { nEstimators: 5, nJobs: 0 }, 'rf-selection'),
      validation: 'random',
      skipTests: true,
    });
    expect(run.metrics.splits).toEqual({});
    expect(run.metrics.validation?.rows).toBe(48);
    expect(run.metrics.validation?.metrics.accuracy).toBeGreaterThan(0.8);
  });

  it('leaves dropped features out of the model and records them as ignored columns', async () => {
    const run = await runTraining({
      ...spec('rf', { nEstimators: 5, nJobs: 0 }, 'rf-drop'),
      dropFeatures: ['noise', 'proto'],
    });
    const saved = await loadSavedModel(run.modelDir);
    expect(saved.manifest.featureNames).toEqual(['duration', 'signal']);
    expect(saved.manifest.inputColumns.filter((c) => c.type === 'ignore').map((c) => c.name)).toEqual([
      'proto',
      'noise',
      'difficulty',
    ]);
    await saved.model.dispose();
    // The class follows from `signal`, which stays.
    expect(Object.values(run.metrics.splits)[0].accuracy).toBeGreaterThan(0.9);
    await expect(
      runTraining({ ...spec('rf', {}, 'rf-drop-bad'), dropFeatures: ['signal', 'label'] }),
    ).rejects.toThrow(/field "dropFeatures.1".*"label" is a label column, not a feature/);
  });

  it('refuses a task the dataset does not support', async () => {
    await expect(runTraining({ ...spec('rf', {}, 'bad'), task: '5class' })).rejects.toThrow(
      /does not support task "5class"/,
    );
  });
});
