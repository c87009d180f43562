/**
 * The memory the socket transport receives large messages into, reused from message to message.
 *
 * ws joins the socket reads of a message (64 KiB each) into memory allocated for that message alone:
 * for a model of 1M parameters, 4 MB per update, hundreds of megabytes a round. The memory of an
 * update that waits for its turn in FedAvg's aggregate outlives young collections, so V8 promotes it
 * and starts full collections over it; a copy of the waiting update into reused memory
 * (HeldDeltas) avoids that at the price of one more copy. Received into memory from this pool
 * instead, an update needs neither: FedAvg hands its memory back once it has added it (lent-memory.ts),
 * and the next message of that size is received into it. Memory that is never handed back (an update
 * refused, decoded into other memory, or taken by a strategy that keeps every update to the round's
 * end) is collected as any other.
 *
 * What it keeps: the memory handed back and not yet taken again, for each message size — no more
 * than were in use at once, since memory is allocated only when none is free, and after `trim` (at
 * each round's end) no more than the round took of that size: for 100 clients of a 1M-parameter
 * model, up to 100 × 4 MB, kept while the coordinator waits for its next round.
 */
import { lend } from '../lent-memory';

/** Messages from this size up are received into the pool: below it a message's own memory is cheap. */
export const POOLED_MESSAGE_BYTES = 256 * 1024;

export class FramePool {
  /** Memory handed back, by size. */
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Messages taken since the last trim, by size. */
  private readonly taken = new Map<number, number>();
  /** Messages received into memory taken from `free`, and into memory allocated for them. */
  reused = 0;
  allocated = 0;

  /** Memory for a message of `bytes`, lent until its reader hands it back. */
  take(bytes: number): Buffer {
    this.taken.set(bytes, (this.taken.get(bytes) ?? 0) + 1);
    let memory = this.free.get(bytes)?.pop();
    if (memory) this.reused++;
    else {
      this.allocated++;
      // Unpooled: the message's own ArrayBuffer, exactly its size, that no other Buffer shares.
      memory = Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
    }
    lend(memory, (back) => this.keep(back));
    return Buffer.from(memory);
  }

  /** Keeps, of each size, no more free memory than messages of that size were taken since the last trim. */
  trim(): void {
    for (const [size, list] of this.free) {
      list.length = Math.min(list.length, this.taken.get(size) ?? 0);
      if (list.length === 0) this.free.delete(size);
    }
    this.taken.clear();
  }

  private keep(memory: ArrayBuffer): void {
    const list = this.free.get(memory.byteLength);
    if (list) list.push(memory);
    else this.free.set(memory.byteLength, [memory]);
  }
}
