import { join } from 'node:path';
import { saveModelDir } from '../../models/model-dir.js';
import { RandomForestClassifier } from '../../models/random-forest/forest.js';
import { FeaturePipeline } from '../../preprocess/pipeline.js';
import type { ConnRecord } from '../../traffic/conn-record.js';
import { buildFeatureTable } from '../../traffic/features/feature-table.js';
import type { FeatureSetName } from '../../traffic/features/feature-set.js';
import { conn } from '../../traffic/features/test-records.js';

export const TRAFFIC_CLASSES = ['normal', 'attack'];

/**
 * Hand-built connections of two kinds: benign web requests (tcp/80, SF, bytes both ways) and a scan (one
 * SYN to tcp/23 answered by nothing, S0). One second apart, from two hosts.
 */
export function trafficRecords(n: number, start = 1_700_000_000): ConnRecord[] {
  return Array.from({ length: n }, (_, i): ConnRecord => {
    const attack = i % 2 === 1;
    return attack
      ? conn({
          ts: start + i,
          uid: `Cs${i}`,
          origH: '10.0.0.66',
          origP: 50000 + i,
          respH: `10.0.1.${i % 200}`,
          respP: 23,
          connState: 'S0',
          history: 'S',
          duration: null,
          origBytes: 0,
          respBytes: 0,
          origPkts: 1,
          origIpBytes: 40,
          respPkts: 0,
          respIpBytes: 0,
          label: 'Malicious',
        })
      : conn({
          ts: start + i,
          uid: `Cw${i}`,
          origH: '10.0.0.5',
          origP: 40000 + i,
          respH: '10.0.0.9',
          respP: 80,
          connState: 'SF',
          history: 'ShADadFf',
          duration: 0.2,
          origBytes: 300,
          respBytes: 5000,
          origPkts: 6,
          origIpBytes: 620,
          respPkts: 6,
          respIpBytes: 5320,
          label: 'Benign',
        });
  });
}

/**
 * A saved traffic model (5-tree forest) trained on `set` features of `trafficRecords`, its manifest naming
 * the feature set as a model trained by `iot-ids train -d iot-23` does.
 */
export async function makeTrafficModel(dir: string, set: FeatureSetName = 'conn'): Promise<string> {
  const { table, columns } = buildFeatureTable(trafficRecords(200), set);
  const y = Int32Array.from(table.label.codes, (code) => (table.label.categories[code] === 'Benign' ? 0 : 1));
  const pipeline = new FeaturePipeline().fit(table);
  const model = new RandomForestClassifier({ nEstimators: 5, nJobs: 0, seed: 3 });
  await model.fit(pipeline.transform(table).x, y, { nClasses: 2 });
  const modelDir = join(dir, `model-${set}`);
  await saveModelDir(modelDir, model, pipeline, {
    dataset: `tiny-${set}`,
    task: 'binary',
    protocol: 'time-split',
    seed: 3,
    classes: TRAFFIC_CLASSES,
    inputColumns: columns,
    featureNames: pipeline.featureNames,
    featureSet: set,
  });
  await model.dispose();
  return modelDir;
}
