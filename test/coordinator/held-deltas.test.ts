import { describe, expect, it } from 'vitest';
import { HeldDeltas } from '../../packages/coordinator/src/strategy/held-deltas';

const delta = (value: number) => [new Float32Array(3).fill(value), new Float32Array(5).fill(-value)];

describe('HeldDeltas', () => {
  it('copies a delta into memory of its own, tensor for tensor', () => {
    const held = new HeldDeltas();
    const original = delta(2);
    const copy = held.hold(original);
    original[0]!.fill(9);
    expect(copy.map((t) => [...t])).toEqual([
      [2, 2, 2],
      [-2, -2, -2, -2, -2],
    ]);
    expect(copy[0]!.buffer).toBe(copy[1]!.buffer);
  });

  it('reuses a released copy, and never hands out one still held', () => {
    const held = new HeldDeltas();
    const first = held.hold(delta(1));
    const second = held.hold(delta(2));
    expect(second[0]!.buffer).not.toBe(first[0]!.buffer);
    held.release(first);
    const third = held.hold(delta(3));
    expect(third[0]!.buffer).toBe(first[0]!.buffer);
    expect([...second[0]!]).toEqual([2, 2, 2]);
    expect([...third[1]!]).toEqual([-3, -3, -3, -3, -3]);
  });

  it('keeps as many free copies as it is told, and starts afresh for deltas of another shape', () => {
    const held = new HeldDeltas();
    const copies = [1, 2, 3, 4].map((v) => held.hold(delta(v)));
    for (const c of copies.slice(0, 3)) held.release(c);
    expect(held.size).toBe(3);
    held.keep(2);
    expect(held.size).toBe(2);
    const other = held.hold([new Float32Array(4).fill(7)]);
    expect(held.size).toBe(0);
    // A copy of the old shape coming back is let go, not kept for deltas it cannot hold.
    held.release(copies[3]!);
    held.release(other);
    expect(held.size).toBe(1);
    expect(held.hold([new Float32Array(4)])[0]!.buffer).toBe(other[0]!.buffer);
  });

  it('refuses a delta it did not hand out, or one it took back already', () => {
    const held = new HeldDeltas();
    const copy = held.hold(delta(1));
    expect(() => held.release(delta(1))).toThrow(/did not hand out/);
    held.release(copy);
    expect(() => held.release(copy)).toThrow(/took back already/);
  });
});
