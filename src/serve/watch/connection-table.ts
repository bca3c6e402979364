import type { Table } from '../../data/table.js';
import type { ModelManifest } from '../../models/model-dir.js';
import type { ConnRecord } from '../../traffic/conn-record.js';
import { buildFeatureTable, createExtractor } from '../../traffic/features/feature-table.js';
import type { FeatureExtractor, FeatureSetName } from '../../traffic/features/feature-set.js';
import { inStartOrder } from '../../traffic/read-connections.js';
import { checkFeatureColumns, UNLABELLED } from '../../detection/detection-table.js';
import { requireTrafficFeatureSet } from '../../detection/score-connections.js';

/**
 * Turns batches of connection records into detection tables for the detection service (which scores them
 * and stores the alerts), with one extractor for the whole watch so the window features (kdd-traffic) see
 * every earlier record, as they do offline. The same checks as `ConnectionScorer` (detect on traffic): the
 * model must name a traffic feature set and take exactly its columns.
 */
export class ConnectionTableBuilder {
  readonly featureSet: FeatureSetName;
  private readonly extractor: FeatureExtractor;

  constructor(manifest: ModelManifest, modelDir: string) {
    this.featureSet = requireTrafficFeatureSet(manifest, modelDir);
    this.extractor = createExtractor(this.featureSet);
    checkFeatureColumns(
      { name: this.featureSet, columns: this.extractor.columns, header: false, delimiter: ',' },
      manifest.inputColumns,
      modelDir,
    );
  }

  /** The table and the records in its row order (start-time order within the batch). */
  build(records: readonly ConnRecord[]): { table: Table; records: ConnRecord[] } {
    const ordered = inStartOrder([...records]);
    const { table } = buildFeatureTable(ordered, this.featureSet, {
      extractor: this.extractor,
      sortByTime: false,
      labelOf: () => UNLABELLED,
    });
    return { table, records: ordered };
  }
}
