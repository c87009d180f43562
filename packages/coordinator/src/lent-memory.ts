/**
 * Memory a message was received into that its reader may hand back, for a later message to be
 * received into (transport/frame-pool.ts lends it; FedAvg's streaming aggregate hands an update's
 * memory back once it has added it). Whoever holds a view of lent memory after it is handed back
 * reads another message, so it is handed back by the one reader that knows it is the last, once.
 */

const lenders = new WeakMap<ArrayBuffer, (memory: ArrayBuffer) => void>();

/** Lends `memory`: `takeBack` gets it when its reader hands it back (handBack). */
export function lend(memory: ArrayBuffer, takeBack: (memory: ArrayBuffer) => void): void {
  lenders.set(memory, takeBack);
}

/** The lent memory the tensors are all views of, if they are (one message's tensors, as decoded in place). */
export function lentMemoryOf(tensors: readonly Float32Array[]): ArrayBuffer | undefined {
  const memory = tensors[0]?.buffer;
  if (!(memory instanceof ArrayBuffer) || !lenders.has(memory)) return undefined;
  return tensors.every((t) => t.buffer === memory) ? memory : undefined;
}

/** Hands back the lent memory the tensors are views of, if they are (lentMemoryOf); nothing may read them afterwards. */
export function handBackIfLent(tensors: readonly Float32Array[]): void {
  const memory = lentMemoryOf(tensors);
  if (memory) handBack(memory);
}

/**
 * Hands lent memory back to its lender; nothing may read it afterwards.
 * @throws Error for memory that is not lent (never, or handed back already): a second hand-back
 *   would let two messages be received into it at once
 */
export function handBack(memory: ArrayBuffer): void {
  const takeBack = lenders.get(memory);
  if (!takeBack) throw new Error('handBack was given memory that is not lent, or was handed back already.');
  lenders.delete(memory);
  takeBack(memory);
}
