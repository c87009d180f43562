/**
 * How far V8 lets a coordinator's heap grow before it collects it in full.
 *
 * After a full collection V8 sets where the next one starts: what was left live times a factor it
 * estimates (1.1 to 4) from how fast it collects and how fast the program allocates, plus the young
 * generation's size and a minimum step. A coordinator's sockets hold each message of an update in
 * buffers of their own (4 MB for a model of 1M parameters, read in 64 KiB chunks) while it arrives,
 * and V8 counts them; allocating that fast, with the ~20 MB a coordinator keeps live, it starts a full
 * collection after almost every young one (16–20 a round of 100 such updates). `--heap-growing-percent`
 * replaces the estimate with a fixed factor, here 3 (200 %), so that it waits. A fixed factor also
 * gives up V8's smaller factors under memory pressure, and where V8 would pick 4 it collects a little
 * sooner. It is a setting of the whole process (every isolate in it), which is why a Coordinator does
 * not make it on its own: `cohort coordinator` does, and a program that embeds a Coordinator may.
 *
 * Measured (`npm run bench -- round-overhead-split`, 100 clients × 1M parameters): the coordinator's
 * CPU time per round about halves, at about the same peak RSS (the updates in flight dominate it).
 *
 * Changing a V8 flag also makes Node compile the built-in modules it loads afterwards without their
 * code cache: set it once the program has loaded what it needs.
 */
import { setFlagsFromString } from 'node:v8';
import { CoordinatorError } from './errors';

/** The growth `cohort coordinator` sets unless told otherwise: a factor of 3 over the live heap. */
export const COORDINATOR_HEAP_GROWTH_PERCENT = 200;
/** 10×: beyond it a process grows far past what it keeps live for little gain. */
export const MAX_HEAP_GROWTH_PERCENT = 900;

/**
 * Sets V8's growth factor for every isolate in this process to 1 + percent/100, in place of its own
 * estimate; 0 gives the choice back to that estimate. Takes effect from the next full collection.
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
