import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawLabelAt, type NumericColumn } from '../../data/table.js';
import { readFlowLog } from '../logs/read-flow-log.js';
import { buildFeatureTable } from './feature-table.js';

const repo = resolve(import.meta.dirname, '../../..');
const iot23 = join(
  resolve(repo, process.env.IOT_IDS_DATA_DIR ?? '../shared/data'),
  'traffic/iot-23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz',
);
if (!existsSync(iot23))
  console.log(`features/shared-logs.test: skipped, ${iot23} is absent (set IOT_IDS_DATA_DIR)`);

describe.skipIf(!existsSync(iot23))('features on the IoT-23 conn.log', () => {
  it('builds every kdd-traffic and conn row, rates within [0, 1], the DDoS burst visible in the windows', async () => {
    const { records } = await readFlowLog(createReadStream(iot23));
    const kdd = buildFeatureTable(records, 'kdd-traffic', { labelFrom: 'detailedLabel' });
    expect(kdd.table.nRows).toBe(23_145);
    const col = (name: string): Float32Array =>
      (kdd.table.features.find((c) => c.name === name) as NumericColumn).values;
    for (const c of kdd.table.features) {
      if (c.kind !== 'numeric' || !c.name.endsWith('_rate')) continue;
      const outside = c.values.filter((v) => !(v >= 0 && v <= 1)).length;
      expect(outside, c.name).toBe(0);
    }
    const count = col('count');
    const meanCount = (label: string): number => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < kdd.table.nRows; i++) {
        if (rawLabelAt(kdd.table, i) !== label) continue;
        sum += count[i];
        n++;
      }
      return sum / n;
    };
    // The DDoS connections come in a burst to one host; benign ones are sparse.
    expect(meanCount('DDoS')).toBeGreaterThan(10 * meanCount('Benign'));
    const conn = buildFeatureTable(records, 'conn', { labelFrom: 'label' });
    expect(conn.table.nRows).toBe(23_145);
    expect(conn.table.label.categories.sort()).toEqual(['Benign', 'Malicious']);
  });
});
