import { describe, expect, it } from 'vitest';
import type { DatasetSchema } from '../data/schema.js';
import type { CategoricalColumn, NumericColumn } from '../data/table.js';
import { trafficRecords } from '../detection/test-helpers/traffic-model.js';
import { buildFeatureTable } from '../traffic/features/feature-table.js';
import type { FeatureSetName } from '../traffic/features/feature-set.js';
import { eveFlowLine, zeekJsonLine, zeekJsonObject } from '../traffic/test-helpers/log-lines.js';
import { TINY_SCHEMA } from '../detection/test-helpers/tiny-model.js';
import { decodeDetectBody, submittedRecords, type DetectBodyRequest } from './detect-body.js';
import { HttpError } from './http-error.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function request(set: FeatureSetName, extra: Partial<DetectBodyRequest> = {}): DetectBodyRequest {
  const schema: DatasetSchema = {
    name: `tiny-${set}`,
    columns: buildFeatureTable([], set).columns,
    header: false,
    delimiter: ',',
  };
  return {
    contentType: undefined,
    schema,
    featureSet: set,
    maxRecords: 100,
    sourceField: undefined,
    client: '10.9.9.9',
    ...extra,
  };
}

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('flow-log bodies', () => {
  const records = trafficRecords(6);

  it('turns Zeek JSON lines into the conn features the file path computes, in line order', async () => {
    // Zeek writes a connection when it ends: the lines are not in start order.
    const shuffled = [records[3], records[0], records[5], records[1], records[4], records[2]];
    const body = bytes(shuffled.map(zeekJsonLine).join('\n') + '\n');
    const decoded = await decodeDetectBody(body, request('conn', { contentType: 'application/x-zeek-json' }));
    expect(decoded.format).toBe('zeek-json');
    expect(decoded.recordCount).toBe(6);
    expect(decoded.errors).toEqual([]);
    expect(decoded.skipped?.total).toBe(0);
    expect(Array.from(decoded.rowIndices)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(decoded.source).toEqual(shuffled.map((r) => r.origH));
    const expected = buildFeatureTable(shuffled, 'conn').table;
    const sorted = [...expected.lineNumbers.keys()].sort(
      (a, b) => expected.lineNumbers[a] - expected.lineNumbers[b],
    );
    decoded.table.features.forEach((column, j) => {
      const want = expected.features[j];
      expect(column.name).toBe(want.name);
      if (column.kind === 'numeric') {
        expect(Array.from(column.values)).toEqual(sorted.map((i) => (want as NumericColumn).values[i]));
      } else {
        const w = want as CategoricalColumn;
        expect(Array.from(column.codes, (c) => column.categories[c])).toEqual(
          sorted.map((i) => w.categories[w.codes[i]]),
        );
      }
    });
    const recordOf = submittedRecords(body, decoded.format, decoded.rowIndices, request('conn').schema);
    expect(recordOf(2)).toEqual(zeekJsonObject(shuffled[2]));
  });

  it('reads a Zeek JSON body sent as NDJSON, and Zeek Kafka records tagged {"conn": {…}}', async () => {
    const body = bytes(records.map((r) => JSON.stringify({ conn: zeekJsonObject(r) })).join('\n'));
    const decoded = await decodeDetectBody(
      body,
      request('kdd-traffic', { contentType: 'application/x-ndjson' }),
    );
    expect(decoded.format).toBe('zeek-json');
    expect(decoded.table.nRows).toBe(6);
    expect(decoded.table.features.map((c) => c.name)).toEqual(
      request('kdd-traffic')
        .schema.columns.filter((c) => c.type !== 'label')
        .map((c) => c.name),
    );
  });

  it('reads eve.json flow events and skips and counts the other event types and damaged lines', async () => {
    const alert = JSON.stringify({
      timestamp: '2021-06-06T15:57:37+0200',
      event_type: 'alert',
      src_ip: '1.2.3.4',
    });
    const lines = [eveFlowLine(records[0]), alert, eveFlowLine(records[1]), '{"event_type": "flow"', alert];
    const decoded = await decodeDetectBody(
      bytes(lines.join('\n')),
      request('conn', { contentType: 'application/x-eve-json' }),
    );
    expect(decoded.format).toBe('eve');
    expect(decoded.recordCount).toBe(2);
    expect(Array.from(decoded.rowIndices)).toEqual([0, 2]);
    expect(decoded.skipped).toEqual({
      total: 3,
      reasons: { 'event_type "alert" (not a flow)': 2, 'bad JSON': 1 },
      examples: { 'event_type "alert" (not a flow)': ['line 2', 'line 5'], 'bad JSON': ['line 4'] },
    });
  });

  it('answers a body of other events with no connection, and refuses one of damaged lines naming the reason', async () => {
    const alert = JSON.stringify({ event_type: 'dns', src_ip: '1.2.3.4' });
    const none = await decodeDetectBody(bytes(`${alert}\n${alert}`), request('conn', { format: 'eve' }));
    expect(none.recordCount).toBe(0);
    expect(none.skipped?.total).toBe(2);
    const bad = await refusal(
      decodeDetectBody(bytes('{"id.orig_h": "1.2.3.4"}\nnot json'), request('conn', { format: 'zeek-json' })),
    );
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/no zeek-json connection could be read: 2 line\(s\) skipped/);
    expect(bad.details.skipped).toMatchObject({ total: 2 });
  });

  it('refuses a flow log for a model of dataset columns, and a ?features= other than the model’s, naming both', async () => {
    const body = bytes(records.map(zeekJsonLine).join('\n'));
    const csvModel = {
      contentType: 'application/x-zeek-json',
      schema: TINY_SCHEMA,
      maxRecords: 100,
      sourceField: undefined,
      client: 'x',
    };
    const notTraffic = await refusal(decodeDetectBody(body, csvModel));
    expect(notTraffic.status).toBe(422);
    expect(notTraffic.message).toMatch(
      /dataset "tiny", not on a traffic feature set .* cannot score zeek-json connections/,
    );
    const other = await refusal(
      decodeDetectBody(
        body,
        request('conn', { contentType: 'application/x-zeek-json', features: 'kdd-traffic' }),
      ),
    );
    expect(other.status).toBe(422);
    expect(other.message).toBe(
      'the served model expects "conn" features but the request asks for "kdd-traffic" features',
    );
    // Records in the model's own columns, declared as another feature set, are refused the same way.
    const json = await refusal(
      decodeDetectBody(bytes('[]'), { ...csvModel, contentType: 'application/json', features: 'conn' }),
    );
    expect(json.status).toBe(422);
    expect(json.message).toMatch(
      /trained on the columns of dataset "tiny", but the request asks for "conn" features/,
    );
  });

  it('refuses more lines than maxRecords with 413', async () => {
    const body = bytes(trafficRecords(12).map(zeekJsonLine).join('\n'));
    expect(
      (await refusal(decodeDetectBody(body, request('conn', { format: 'zeek-json', maxRecords: 10 }))))
        .status,
    ).toBe(413);
  });
});
