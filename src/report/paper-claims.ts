/**
 * Figures published by the papers this project reproduces, shown in reports beside ours and always labelled
 * "claimed by the paper". Only figures we are sure of are filled in; everything else is `null` and shown as
 * "not stated", never guessed. The papers' own test protocols are not verified here, so a claim is a
 * reference point, not a result measured under our protocol.
 */
export interface PaperClaim {
  /** Who claims it. */
  source: string;
  /** Dataset name as in the registry. */
  dataset: string;
  /** Task the figure is for; null when the claim does not fix one (it is then shown for every task). */
  task: string | null;
  /** 'accuracy', or 'rocAuc' of one class (one-vs-rest). */
  metric: 'accuracy' | 'rocAuc';
  /** Class of a per-class figure. */
  className?: string;
  /** As a fraction (0.9801 for 98.01 %); null = not stated. */
  value: number | null;
  /** What the source says about where the figure was measured, when known. */
  setting: string | null;
}

const AUTODEEP_ID = 'AUTODEEP-ID (Khan & William): VAE features + bidirectional GRU';
const KDD_CUP_WINNER = 'KDD Cup 1999 winning entry';
const SAE = 'Sangwan & Chhillar: sparse autoencoder + softmax / SVM';
const STL = 'Javaid et al. 2016: self-taught learning (sparse autoencoder + softmax)';
const RNN_IDS = 'Yin et al. 2017: RNN-IDS';

export const PAPER_CLAIMS: readonly PaperClaim[] = [
  {
    source: AUTODEEP_ID,
    dataset: 'kdd99',
    task: 'ddos-u2r-normal',
    metric: 'accuracy',
    value: 0.9801,
    setting: null,
  },
  {
    source: AUTODEEP_ID,
    dataset: 'kdd99',
    task: 'ddos-u2r-normal',
    metric: 'rocAuc',
    className: 'ddos',
    value: 0.99,
    setting: null,
  },
  {
    source: AUTODEEP_ID,
    dataset: 'kdd99',
    task: 'ddos-u2r-normal',
    metric: 'rocAuc',
    className: 'u2r',
    value: 0.9821,
    setting: null,
  },
  {
    source: AUTODEEP_ID,
    dataset: 'kdd99',
    task: 'ddos-u2r-normal',
    metric: 'rocAuc',
    className: 'normal',
    value: 0.9789,
    setting: null,
  },
  {
    source: KDD_CUP_WINNER,
    dataset: 'kdd99',
    task: '5class',
    metric: 'accuracy',
    value: 0.9271,
    setting: 'contest test set (corrected)',
  },
  // The published NSL-KDD figures the project's issue #17 measures against (KDDTest+, official split).
  { source: STL, dataset: 'nsl-kdd', task: '5class', metric: 'accuracy', value: 0.791, setting: 'KDDTest+' },
  { source: STL, dataset: 'nsl-kdd', task: 'binary', metric: 'accuracy', value: 0.8839, setting: 'KDDTest+' },
  {
    source: RNN_IDS,
    dataset: 'nsl-kdd',
    task: '5class',
    metric: 'accuracy',
    value: 0.8129,
    setting: 'KDDTest+',
  },
  // The SAE paper's figures have not been transcribed and checked here; they stay "not stated".
  { source: SAE, dataset: 'nsl-kdd', task: null, metric: 'accuracy', value: null, setting: null },
];

/** The claims about a dataset and task, in table order. */
export function claimsFor(dataset: string, task: string): PaperClaim[] {
  return PAPER_CLAIMS.filter((c) => c.dataset === dataset && (c.task === null || c.task === task));
}

/** "accuracy", "ROC-AUC of ddos (one-vs-rest)". */
export function claimMetricLabel(claim: PaperClaim): string {
  return claim.metric === 'accuracy' ? 'accuracy' : `ROC-AUC of ${claim.className ?? '?'} (one-vs-rest)`;
}
