/**
 * Memory, reused from round to round, for the updates FedAvg's streaming aggregate keeps waiting for
 * their turn (client-id order adds them in that order, and they arrive in any) when they did not
 * arrive in lent memory (lent-memory.ts), which is reused anyway: updates sealed to the coordinator
 * (decrypted into memory of their own), q8 ones (decoded into float32), those under 256 KiB, over
 * HTTP long-polling or in fragmented frames, and those of the in-memory transport.
 *
 * Such an update is a view over memory allocated for it alone (4 MB for a model of 1M parameters).
 * Waiting for its turn, it keeps that memory alive through young collections, so V8 moves it to the
 * old generation; a round moves hundreds of megabytes there this way, and V8 starts a full
 * collection every few of them. Copied into memory that was allocated once, the update's own memory
 * dies young and the copy adds nothing new, at the cost of one memcpy of the update.
 *
 * What it keeps between rounds: as many free copies as the last round held at once (`keep`), one
 * update's size each — for 100 clients of a 1M-parameter model in random arrival order, a few dozen
 * of 4 MB, which stay allocated while the coordinator waits for its next round. One delta layout at
 * a time: a delta of another shape starts the pool afresh.
 */
import { contiguousFloat32 } from '@cohort/protocol';

export class HeldDeltas {
  /** Copies not in use, each a whole delta: views over one buffer, tensor after tensor. */
  private free: Float32Array[][] = [];
  /** The tensor lengths of the deltas held, which the free copies are shaped for. */
  private lengths: readonly number[] = [];
  /** The copies handed out and not yet released. */
  private readonly outstanding = new WeakSet<Float32Array[]>();

  /** A copy of the delta in reused memory: the caller owns it until it hands it back to `release`. */
  hold(delta: readonly Float32Array[]): Float32Array[] {
    if (!this.fits(delta)) {
      this.lengths = delta.map((d) => d.length);
      this.free = [];
    }
    const copy = this.free.pop() ?? contiguousFloat32(this.lengths);
    delta.forEach((d, t) => copy[t]!.set(d));
    this.outstanding.add(copy);
    return copy;
  }

  /**
   * Takes back a copy `hold` returned, once nothing reads it any more.
   * @throws Error for anything else (a delta it did not hand out, or one released already)
   */
  release(copy: Float32Array[]): void {
    if (!this.outstanding.delete(copy))
      throw new Error('HeldDeltas was handed back a delta it did not hand out, or one it took back already.');
    if (this.fits(copy)) this.free.push(copy);
  }

  /** Keeps at most `count` free copies (as many as a round held at once, say), and lets the rest go. */
  keep(count: number): void {
    this.free.length = Math.min(this.free.length, count);
  }

  /** How many free copies it keeps. */
  get size(): number {
    return this.free.length;
  }

  private fits(delta: readonly Float32Array[]): boolean {
    return delta.length === this.lengths.length && delta.every((d, t) => d.length === this.lengths[t]);
  }
}
