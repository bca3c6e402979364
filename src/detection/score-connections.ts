import type { Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import type { ModelManifest } from '../models/model-dir.js';
import type { ConnRecord } from '../traffic/conn-record.js';
import { buildFeatureTable, createExtractor } from '../traffic/features/feature-table.js';
import {
  isFeatureSetName,
  type FeatureExtractor,
  type FeatureSetName,
} from '../traffic/features/feature-set.js';
import { inStartOrder } from '../traffic/read-connections.js';
import { checkFeatureColumns, UNLABELLED } from './detection-table.js';
import type { Detector, ScoredTable } from './detector.js';
import { round6 } from '../util/round6.js';

/** The traffic feature set a model was trained on (`conn`, `kdd-traffic`), or undefined for a CSV model. */
export function trafficFeatureSetOf(
  manifest: Pick<ModelManifest, 'featureSet' | 'datasetDefinition'>,
): FeatureSetName | undefined {
  const set = manifest.featureSet ?? manifest.datasetDefinition?.schema.featureSet;
  return set !== undefined && isFeatureSetName(set) ? set : undefined;
}

/**
 * The feature set to compute from traffic for this model. Refused, naming both sides, when the model was
 * not trained on a traffic feature set (a plain-CSV model cannot read connections) or when `wanted` (a
 * `--features` the user gave) differs from the model's.
 */
export function requireTrafficFeatureSet(
  manifest: Pick<ModelManifest, 'featureSet' | 'datasetDefinition' | 'dataset'>,
  modelDir: string,
  wanted?: string,
): FeatureSetName {
  const set = trafficFeatureSetOf(manifest);
  if (set === undefined) {
    throw new IotIdsError(
      `the model in ${modelDir} was trained on the columns of dataset "${manifest.dataset}", not on a traffic ` +
        `feature set (conn or kdd-traffic), so it cannot score connections from ${wanted ? `"${wanted}" features` : 'a capture or flow log'}; ` +
        'give it a file in its own layout, or train a model on traffic features (e.g. -d iot-23 or -d nsl-kdd-traffic)',
      { kind: 'usage' },
    );
  }
  if (wanted !== undefined && wanted !== set) {
    throw new IotIdsError(
      `the model in ${modelDir} expects "${set}" features but the input was given as "${wanted}" features`,
      { kind: 'usage' },
    );
  }
  return set;
}

/** Connections with their verdicts, row i of `scored` belonging to `records[i]`. */
export interface ScoredConnections {
  /** The records in the order they were scored (start-time order within the batch). */
  records: ConnRecord[];
  table: Table;
  scored: ScoredTable;
}

/**
 * Scores connection records with a traffic model, batch after batch. The feature extractor lives as long
 * as the scorer, so the KDD window features of a batch see the connections of earlier batches (a stream
 * scored in pieces gets the features it would get whole, as long as batches arrive in time order; records
 * older than one already seen are counted in `outOfOrder`). Offline `detect` and live `watch` both use it.
 */
export class ConnectionScorer {
  readonly featureSet: FeatureSetName;
  private readonly extractor: FeatureExtractor;

  constructor(
    private readonly detector: Detector,
    options: { modelDir?: string; features?: string } = {},
  ) {
    const where = options.modelDir ?? detector.source;
    this.featureSet = requireTrafficFeatureSet(detector.manifest, where, options.features);
    this.extractor = createExtractor(this.featureSet);
    checkFeatureColumns(
      { name: this.featureSet, columns: this.extractor.columns, header: false, delimiter: ',' },
      detector.manifest.inputColumns,
      where,
    );
  }

  /** Records whose start time went backwards across batches (their window features are approximate). */
  get outOfOrder(): number {
    return 'outOfOrder' in this.extractor ? Number(this.extractor.outOfOrder) : 0;
  }

  async score(records: readonly ConnRecord[]): Promise<ScoredConnections> {
    const ordered = inStartOrder([...records]);
    const { table } = buildFeatureTable(ordered, this.featureSet, {
      extractor: this.extractor,
      sortByTime: false,
      labelOf: () => UNLABELLED,
    });
    const scored = await this.detector.scoreTable(table);
    return { records: ordered, table, scored };
  }
}

/** One-shot: scores `records` (any order) with a fresh scorer. */
export async function scoreConnections(
  detector: Detector,
  records: readonly ConnRecord[],
): Promise<ScoredConnections> {
  return new ConnectionScorer(detector).score(records);
}

/**
 * NDJSON lines for scored connections: the connection's identity (ts, uid, addresses, ports, proto, and the
 * source line when read from a log) then label, probability, probabilities and alert, as `detect` writes.
 */
export function formatScoredConnections(classes: readonly string[], result: ScoredConnections): string {
  const k = classes.length;
  const data = result.scored.probabilities.data;
  const out: string[] = [];
  result.records.forEach((r, i) => {
    const c = result.scored.predicted[i];
    const probabilities: Record<string, number> = {};
    for (let j = 0; j < k; j++) probabilities[classes[j]] = round6(data[i * k + j]);
    out.push(
      JSON.stringify({
        ts: r.ts,
        uid: r.uid,
        'id.orig_h': r.origH,
        'id.orig_p': r.origP,
        'id.resp_h': r.respH,
        'id.resp_p': r.respP,
        proto: r.proto,
        ...(r.line !== undefined ? { line: r.line } : {}),
        label: classes[c],
        probability: round6(data[i * k + c]),
        probabilities,
        alert: result.scored.alerts[i] === 1,
      }) + '\n',
    );
  });
  return out.join('');
}
