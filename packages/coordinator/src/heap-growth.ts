/**
 * How far V8 lets a coordinator's heap grow before it collects it in full.
 *
 * After a full collection V8 sets where the next one starts from what was left live, by a factor it
 * estimates from how fast it collects and how fast the program allocates. A coordinator's sockets
 * hold each message of an update in buffers of their own (4 MB for a model of 1M parameters, read in
 * 64 KiB chunks) while it arrives, and V8 counts them; allocating that fast, with the ~20 MB a
 * coordinator keeps live, it settles on a limit a few tens of megabytes up and starts a full
 * collection after almost every young one (16–20 a round of 100 such updates). A fixed factor of 3
 * (200 %) lets it wait. It is a setting of the whole process (every isolate in it), which is why a
 * Coordinator does not make it on its own: `cohort coordinator` does, and a program that embeds a
 * Coordinator may.
 *
 * Measured (`npm run bench -- round-overhead-split`, 100 clients × 1M parameters): the coordinator's
 * CPU time per round about halves, its peak RSS grows little (the updates in flight dominate it).
 */
import { setFlagsFromString } from 'node:v8';
import { CoordinatorError } from './errors';

/** The growth `cohort coordinator` sets unless told otherwise: up to 3× the live heap before a full collection. */
export const COORDINATOR_HEAP_GROWTH_PERCENT = 200;
/** 10×: beyond it a process grows far past what it keeps live for little gain. */
export const MAX_HEAP_GROWTH_PERCENT = 900;

/**
 * Lets the old generation of every isolate in this process grow to (1 + percent/100) times what the
 * last full collection left live before the next one starts; 0 gives the choice back to V8's own
 * estimate. Takes effect from the next full collection.
 * @throws CoordinatorError INVALID_OPTION unless percent is an integer from 0 to MAX_HEAP_GROWTH_PERCENT
 */
export function setHeapGrowth(percent: number): void {
  if (!(Number.isInteger(percent) && percent >= 0 && percent <= MAX_HEAP_GROWTH_PERCENT))
    throw new CoordinatorError(
      'INVALID_OPTION',
      `heap growth must be an integer percentage from 0 (V8's own estimate) to ${MAX_HEAP_GROWTH_PERCENT}, got ${percent}.`,
    );
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
