/**
 * Zeek conn.log column names → ConnRecord fields, shared by the TSV and JSON readers. The labelled variants
 * spell the detailed label three ways (IoT-23 `detailed-label`, Stratosphere `detailedlabel`, and
 * `detailed_label` in some conversions); all three are accepted.
 */
export const ZEEK_REQUIRED_COLUMNS = [
  'ts',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
] as const;

export const DETAILED_LABEL_COLUMNS = ['detailed-label', 'detailedlabel', 'detailed_label'] as const;

/** Count columns that ConnRecord keeps as plain numbers (an unset value reads as 0). */
export const ZEEK_COUNT_COLUMNS = [
  'missed_bytes',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
] as const;
