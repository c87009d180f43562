import { describe, expect, it } from 'vitest';
import { handBack, lend, lentMemoryOf } from '../../packages/coordinator/src/lent-memory';
import { FramePool } from '../../packages/coordinator/src/transport/frame-pool';

const views = (memory: ArrayBuffer, lengths: number[]) => {
  let at = 0;
  return lengths.map((n) => {
    const view = new Float32Array(memory, at, n);
    at += 4 * n;
    return view;
  });
};

describe('FramePool', () => {
  it('receives a message into memory of exactly its size, and the next message of that size into the same memory once it is handed back', () => {
    const pool = new FramePool();
    const first = pool.take(1 << 20);
    expect(first.byteLength).toBe(1 << 20);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(1 << 20);
    const memory = lentMemoryOf(views(first.buffer as ArrayBuffer, [1000, 261_144]))!;
    expect(memory).toBe(first.buffer);
    handBack(memory);
    const second = pool.take(1 << 20);
    expect(second.buffer).toBe(first.buffer);
    expect([pool.allocated, pool.reused]).toEqual([1, 1]);
  });

  it('never hands out memory in use: a message of another size, or one while the first is not handed back, gets memory of its own', () => {
    const pool = new FramePool();
    const a = pool.take(1 << 20);
    const b = pool.take(1 << 20);
    expect(b.buffer).not.toBe(a.buffer);
    handBack(a.buffer as ArrayBuffer);
    const c = pool.take(2 << 20);
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.take(1 << 20).buffer).toBe(a.buffer);
    expect(pool.take(1 << 20).buffer).not.toBe(a.buffer);
    expect([pool.allocated, pool.reused]).toEqual([4, 1]);
  });

  it('refuses a second hand-back of the same memory, which would let two messages be received into it', () => {
    const pool = new FramePool();
    const memory = pool.take(1 << 20).buffer as ArrayBuffer;
    handBack(memory);
    expect(() => handBack(memory)).toThrow(/not lent, or was handed back already/);
    expect(pool.take(1 << 20).buffer).toBe(memory);
    expect(pool.take(1 << 20).buffer).not.toBe(memory);
  });

  it('keeps, at each trim, as much free memory as the round since the last one had lent at once', () => {
    const pool = new FramePool();
    const size = 1 << 20;
    const takeBack = () => handBack(pool.take(size).buffer as ArrayBuffer);
    // A round with four updates out at once: all four kept for the next.
    const four = [pool.take(size), pool.take(size), pool.take(size), pool.take(size)];
    for (const m of four) handBack(m.buffer as ArrayBuffer);
    pool.trim();
    // An evaluation round, which takes nothing: nothing is let go.
    pool.trim();
    // A round whose updates came one at a time: one is kept.
    for (let i = 0; i < 3; i++) takeBack();
    pool.trim();
    const kept = four.map((m) => m.buffer);
    const next = [pool.take(size), pool.take(size)];
    expect(next.map((m) => kept.includes(m.buffer))).toEqual([true, false]);
    expect([pool.allocated, pool.reused]).toEqual([5, 4]);
  });

  it('counts memory handed back after a trim in the round it was lent in, not the next', () => {
    const pool = new FramePool();
    const size = 1 << 20;
    const late = pool.take(size);
    pool.trim();
    // The next round: the late one comes back first, then two are lent at once.
    handBack(late.buffer as ArrayBuffer);
    const two = [pool.take(size), pool.take(size)];
    for (const m of two) handBack(m.buffer as ArrayBuffer);
    pool.trim();
    expect(new Set([pool.take(size).buffer, pool.take(size).buffer])).toEqual(new Set(two.map((m) => m.buffer)));
  });

  it('lets everything go once the transport closes, and keeps nothing handed back after', () => {
    const pool = new FramePool();
    const out = pool.take(1 << 20);
    handBack(pool.take(1 << 20).buffer as ArrayBuffer);
    pool.clear();
    handBack(out.buffer as ArrayBuffer);
    pool.take(1 << 20);
    expect([pool.allocated, pool.reused]).toEqual([3, 0]);
  });
});

describe('lentMemoryOf', () => {
  it('names lent memory only when every tensor is a view of it', () => {
    const lent = new ArrayBuffer(64);
    const taken: ArrayBuffer[] = [];
    lend(lent, (m) => taken.push(m));
    expect(lentMemoryOf(views(lent, [4, 12]))).toBe(lent);
    expect(lentMemoryOf([new Float32Array(lent, 0, 4), new Float32Array(8)])).toBeUndefined();
    expect(lentMemoryOf([new Float32Array(16)])).toBeUndefined();
    expect(lentMemoryOf([])).toBeUndefined();
    expect(() => handBack(new ArrayBuffer(8))).toThrow(/not lent/);
    handBack(lent);
    expect(taken).toEqual([lent]);
    expect(lentMemoryOf(views(lent, [4, 12]))).toBeUndefined();
  });
});
