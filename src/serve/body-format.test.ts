import { describe, expect, it } from 'vitest';
import { bodyFormatOf, csvHeaderParameter } from './body-format.js';

const head = (text: string): Uint8Array => new TextEncoder().encode(text);
const zeek = '{"ts": 1.5, "id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.2"}';
const eve = '{"event_type": "flow", "src_ip": "10.0.0.1"}';

describe('bodyFormatOf', () => {
  it('takes ?format= first, then the content type', () => {
    expect(bodyFormatOf('application/json', 'eve', head('[]'), [])).toBe('eve');
    expect(bodyFormatOf('text/csv; header=present', undefined, head('{'), [])).toBe('csv');
    expect(bodyFormatOf('Application/X-Zeek-JSON', undefined, head('x'), [])).toBe('zeek-json');
    expect(bodyFormatOf('application/x-eve-json', undefined, head('x'), [])).toBe('eve');
    expect(bodyFormatOf('application/json', undefined, head(zeek), [])).toBe('json');
    expect(() => bodyFormatOf(undefined, 'pcap', head(''), [])).toThrow(/unknown format "pcap"/);
  });

  it('reads NDJSON or an untyped body of Zeek or eve records as that log, unless the model has such a column', () => {
    expect(bodyFormatOf('application/x-ndjson', undefined, head(zeek), [])).toBe('zeek-json');
    expect(bodyFormatOf(undefined, undefined, head(`\n${eve}`), [])).toBe('eve');
    expect(bodyFormatOf('application/x-ndjson', undefined, head(zeek), ['id.orig_h'])).toBe('ndjson');
    expect(bodyFormatOf('text/plain', undefined, head(' {"a": 1}'), [])).toBe('ndjson');
    expect(bodyFormatOf(undefined, undefined, head('[{}]'), [])).toBe('json');
  });
});

describe('csvHeaderParameter', () => {
  it('reads RFC 4180’s header parameter', () => {
    expect(csvHeaderParameter('text/csv; charset=utf-8; header=present')).toBe(true);
    expect(csvHeaderParameter('text/csv;header="Absent"')).toBe(false);
    expect(csvHeaderParameter('text/csv')).toBeUndefined();
    expect(csvHeaderParameter(undefined)).toBeUndefined();
  });
});
