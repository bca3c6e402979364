import type { ColumnSpec } from '../../data/schema.js';
import type { Column, Table } from '../../data/table.js';
import { IotIdsError } from '../../errors.js';
import type { ConnRecord } from '../../traffic/conn-record.js';
import { featureColumnsOf, UNLABELLED } from '../../detection/detection-table.js';
import { createExtractor } from '../../traffic/features/feature-table.js';
import {
  FEATURE_SETS,
  isFeatureSetName,
  type FeatureExtractor,
  type FeatureSetName,
} from '../../traffic/features/feature-set.js';

/**
 * Which traffic feature set a model takes: the one its manifest names, else the one whose columns are
 * exactly the model's feature columns (a model trained on `iot-ids flows --features conn` output records no
 * name). A model trained on something else cannot score live traffic, and is refused with the reason.
 */
export function featureSetOf(
  modelColumns: readonly ColumnSpec[],
  manifestFeatureSet: string | undefined,
  modelDir: string,
): FeatureSetName {
  const wanted = featureColumnsOf(modelColumns).map((c) => `${c.name}:${c.type}`);
  const candidates =
    manifestFeatureSet !== undefined && isFeatureSetName(manifestFeatureSet)
      ? [manifestFeatureSet]
      : [...FEATURE_SETS];
  for (const set of candidates) {
    const columns = createExtractor(set).columns.map((c) => `${c.name}:${c.type}`);
    if (columns.length === wanted.length && columns.every((c, j) => c === wanted[j])) return set;
  }
  throw new IotIdsError(
    `the model in ${modelDir} does not take a traffic feature set (${FEATURE_SETS.join(' or ')}): its ` +
      `feature columns are ${wanted.slice(0, 4).join(', ')}${wanted.length > 4 ? ', …' : ''}; train it on ` +
      '`iot-ids flows --features conn` output to watch live traffic',
    { kind: 'usage', location: { file: modelDir } },
  );
}

/**
 * Turns batches of connection records into detection tables, with one extractor for the whole watch so the
 * window features (kdd-traffic) see every earlier record, as they do offline.
 */
export class ConnectionTableBuilder {
  private readonly extractor: FeatureExtractor;
  private readonly row: (number | string)[] = [];

  constructor(readonly featureSet: FeatureSetName) {
    this.extractor = createExtractor(featureSet);
  }

  build(records: readonly ConnRecord[]): Table {
    const n = records.length;
    const specs = this.extractor.columns;
    const numeric = specs.map((c) => (c.type === 'numeric' ? new Float32Array(n) : null));
    const codes = specs.map((c) => (c.type === 'numeric' ? null : new Int32Array(n)));
    const dictionaries = specs.map(() => new Map<string, number>());
    for (let i = 0; i < n; i++) {
      this.extractor.next(records[i], this.row);
      for (let j = 0; j < specs.length; j++) {
        const values = numeric[j];
        if (values) values[i] = this.row[j] as number;
        else {
          const dictionary = dictionaries[j];
          const value = String(this.row[j]);
          let code = dictionary.get(value);
          if (code === undefined) dictionary.set(value, (code = dictionary.size));
          (codes[j] as Int32Array)[i] = code;
        }
      }
    }
    const features: Column[] = specs.map((c, j) => {
      const values = numeric[j];
      return values
        ? { kind: 'numeric', name: c.name, values }
        : {
            kind: 'categorical',
            name: c.name,
            codes: codes[j] as Int32Array,
            categories: [...dictionaries[j].keys()],
          };
    });
    return {
      nRows: n,
      features,
      label: { kind: 'categorical', name: 'label', codes: new Int32Array(n), categories: [UNLABELLED] },
      lineNumbers: Uint32Array.from({ length: n }, (_, i) => i + 1),
    };
  }
}
