import { IotIdsError } from '../../errors.js';

/** The alert class of records the classifier calls normal but the autoencoder finds anomalous. */
export const ANOMALY_CLASS = 'anomaly';

/**
 * Which records become `anomaly` alerts in zero-day mode: those the classifier labels normal while the
 * autoencoder finds them anomalous. Records the classifier already labels as an attack keep the
 * classifier's verdict (and its own alert rules), so the anomaly detector only adds alerts, for traffic
 * the classifier has no class for. Returns 1 per such record.
 */
export function combineWithClassifier(
  predictions: readonly { readonly label: string }[],
  anomalous: ArrayLike<number | boolean>,
  normalClass = 'normal',
): Uint8Array {
  if (predictions.length !== anomalous.length) {
    throw new IotIdsError(
      `${predictions.length} classifier predictions but ${anomalous.length} anomaly verdicts`,
    );
  }
  const out = new Uint8Array(predictions.length);
  for (let i = 0; i < predictions.length; i++) {
    out[i] = predictions[i].label === normalClass && Boolean(anomalous[i]) ? 1 : 0;
  }
  return out;
}

/**
 * Applies the anomaly alerts to verdicts: a flagged record gets label `anomaly` and `alert: true`, with its
 * reconstruction error as `anomalyScore`; every other record is returned as it was (plus its score).
 * The classifier's probabilities are kept, so it stays visible that the classifier said normal.
 */
export function withAnomalyAlerts<P extends { label: string; alert: boolean }>(
  predictions: readonly P[],
  anomalyAlerts: ArrayLike<number>,
  errors: ArrayLike<number>,
): (P & { anomalyScore: number })[] {
  if (anomalyAlerts.length !== predictions.length || errors.length !== predictions.length) {
    throw new IotIdsError(
      `${predictions.length} predictions, ${anomalyAlerts.length} anomaly flags and ${errors.length} scores`,
    );
  }
  return predictions.map((p, i) =>
    anomalyAlerts[i] === 1
      ? { ...p, label: ANOMALY_CLASS, alert: true, anomalyScore: errors[i] }
      : { ...p, anomalyScore: errors[i] },
  );
}
