import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlowLog } from './read-flow-log.js';

const repo = resolve(import.meta.dirname, '../../..');
const traffic = join(resolve(repo, process.env.IOT_IDS_DATA_DIR ?? '../shared/data'), 'traffic');
const iot23 = join(traffic, 'iot-23', 'CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz');
const slips = (name: string): string => join(traffic, 'slips', name);
const hasTraffic = existsSync(iot23) && existsSync(slips('test6-malicious.suricata.json.gz'));
const hasNfdump = spawnSync('nfdump', ['-V']).status === 0;

if (!hasTraffic)
  console.log(`shared-logs.test: skipped, no shared traffic logs under ${traffic} (set IOT_IDS_DATA_DIR)`);
else if (!hasNfdump) console.log('shared-logs.test: nfdump case skipped, the nfdump binary is not installed');

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

describe.skipIf(!hasTraffic)('flow-log readers on the shared logs', () => {
  it('IoT-23 conn.log (three-space labels): 23,145 records with the published label counts', async () => {
    const { records, stats } = await readFlowLog(createReadStream(iot23), { file: iot23 });
    expect(stats).toMatchObject({
      format: 'zeek-tsv',
      gzip: true,
      records: 23_145,
      headerLines: 8,
      lines: 23_153,
    });
    expect(stats.skipped.total).toBe(0);
    expect(tally(records.map((r) => r.detailedLabel ?? '?'))).toEqual({
      DDoS: 14_394,
      'C&C': 6_706,
      '': 1_923,
      PartOfAHorizontalPortScan: 122,
    });
    expect(tally(records.map((r) => r.label ?? '?'))).toEqual({ Malicious: 21_222, Benign: 1_923 });
    expect(records[0]).toMatchObject({
      uid: 'CrDn63WjJEmrWGjqf',
      origH: '192.168.1.195',
      respP: 80,
      line: 9,
    });
  });

  it('test9 Zeek JSON: 576 records', async () => {
    const { records, stats } = await readFlowLog(createReadStream(slips('test9-mixed-zeek-dir_conn.log.gz')));
    expect(stats.format).toBe('zeek-json');
    expect(records).toHaveLength(576);
    expect(stats.skipped.total).toBe(0);
  });

  it('test10 Zeek TSV (starts with a stray tab): 141 records — the data README’s 142 counts the tab-led header line', async () => {
    const { records, stats } = await readFlowLog(
      createReadStream(slips('test10-mixed-zeek-dir_conn.log.gz')),
    );
    expect(stats.format).toBe('zeek-tsv');
    expect(records).toHaveLength(141);
    expect(stats.skipped.total).toBe(0);
  });

  it('test18 labelled Zeek TSV (tab-separated labels): 766 records', async () => {
    const file = slips('test18-malicious-ctu-sme-11-win_zeek-labeled_conn.log.labeled.gz');
    const { records, stats } = await readFlowLog(createReadStream(file));
    expect(records).toHaveLength(766);
    expect(stats.skipped.total).toBe(0);
    const labels = tally(records.map((r) => r.label ?? '?'));
    expect(labels.Malicious).toBe(719);
    expect(records.filter((r) => r.detailedLabel?.includes('RemcosRAT'))).toHaveLength(719);
  });

  it('eve.json: 3,512 flows of 5,000 events, the other types counted', async () => {
    const { records, stats } = await readFlowLog(createReadStream(slips('test6-malicious.suricata.json.gz')));
    expect(stats.format).toBe('eve');
    expect(records).toHaveLength(3_512);
    expect(stats.lines).toBe(5_000);
    expect(stats.lines).toBe(records.length + stats.headerLines + stats.skipped.total);
    expect(stats.skipped.counts()).toEqual({
      'event_type "alert" (not a flow)': 745,
      'event_type "dns" (not a flow)': 680,
      'event_type "http" (not a flow)': 56,
      'event_type "fileinfo" (not a flow)': 3,
      'event_type "anomaly" (not a flow)': 3,
      'event_type "tls" (not a flow)': 1,
    });
    expect(tally(records.map((r) => r.proto))).toEqual({ tcp: 2_336, udp: 1_176 });
  });

  it('Argus binetflow: 6,751 flows', async () => {
    const { records, stats } = await readFlowLog(createReadStream(slips('test2-malicious.binetflow.gz')));
    expect(stats.format).toBe('argus');
    expect(records).toHaveLength(6_751);
    expect(stats.skipped.total).toBe(0);
    for (const r of records) expect(r.origPkts + r.respPkts).toBeGreaterThan(0);
  });

  it.skipIf(!hasNfdump)('nfdump CSV from the nfdump binary: 4,593 flows, the summary counted', async () => {
    const child = spawn('nfdump', ['-r', slips('test1-malicious.nfdump'), '-o', 'csv'], {
      env: { ...process.env, TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { records, stats } = await readFlowLog(child.stdout, { file: 'nfdump' });
    expect(stats.format).toBe('nfdump');
    expect(records).toHaveLength(4_593);
    expect(stats.skipped.counts()).toEqual({ 'nfdump summary (not a flow)': 3 });
    const packets = records.reduce((sum, r) => sum + r.origPkts + r.respPkts, 0);
    expect(packets).toBe(4_652); // nfdump's own summary line: packets 4652
    expect(records[0].ts).toBe(Date.UTC(2018, 0, 12, 15, 37, 30) / 1000);
  });
});
