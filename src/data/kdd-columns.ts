import type { ColumnSpec } from './schema.js';

/**
 * The 41 connection features shared by KDD Cup 99 and NSL-KDD, in file order. NSL-KDD adds a difficulty
 * column after the label; KDD Cup 99 ends with the label.
 */
export const KDD_FEATURE_NAMES = [
  'duration',
  'protocol_type',
  'service',
  'flag',
  'src_bytes',
  'dst_bytes',
  'land',
  'wrong_fragment',
  'urgent',
  'hot',
  'num_failed_logins',
  'logged_in',
  'num_compromised',
  'root_shell',
  'su_attempted',
  'num_root',
  'num_file_creations',
  'num_shells',
  'num_access_files',
  'num_outbound_cmds',
  'is_host_login',
  'is_guest_login',
  'count',
  'srv_count',
  'serror_rate',
  'srv_serror_rate',
  'rerror_rate',
  'srv_rerror_rate',
  'same_srv_rate',
  'diff_srv_rate',
  'srv_diff_host_rate',
  'dst_host_count',
  'dst_host_srv_count',
  'dst_host_same_srv_rate',
  'dst_host_diff_srv_rate',
  'dst_host_same_src_port_rate',
  'dst_host_srv_diff_host_rate',
  'dst_host_serror_rate',
  'dst_host_srv_serror_rate',
  'dst_host_rerror_rate',
  'dst_host_srv_rerror_rate',
] as const;

export const KDD_CATEGORICAL_COLUMNS: readonly string[] = ['protocol_type', 'service', 'flag'];

/**
 * Heavy-tailed counts that log1p tames. Measured on KDDTrain+: duration (max 42,908, 92% zero), src_bytes and
 * dst_bytes (max ~1.3e9, mean ~1e4), hot (max 77), num_compromised and num_root (max ~7,500, mean < 0.4),
 * num_file_creations (max 43) and count/srv_count (0–511, mean 84/28). Left out on purpose: the *_rate
 * columns (already in [0, 1]), dst_host_count/dst_host_srv_count (capped at 255 and skewed to the top, not
 * the tail) and tiny counts such as wrong_fragment, urgent or num_shells (0–3, log changes almost nothing).
 */
export const KDD_LOG_COLUMNS: readonly string[] = [
  'duration',
  'src_bytes',
  'dst_bytes',
  'hot',
  'num_compromised',
  'num_root',
  'num_file_creations',
  'count',
  'srv_count',
];

/** The 41 features with their types, then whatever trailing columns a variant of the format adds. */
export function kddColumns(trailing: readonly ColumnSpec[]): ColumnSpec[] {
  const features: ColumnSpec[] = KDD_FEATURE_NAMES.map((name) => ({
    name,
    type: KDD_CATEGORICAL_COLUMNS.includes(name) ? 'categorical' : 'numeric',
  }));
  return [...features, ...trailing];
}
