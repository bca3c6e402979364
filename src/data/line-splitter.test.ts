import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineSink } from './line-splitter.js';

interface Event {
  line: number;
  text?: string;
  tooLong?: number;
}

function collector(): { sink: LineSink; events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    sink: {
      line: (text, line) => events.push({ line, text }),
      lineTooLong: (line, length) => events.push({ line, tooLong: length }),
    },
  };
}

describe('LineSplitter', () => {
  it('joins lines across chunk boundaries and numbers them from 1', () => {
    const { sink, events } = collector();
    const splitter = new LineSplitter(sink);
    for (const chunk of ['a,b', ',c\nd', 'e\n', '\nf\r\n', 'last']) splitter.push(chunk);
    splitter.end();
    expect(events).toEqual([
      { line: 1, text: 'a,b,c' },
      { line: 2, text: 'de' },
      { line: 3, text: '' },
      { line: 4, text: 'f\r' },
      { line: 5, text: 'last' },
    ]);
  });

  it('emits nothing extra for a trailing newline', () => {
    const { sink, events } = collector();
    const splitter = new LineSplitter(sink);
    splitter.push('x\ny\n');
    splitter.end();
    expect(events.map((e) => e.text)).toEqual(['x', 'y']);
  });

  it('skips a line longer than the cap while holding at most the cap, then carries on', () => {
    const { sink, events } = collector();
    const cap = 1000;
    const splitter = new LineSplitter(sink, cap);
    splitter.push('ok1\n');
    let maxBuffered = 0;
    const piece = 'x'.repeat(300);
    for (let i = 0; i < 100; i++) {
      splitter.push(piece);
      maxBuffered = Math.max(maxBuffered, splitter.bufferedChars);
    }
    splitter.push('tail\nok2\n');
    splitter.end();
    expect(maxBuffered).toBeLessThanOrEqual(cap);
    expect(events).toEqual([
      { line: 1, text: 'ok1' },
      { line: 2, tooLong: 30_004 },
      { line: 3, text: 'ok2' },
    ]);
  });

  it('rejects a too-long line that arrives inside a single chunk, and one cut off by the end of input', () => {
    const { sink, events } = collector();
    const splitter = new LineSplitter(sink, 10);
    splitter.push(`${'y'.repeat(11)}\nshort\n${'z'.repeat(20)}`);
    splitter.end();
    expect(events).toEqual([
      { line: 1, tooLong: 11 },
      { line: 2, text: 'short' },
      { line: 3, tooLong: 20 },
    ]);
  });
});
