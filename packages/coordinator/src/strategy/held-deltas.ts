/**
 * Memory, reused from round to round, for the updates FedAvg's streaming aggregate keeps waiting (in
 * client-id order until their turn, in either order until their batch is full).
 *
 * A decoded update is a view over the buffer its message arrived in (4 MB for a model of 1M
 * parameters), which the socket allocated for it alone. An update that waits keeps that buffer alive
 * through two young collections, so V8 moves it to the old generation; a round moves hundreds of
 * megabytes there this way, and V8 starts a full collection every few of them. Copied into memory
 * that was allocated once, the socket's buffer dies young and the copy adds nothing new: in
 * `npm run bench -- round-overhead-split` this is most of the collector's extra work over a bare
 * socket.io echo once the heap may grow (setHeapGrowth). A copy costs one memcpy of the update.
 */
export class HeldDeltas {
  /** Copies not in use, each a whole delta: views over one buffer, tensor after tensor. */
  private free: Float32Array[][] = [];
  /** The tensor lengths of the deltas held, which the free copies are shaped for. */
  private lengths: readonly number[] = [];

  /** A copy of the delta in reused memory: the caller owns it until it hands it back to `release`. */
  hold(delta: readonly Float32Array[]): Float32Array[] {
    if (!this.fits(delta)) {
      this.lengths = delta.map((d) => d.length);
      this.free = [];
    }
    const copy = this.free.pop() ?? this.allocate();
    delta.forEach((d, t) => copy[t]!.set(d));
    return copy;
  }

  /** Takes back a copy `hold` returned, once nothing reads it any more. */
  release(copy: Float32Array[]): void {
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

  private allocate(): Float32Array[] {
    const all = new Float32Array(this.lengths.reduce((n, l) => n + l, 0));
    let offset = 0;
    return this.lengths.map((length) => {
      const view = all.subarray(offset, offset + length);
      offset += length;
      return view;
    });
  }
}
