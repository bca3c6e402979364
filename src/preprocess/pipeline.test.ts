import { describe, expect, it } from 'vitest';
import { selectRows, type Column, type Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { FeaturePipeline, type PipelineState } from './pipeline.js';

type ColumnValues = number[] | string[];

/** A table whose columns are given in order; string columns become categoricals (dictionary in first-seen order, or `dictionaries[name]`). */
function makeTable(
  columns: Record<string, ColumnValues>,
  dictionaries: Record<string, string[]> = {},
): Table {
  const features: Column[] = Object.entries(columns).map(([name, values]): Column => {
    if (typeof values[0] === 'number')
      return { kind: 'numeric', name, values: Float32Array.from(values as number[]) };
    const strings = values as string[];
    const categories = dictionaries[name] ?? [...new Set(strings)];
    return {
      kind: 'categorical',
      name,
      codes: Int32Array.from(strings, (v) => categories.indexOf(v)),
      categories,
    };
  });
  const nRows = Object.values(columns)[0].length;
  return {
    nRows,
    features,
    label: { kind: 'categorical', name: 'label', codes: new Int32Array(nRows), categories: ['normal'] },
    lineNumbers: Uint32Array.from({ length: nRows }, (_, i) => i + 1),
  };
}

const train = makeTable({
  duration: [0, 10, 5, 20],
  protocol_type: ['tcp', 'udp', 'tcp', 'icmp'],
  src_bytes: [0, 99, 9, 999],
  flag: ['SF', 'S0', 'SF', 'REJ'],
  num_outbound_cmds: [0, 0, 0, 0],
});

function rowsOf(x: { rows: number; cols: number; data: Float32Array }): number[][] {
  return Array.from({ length: x.rows }, (_, i) => [...x.data.subarray(i * x.cols, (i + 1) * x.cols)]);
}

describe('FeaturePipeline.fit / transform', () => {
  it('names features in table order, one-hot categories sorted', () => {
    const pipeline = new FeaturePipeline().fit(train);
    expect(pipeline.featureNames).toEqual([
      'duration',
      'protocol_type=icmp',
      'protocol_type=tcp',
      'protocol_type=udp',
      'src_bytes',
      'flag=REJ',
      'flag=S0',
      'flag=SF',
      'num_outbound_cmds',
    ]);
    expect(pipeline.nFeatures).toBe(9);
  });

  it('scales numeric columns, applies log1p only where asked and one-hot encodes categoricals', () => {
    const pipeline = new FeaturePipeline({ log1pColumns: ['src_bytes'] }).fit(train);
    const result = pipeline.transform(train);
    expect(result.clipped).toBe(0);
    expect(result.unknownCategories).toEqual({ protocol_type: 0, flag: 0 });
    const rows = rowsOf(result.x);
    expect(rows.map((r) => r[0])).toEqual([0, 0.5, 0.25, 1]);
    const logged = [0, 99, 9, 999].map((v) => Math.fround(Math.log1p(v) / Math.log1p(999)));
    expect(rows.map((r) => r[4])).toEqual(logged);
    expect(rows[1].slice(1, 4)).toEqual([0, 0, 1]);
    expect(rows[3].slice(5, 8)).toEqual([1, 0, 0]);
    expect(rows.map((r) => r[8])).toEqual([0, 0, 0, 0]);
  });

  it('drops constant columns only when asked', () => {
    const pipeline = new FeaturePipeline({ dropConstant: true }).fit(train);
    expect(pipeline.featureNames).not.toContain('num_outbound_cmds');
    expect(pipeline.nFeatures).toBe(8);
    expect(pipeline.transform(train).x.cols).toBe(8);
  });

  it('matches test categories by string although the test table has its own dictionary', () => {
    const pipeline = new FeaturePipeline().fit(train);
    const test = makeTable(
      { duration: [5], protocol_type: ['udp'], src_bytes: [9], flag: ['REJ'], num_outbound_cmds: [0] },
      { protocol_type: ['udp', 'tcp', 'icmp'], flag: ['REJ'] },
    );
    const row = rowsOf(pipeline.transform(test).x)[0];
    expect(row.slice(1, 4)).toEqual([0, 0, 1]);
    expect(row.slice(5, 8)).toEqual([1, 0, 0]);
  });

  it('clips values above 1 only when clip is on', () => {
    const test = makeTable({
      duration: [40],
      protocol_type: ['tcp'],
      src_bytes: [0],
      flag: ['SF'],
      num_outbound_cmds: [0],
    });
    expect(rowsOf(new FeaturePipeline().fit(train).transform(test).x)[0][0]).toBe(1);
    const unclipped = new FeaturePipeline({ clip: false }).fit(train).transform(test);
    expect(rowsOf(unclipped.x)[0][0]).toBe(2);
    expect(unclipped.clipped).toBe(0);
  });

  it('rejects bad log1p columns and negative training values in them', () => {
    expect(() => new FeaturePipeline({ log1pColumns: ['nope'] }).fit(train)).toThrow(/"nope"/);
    expect(() => new FeaturePipeline({ log1pColumns: ['flag'] }).fit(train)).toThrow(/categorical/);
    expect(() => new FeaturePipeline({ log1pColumns: ['a', 'a'] })).toThrow(IotIdsError);
    const negative = makeTable({ duration: [1, -4, 2] });
    expect(() => new FeaturePipeline({ log1pColumns: ['duration'] }).fit(negative)).toThrow(
      /line 2, field "duration"/,
    );
  });

  it('refuses tables that do not have the fitted columns', () => {
    const pipeline = new FeaturePipeline().fit(train);
    const missing = makeTable({ duration: [1] });
    expect(() => pipeline.transform(missing)).toThrow(
      /missing: "protocol_type", "src_bytes", "flag", "num_outbound_cmds"/,
    );
    const swapped = makeTable({
      duration: ['x'],
      protocol_type: ['tcp'],
      src_bytes: [0],
      flag: ['SF'],
      num_outbound_cmds: [0],
    });
    expect(() => pipeline.transform(swapped)).toThrow(/"duration" is categorical/);
    const extra = makeTable({
      duration: [1],
      protocol_type: ['tcp'],
      src_bytes: [0],
      flag: ['SF'],
      num_outbound_cmds: [0],
      extra: [3],
    });
    expect(() => pipeline.transform(extra)).toThrow(/"extra"/);
  });

  it('refuses to be used before fitting and to fit on no rows', () => {
    expect(() => new FeaturePipeline().transform(train)).toThrow(/not fitted/);
    expect(() => new FeaturePipeline().nFeatures).toThrow(IotIdsError);
    expect(() => new FeaturePipeline().fit(selectRows(train, []))).toThrow(/0 rows/);
    const empty = new FeaturePipeline().fit(train).transform(selectRows(train, []));
    expect([empty.x.rows, empty.x.cols, empty.clipped]).toEqual([0, 9, 0]);
  });
});

describe('FeaturePipeline leak-freedom', () => {
  it('learns from the training rows only and never changes while transforming', () => {
    const pipeline = new FeaturePipeline({ log1pColumns: ['src_bytes'] }).fit(train);
    const before = JSON.stringify(pipeline.toJSON());
    const test = makeTable({
      duration: [100, -10, 10],
      protocol_type: ['tcp', 'gre', 'gre'],
      src_bytes: [1e6, 9, -3],
      flag: ['SH', 'SF', 'SF'],
      num_outbound_cmds: [5, 0, 0],
    });
    const result = pipeline.transform(test);
    expect(JSON.stringify(pipeline.toJSON())).toBe(before);
    const rows = rowsOf(result.x);
    expect(rows.map((r) => r[0])).toEqual([1, 0, 0.5]);
    expect(rows[0][4]).toBe(1);
    expect(rows[2][4]).toBe(0);
    // duration 100 and −10, src_bytes 1e6 and −3 (log1p input clamped, counted once).
    expect(result.clipped).toBe(4);
    expect(result.unknownCategories).toEqual({ protocol_type: 2, flag: 1 });
    expect(rows[1].slice(1, 4)).toEqual([0, 0, 0]);
    // The training max still defines the scale: refitting on the test rows would give duration 10 → 10/110.
    expect(pipeline.toJSON().numeric.find((c) => c.name === 'duration')?.max).toBe(20);
  });

  it('ignores values that only the rest of a shared dictionary knows', () => {
    const all = makeTable({ duration: [1, 2, 3, 4], proto: ['tcp', 'udp', 'tcp', 'sctp'] });
    const trainPart = selectRows(all, [0, 1, 2]);
    expect(trainPart.features[1].kind === 'categorical' && trainPart.features[1].categories).toContain(
      'sctp',
    );
    const pipeline = new FeaturePipeline().fit(trainPart);
    expect(pipeline.featureNames).toEqual(['duration', 'proto=tcp', 'proto=udp']);
    expect(pipeline.transform(selectRows(all, [3])).unknownCategories).toEqual({ proto: 1 });
  });
});

describe('FeaturePipeline JSON', () => {
  function randomTable(n: number, seed: number): Table {
    const random = new Random(seed);
    const protocols = ['tcp', 'udp', 'icmp'];
    return makeTable({
      duration: Array.from({ length: n }, () => random.next() * 1000),
      protocol_type: Array.from({ length: n }, () => protocols[random.int(3)]),
      src_bytes: Array.from({ length: n }, () => Math.floor(Math.exp(random.next() * 15))),
      rate: Array.from({ length: n }, () => random.normal()),
    });
  }

  it('round-trips through JSON text to bit-identical transforms', () => {
    const pipeline = new FeaturePipeline({ log1pColumns: ['src_bytes'], dropConstant: true }).fit(
      randomTable(500, 1),
    );
    const restored = FeaturePipeline.fromJSON(JSON.parse(JSON.stringify(pipeline.toJSON())));
    expect(restored.toJSON()).toEqual(pipeline.toJSON());
    expect(restored.featureNames).toEqual(pipeline.featureNames);
    const test = randomTable(500, 2);
    const a = pipeline.transform(test);
    const b = restored.transform(test);
    expect(Buffer.from(b.x.data.buffer).equals(Buffer.from(a.x.data.buffer))).toBe(true);
    expect(b.clipped).toBe(a.clipped);
  });

  it('rejects files that are not a fitted pipeline, naming the file and field', () => {
    const state = new FeaturePipeline().fit(train).toJSON();
    const load = (s: unknown) => () => FeaturePipeline.fromJSON(s, 'model/pipeline.json');
    expect(load(null)).toThrow(IotIdsError);
    expect(load({ ...state, formatVersion: 2 })).toThrow(/model\/pipeline\.json, field "formatVersion"/);
    expect(load({ ...state, extra: true })).toThrow(IotIdsError);

    const tamper = (change: (s: PipelineState) => void) => {
      const copy = structuredClone(state);
      change(copy);
      return load(copy);
    };
    expect(tamper((s) => (s.numeric[0].min = Infinity))).toThrow(/numeric\.0\.min/);
    expect(tamper((s) => (s.numeric[0].min = 30))).toThrow(/min 30 is above max 20/);
    expect(tamper((s) => s.featureNames.pop())).toThrow(/featureNames\.8/);
    expect(tamper((s) => s.featureNames.reverse())).toThrow(/featureNames\.0/);
    expect(tamper((s) => s.categorical[0].categories.reverse())).toThrow(/sorted/);
    expect(tamper((s) => (s.categorical[0].position = 0))).toThrow(/positions/);
    expect(tamper((s) => (s.options.log1pColumns = ['duration']))).toThrow(/log1p/);
    expect(tamper((s) => (s.numeric[2].dropped = true))).toThrow(/dropped/);
  });
});
