import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { IotIdsError } from '../errors.js';
import { CONN_COLUMNS, CONN_NUMERIC_COLUMNS } from '../traffic/features/conn-features.js';
import { KDD_CONTENT_FEATURES } from '../traffic/features/kdd-traffic.js';
import { kddColumns, KDD_LOG_COLUMNS } from './kdd-columns.js';
import type { ColumnSpec, DatasetDefinition, DatasetSchema, Taxonomy } from './schema.js';
import { loadSchemaFile } from './schema-file.js';
import { KDD_TAXONOMY } from './taxonomy.js';

/**
 * The built-in datasets. Row counts and SHA-256 values (of the decompressed content) come from
 * /work/shared/data/README.md, which documents where each copy came from and how it was cross-checked.
 */

// Pinned commit, so the bytes behind the URL cannot change under the checksum.
const NSL_KDD_RAW =
  'https://raw.githubusercontent.com/defcom17/NSL_KDD/27bbbdf5c5cccf9970b8b6037a0f19dc09c5a0a9';
const KDD99_UCI = 'http://kdd.ics.uci.edu/databases/kddcup99';
// The stored index of that repository does not list the CSV, so no commit could be confirmed: the default
// branch is used and the checksum guards against a changed file.
const UNSW_RAW =
  'https://raw.githubusercontent.com/Nir-J/ML-Projects/master/UNSW-Network_Packet_Classification';

function nslUrl(file: string): string {
  return `${NSL_KDD_RAW}/${encodeURIComponent(file)}`;
}

/**
 * IoT-23's detailed labels (Stratosphere's list for the 23 scenarios), each its own class in the `detailed`
 * task; `Malicious` stands for a malicious connection without a detailed label. Any other label (e.g. the
 * `Unknown` of some Stratosphere logs) is left out and counted, never guessed.
 */
const IOT_23_DETAILED_LABELS = [
  'Attack',
  'C&C',
  'C&C-FileDownload',
  'C&C-HeartBeat',
  'C&C-HeartBeat-Attack',
  'C&C-HeartBeat-FileDownload',
  'C&C-Mirai',
  'C&C-PartOfAHorizontalPortScan',
  'C&C-Torii',
  'DDoS',
  'FileDownload',
  'Okiru',
  'Okiru-Attack',
  'PartOfAHorizontalPortScan',
  'PartOfAHorizontalPortScan-Attack',
];

const CONN_LOG_TAXONOMY: Taxonomy = {
  normal: ['Benign', 'benign'],
  categories: {
    Malicious: 'Malicious',
    malicious: 'Malicious',
    ...Object.fromEntries(IOT_23_DETAILED_LABELS.map((l) => [l, l])),
  },
};

/**
 * A labelled Zeek conn.log read through the traffic reader into `conn` features. `ts` orders the rows for
 * time-split; header and delimiter are the log's own (`#separator`) and only kept so schemas compare equal.
 */
function labelledConnLogSchema(name: string): DatasetSchema {
  return {
    name,
    columns: [...CONN_COLUMNS, { name: 'label', type: 'label' }],
    header: false,
    delimiter: '\t',
    taxonomy: CONN_LOG_TAXONOMY,
    // Durations and byte/packet counts are all heavy-tailed: every numeric conn column is log-scaled.
    logColumns: CONN_NUMERIC_COLUMNS,
    time: { timestamp: 'ts' },
    featureSet: 'conn',
    trafficInput: true,
  };
}

const NSL_KDD: DatasetDefinition = {
  name: 'nsl-kdd',
  title: 'NSL-KDD (Tavallaee et al., 2009)',
  schema: {
    name: 'nsl-kdd',
    columns: kddColumns([
      { name: 'label', type: 'label' },
      // Number of the 21 reference classifiers that got the row right: a property of the benchmark, not of
      // the traffic, so it must never be a feature.
      { name: 'difficulty', type: 'ignore' },
    ]),
    header: false,
    delimiter: ',',
    taxonomy: KDD_TAXONOMY,
    logColumns: KDD_LOG_COLUMNS,
  },
  splits: [
    {
      name: 'KDDTrain+',
      file: 'nsl-kdd/KDDTrain+.txt.gz',
      url: nslUrl('KDDTrain+.txt'),
      sha256: '1b86d2f957b33082081bba410fe129b475efebcc13c9014c3f447c8271aadf95',
      rows: 125_973,
    },
    {
      name: 'KDDTest+',
      file: 'nsl-kdd/KDDTest+.txt.gz',
      url: nslUrl('KDDTest+.txt'),
      sha256: 'fa46b0935342616aa83b7c2578db355b6a7aaabbc492248172c7a1e8b7ab8f84',
      rows: 22_544,
    },
    {
      name: 'KDDTest-21',
      file: 'nsl-kdd/KDDTest-21.txt.gz',
      url: nslUrl('KDDTest-21.txt'),
      sha256: '746993ac9e25868827cacf09eab450050a2a1056e1ce48a1ad39f5dc801d531d',
      rows: 11_850,
    },
    {
      name: 'KDDTrain+_20Percent',
      file: 'nsl-kdd/KDDTrain+_20Percent.txt.gz',
      url: nslUrl('KDDTrain+_20Percent.txt'),
      sha256: '7ea86479faab5ca2190b7f18b4982fb058ce5bf2b46e0e1017d0d9ef90f9c16e',
      rows: 25_192,
      optional: true,
    },
  ],
  official: { train: 'KDDTrain+', tests: ['KDDTest+', 'KDDTest-21'] },
  randomSplitSource: 'KDDTrain+',
  tasks: ['5class', 'binary'],
};

const KDD99: DatasetDefinition = {
  name: 'kdd99',
  title: 'KDD Cup 1999 (10% training set and labelled test set)',
  schema: {
    name: 'kdd99',
    columns: kddColumns([{ name: 'label', type: 'label' }]),
    header: false,
    delimiter: ',',
    labelSuffix: '.',
    taxonomy: KDD_TAXONOMY,
    logColumns: KDD_LOG_COLUMNS,
  },
  splits: [
    {
      name: 'kddcup.data_10_percent',
      file: 'kddcup99/kddcup.data_10_percent.gz',
      url: `${KDD99_UCI}/kddcup.data_10_percent.gz`,
      sha256: 'f8c8267ebcd9c0ed1fd7d6277fe5bfff8732e9b7db8e61b873542b2a534b6f9a',
      rows: 494_021,
    },
    {
      name: 'corrected',
      file: 'kddcup99/corrected.gz',
      url: `${KDD99_UCI}/corrected.gz`,
      sha256: '547dfb9c0f0dc1d9944219ec79e851191faebaeb8acbfa1cd171c418397052a4',
      rows: 311_029,
    },
  ],
  official: { train: 'kddcup.data_10_percent', tests: ['corrected'] },
  randomSplitSource: 'kddcup.data_10_percent',
  tasks: ['5class', 'binary', 'ddos-u2r-normal'],
};

const UNSW_COLUMNS: readonly ColumnSpec[] = [
  // A running record number: it only tells where a row sits in the file.
  { name: 'id', type: 'ignore' },
  { name: 'dur', type: 'numeric' },
  { name: 'proto', type: 'categorical' },
  { name: 'service', type: 'categorical' },
  { name: 'state', type: 'categorical' },
  ...[
    'spkts',
    'dpkts',
    'sbytes',
    'dbytes',
    'rate',
    'sttl',
    'dttl',
    'sload',
    'dload',
    'sloss',
    'dloss',
    'sinpkt',
    'dinpkt',
    'sjit',
    'djit',
    'swin',
    'stcpb',
    'dtcpb',
    'dwin',
    'tcprtt',
    'synack',
    'ackdat',
    'smean',
    'dmean',
    'trans_depth',
    'response_body_len',
    'ct_srv_src',
    'ct_state_ttl',
    'ct_dst_ltm',
    'ct_src_dport_ltm',
    'ct_dst_sport_ltm',
    'ct_dst_src_ltm',
    'is_ftp_login',
    'ct_ftp_cmd',
    'ct_flw_http_mthd',
    'ct_src_ltm',
    'ct_srv_dst',
    'is_sm_ips_ports',
  ].map((name): ColumnSpec => ({ name, type: 'numeric' })),
  { name: 'attack_cat', type: 'label' },
  // 0/1 copy of attack_cat == Normal; the binary task derives it from attack_cat, and as a feature it
  // would leak the answer.
  { name: 'label', type: 'ignore' },
];

const UNSW_ATTACK_CATEGORIES = [
  'Generic',
  'Exploits',
  'Fuzzers',
  'DoS',
  'Reconnaissance',
  'Analysis',
  'Backdoor',
  'Shellcode',
  'Worms',
];

const UNSW_TAXONOMY: Taxonomy = {
  normal: ['Normal'],
  categories: {
    ...Object.fromEntries(UNSW_ATTACK_CATEGORIES.map((c) => [c, c.toLowerCase()])),
    // The four full UNSW-NB15 CSVs spell this category "Backdoors"; the train/test sets say "Backdoor".
    Backdoors: 'backdoor',
  },
};

const UNSW_NB15: DatasetDefinition = {
  name: 'unsw-nb15',
  title: 'UNSW-NB15 (Moustafa & Slay, 2015), training/testing partitions',
  schema: {
    name: 'unsw-nb15',
    columns: UNSW_COLUMNS,
    header: true,
    delimiter: ',',
    taxonomy: UNSW_TAXONOMY,
    // Byte, packet, load, jitter and inter-packet-time columns span 5+ orders of magnitude (sload up to 5e9,
    // sbytes up to 1.4e7). Not included: TTLs and window sizes (bounded at 255), stcpb/dtcpb (uniform random
    // sequence numbers), smean/dmean (bounded by the MTU) and the small ct_* counters.
    logColumns: [
      'dur',
      'spkts',
      'dpkts',
      'sbytes',
      'dbytes',
      'rate',
      'sload',
      'dload',
      'sloss',
      'dloss',
      'sinpkt',
      'dinpkt',
      'sjit',
      'djit',
      'trans_depth',
      'response_body_len',
    ],
  },
  splits: [
    {
      name: 'UNSW_NB15_training-set',
      file: 'unsw-nb15/UNSW_NB15_training-set.csv.gz',
      rows: 175_341,
      // No copy small enough to mirror was found, hence no URL and no checksum; see docs/datasets.md.
      optional: true,
    },
    {
      name: 'UNSW_NB15_testing-set',
      file: 'unsw-nb15/UNSW_NB15_testing-set.csv.gz',
      url: `${UNSW_RAW}/UNSW_NB15_testing-set.csv`,
      sha256: '734fe6642edf758f7c94d7d9149426b49d202fe8e7bf0bef47392489c3c0a559',
      rows: 82_332,
    },
  ],
  official: { train: 'UNSW_NB15_training-set', tests: ['UNSW_NB15_testing-set'] },
  // The testing set is the only partition available by default, so the random split divides it.
  randomSplitSource: 'UNSW_NB15_testing-set',
  tasks: ['binary', 'attack-cat'],
};

/**
 * NSL-KDD with the 13 content features (`hot` … `is_guest_login`) left out: the columns the `kdd-traffic`
 * feature set computes from packet headers, so a model trained on it scores captures and flow logs. Same
 * files, splits and tasks; its KDDTest+ figures beside the full model's show what the content features are
 * worth.
 */
const NSL_KDD_TRAFFIC: DatasetDefinition = {
  ...NSL_KDD,
  name: 'nsl-kdd-traffic',
  title: 'NSL-KDD without the 13 content features (the kdd-traffic columns)',
  schema: {
    ...NSL_KDD.schema,
    name: 'nsl-kdd-traffic',
    columns: NSL_KDD.schema.columns.map((c): ColumnSpec =>
      KDD_CONTENT_FEATURES.includes(c.name) ? { name: c.name, type: 'ignore' } : c,
    ),
    logColumns: NSL_KDD.schema.logColumns?.filter((c) => !KDD_CONTENT_FEATURES.includes(c)),
    featureSet: 'kdd-traffic',
  },
};

const IOT_23_SPLIT = 'CTU-IoT-Malware-Capture-34-1';

const IOT_23: DatasetDefinition = {
  name: 'iot-23',
  title:
    'IoT-23 (Garcia, Parmisano, Erquiaga; Stratosphere Laboratory, CTU Prague, 2020), scenario ' +
    'CTU-IoT-Malware-Capture-34-1 (Mirai), labelled Zeek conn.log',
  schema: labelledConnLogSchema('iot-23'),
  splits: [
    {
      name: IOT_23_SPLIT,
      file: 'traffic/iot-23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz',
      // The publisher's per-scenario copy (Stratosphere's mcfp server); the shared copy came from a research
      // repository (see docs/datasets.md), and the checksum guards against a different file behind the URL.
      url: 'https://mcfp.felk.cvut.cz/publicDatasets/IoT-23-Dataset/IndividualScenarios/CTU-IoT-Malware-Capture-34-1/bro/conn.log.labeled',
      sha256: '1c9fbd8a90bde2606e928beb9957a97f615179e8b1ba65bba0cf594d0395e1f1',
      rows: 23_145,
    },
  ],
  // One file: nothing to test on officially; time-split (earliest 70 % train) is the default.
  official: { train: IOT_23_SPLIT, tests: [] },
  randomSplitSource: IOT_23_SPLIT,
  tasks: ['binary', 'detailed'],
  defaultProtocol: 'time-split',
};

export type BuiltInDatasetName = 'nsl-kdd' | 'nsl-kdd-traffic' | 'kdd99' | 'unsw-nb15' | 'iot-23';

export const DATASETS: Readonly<Record<BuiltInDatasetName, DatasetDefinition>> = Object.freeze({
  'nsl-kdd': NSL_KDD,
  'nsl-kdd-traffic': NSL_KDD_TRAFFIC,
  kdd99: KDD99,
  'unsw-nb15': UNSW_NB15,
  'iot-23': IOT_23,
});

export const DATASET_NAMES = Object.keys(DATASETS) as BuiltInDatasetName[];

function isBuiltIn(name: string): name is BuiltInDatasetName {
  return Object.hasOwn(DATASETS, name);
}

/**
 * A built-in dataset by name, a user dataset from a schema file (any argument ending in `.json`), or a
 * labelled conn log (any other existing file: IoT-23's or Stratosphere's `*.conn.log.labeled`, gzip or not),
 * read like IoT-23 with `conn` features — so a model trained on one capture evaluates on any other.
 */
export async function resolveDataset(nameOrSchemaPath: string): Promise<DatasetDefinition> {
  if (nameOrSchemaPath.toLowerCase().endsWith('.json')) return loadSchemaFile(nameOrSchemaPath);
  const name = nameOrSchemaPath.trim().toLowerCase();
  if (isBuiltIn(name)) return DATASETS[name];
  if (await isFile(nameOrSchemaPath)) return labelledConnLogDataset(nameOrSchemaPath);
  throw new IotIdsError(
    `unknown dataset "${nameOrSchemaPath}"; expected one of ${DATASET_NAMES.join(', ')}, a schema file ending in .json, ` +
      'or a labelled conn log',
    { kind: 'usage' },
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A labelled conn log (or any labelled traffic input) as a one-file dataset: its one split is the file. */
export function labelledConnLogDataset(path: string): DatasetDefinition {
  const split = basename(path);
  return {
    name: 'conn-log',
    title: `labelled conn log ${path}`,
    schema: labelledConnLogSchema('conn-log'),
    splits: [{ name: split, file: resolve(path) }],
    official: { train: split, tests: [] },
    randomSplitSource: split,
    tasks: ['binary', 'detailed'],
    defaultProtocol: 'time-split',
  };
}

/** The split called `name`, or a usage error listing the dataset's splits. */
export function splitByName(dataset: DatasetDefinition, name: string): DatasetDefinition['splits'][number] {
  const split = dataset.splits.find((s) => s.name === name);
  if (!split) {
    throw new IotIdsError(
      `dataset ${dataset.name} has no split "${name}"; expected one of ${dataset.splits.map((s) => s.name).join(', ')}`,
      { kind: 'usage' },
    );
  }
  return split;
}
