/**
 * The memory the socket transport receives large messages into, reused from message to message.
 *
 * ws joins the socket reads of a message (64 KiB each) into memory allocated for that message alone:
 * for a model of 1M parameters, 4 MB per update, hundreds of megabytes a round. The memory of an
 * update that waits for its turn in FedAvg's aggregate outlives young collections, so V8 promotes it
 * and starts full collections over it; a copy of the waiting update into reused memory
 * (HeldDeltas) avoids that at the price of one more copy. Received into memory from this pool
 * instead, an update needs neither: FedAvg hands its memory back once it has added it (lent-memory.ts),
 * and the next message of that size is received into it. Memory that is not handed back (a message
 * that is not an update FedAvg adds or refuses for a non-finite value: one refused on arrival, an
 * evaluation, an update decoded into other memory, or one taken by a strategy that keeps every update
 * to the round's end) is collected as any other.
 *
 * What it keeps between rounds: as much memory as was lent at once during the last round that took
 * any (`trim`, at each round's end) — for 100 clients of a 1M-parameter model, up to 100 × 4 MB,
 * kept while the coordinator waits for its next round — and nothing once the transport closes.
 */
import { lend } from '../lent-memory';

/** Messages from this size up are received into the pool: below it a message's own memory is cheap. */
export const POOLED_MESSAGE_BYTES = 256 * 1024;

export class FramePool {
  /** Memory handed back, by size. */
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** The memory lent since the last trim that is not back yet, and the most of it at once. */
  private lentSinceTrim = new WeakSet<ArrayBuffer>();
  private lentNow = 0;
  private mostLent = 0;
  private closed = false;
  /** Messages received into memory taken from `free`, and into memory allocated for them. */
  reused = 0;
  allocated = 0;

  /** Memory for a message of `bytes`, lent until its reader hands it back. */
  take(bytes: number): Buffer {
    let memory = this.free.get(bytes)?.pop();
    if (memory) this.reused++;
    else {
      this.allocated++;
      // Unpooled: the message's own ArrayBuffer, exactly its size, that no other Buffer shares.
      memory = Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
    }
    this.lentSinceTrim.add(memory);
    this.mostLent = Math.max(this.mostLent, ++this.lentNow);
    lend(memory, this.takeBack);
    return Buffer.from(memory);
  }

  /**
   * At a round's end: keeps, of each size, no more free memory than was lent at once since the last
   * trim (as much as the round needed), and lets the rest go. After a round that took nothing (an
   * evaluation), it keeps everything for the next one that does.
   */
  trim(): void {
    if (this.mostLent === 0) return;
    for (const [size, list] of this.free) {
      list.length = Math.min(list.length, this.mostLent);
      if (list.length === 0) this.free.delete(size);
    }
    [this.lentSinceTrim, this.lentNow, this.mostLent] = [new WeakSet(), 0, 0];
  }

  /** Lets all free memory go, and any handed back from now on (the transport closed). */
  clear(): void {
    this.free.clear();
    this.closed = true;
  }

  /** Where lent memory comes back (lent-memory.ts): one function for every message. */
  private readonly takeBack = (memory: ArrayBuffer): void => {
    if (this.closed) return;
    // Memory lent before the last trim was counted in the round it came in.
    if (this.lentSinceTrim.delete(memory)) this.lentNow--;
    const list = this.free.get(memory.byteLength);
    if (list) list.push(memory);
    else this.free.set(memory.byteLength, [memory]);
  };
}
