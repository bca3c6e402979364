import { describe, expect, it } from 'vitest';
import { Connection } from './connection.js';
import { InterimQueue } from './interim-queue.js';

function conn(id: number): Connection {
  const c = new Connection();
  c.reset(0, id, 17, 4);
  return c;
}

function drain(q: InterimQueue): number[] {
  const ids: number[] = [];
  for (let c = q.peek(); c; c = q.peek()) {
    ids.push(c.id);
    q.shift();
  }
  return ids;
}

describe('InterimQueue', () => {
  it('keeps first-in first-out order across wrap-around and growth', () => {
    const q = new InterimQueue();
    const model: number[] = [];
    let next = 1;
    // 900 in, 600 out, three times: the ring (1,024 to start) wraps before it grows.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 900; i++) {
        q.push(conn(next));
        model.push(next++);
      }
      for (let i = 0; i < 600; i++) {
        expect(q.peek()?.id).toBe(model.shift());
        q.shift();
      }
    }
    expect(q.size).toBe(model.length);
    expect(drain(q)).toEqual(model);
    expect(q.peek()).toBeNull();
  });

  it('drops the entries of connections that ended (id 0) or were reused (a new id) since they were queued', () => {
    const q = new InterimQueue();
    const [a, b, c] = [conn(1), conn(2), conn(3)];
    q.push(a);
    q.push(b);
    q.push(c);
    a.id = 0; // ended
    b.reset(0, 7, 17, 4); // recycled as a new connection
    expect(q.peek()).toBe(c);
    expect(q.size).toBe(1);
    q.push(b);
    expect(drain(q)).toEqual([3, 7]);
  });
});
