import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTable } from '../src/data/load-table.js';
import { DATASETS } from '../src/data/registry.js';
import type { Table } from '../src/data/table.js';
import { FeaturePipeline } from '../src/preprocess/pipeline.js';
import { buildFeatureTable } from '../src/traffic/features/feature-table.js';
import { KDD_TRAFFIC_COLUMNS } from '../src/traffic/features/kdd-traffic.js';
import { readFlowLog } from '../src/traffic/logs/read-flow-log.js';

const dataDir = resolve(import.meta.dirname, '..', process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const nslTrain = join(dataDir, 'nsl-kdd', 'KDDTrain+_20Percent.txt.gz');
const iot23 = join(dataDir, 'traffic/iot-23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz');
const hasData = existsSync(nslTrain) && existsSync(iot23);
if (!hasData)
  console.log(`traffic-kdd-compat.test: skipped, needs ${nslTrain} and ${iot23} (set IOT_IDS_DATA_DIR)`);

/** NSL-KDD with only the kdd-traffic columns, as a model for this feature set is trained. */
function withoutContentFeatures(table: Table): Table {
  const keep = new Set(KDD_TRAFFIC_COLUMNS.map((c) => c.name));
  return { ...table, features: table.features.filter((c) => keep.has(c.name)) };
}

describe.runIf(hasData)('kdd-traffic features from a conn.log through an NSL-KDD-fitted pipeline', () => {
  it('fits on NSL-KDD without the 13 content columns and encodes IoT-23 features with the same layout', async () => {
    const { table: nsl } = await loadTable(nslTrain, DATASETS['nsl-kdd'].schema);
    const train = withoutContentFeatures(nsl);
    expect(train.features.map((c) => c.name)).toEqual(KDD_TRAFFIC_COLUMNS.map((c) => c.name));
    const pipeline = new FeaturePipeline().fit(train);

    const { records } = await readFlowLog(createReadStream(iot23));
    const traffic = buildFeatureTable(records, 'kdd-traffic');
    const encoded = pipeline.transform(traffic.table);
    expect(encoded.x.rows).toBe(23_145);
    expect(encoded.x.cols).toBe(pipeline.transform(train).x.cols);
    // Every flag and protocol the conn.log gives is one NSL-KDD knows; services may not be (IoT ports).
    expect(encoded.unknownCategories.flag).toBe(0);
    expect(encoded.unknownCategories.protocol_type).toBe(0);
  });
});
