/**
 * A server optimiser's moment vectors (FedAvgM's velocity, FedOpt's m and v) as they are stored with
 * each committed round: JSON holding the float32 bytes of every tensor in base64, so that a resumed
 * run continues from exactly the values the uninterrupted run would have held.
 */
import { CoordinatorError } from '../errors';

/** Named moment vectors, one Float32Array per model tensor in each. */
export type Moments = Record<string, Float32Array[]>;

/** The state after `round` was aggregated. */
export interface OptimiserState {
  round: number;
  moments: Moments;
}

/** The stored form. */
interface StoredState {
  optimiser: string;
  round: number;
  moments: Record<string, string[]>;
}

export function encodeOptimiserState(optimiser: string, state: OptimiserState): StoredState {
  const moments: Record<string, string[]> = {};
  for (const [name, tensors] of Object.entries(state.moments))
    moments[name] = tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64'));
  return { optimiser, round: state.round, moments };
}

/**
 * Reads back what `encodeOptimiserState` wrote for `optimiser`, which must keep the moments `names`.
 * @throws CoordinatorError('SETTINGS_MISMATCH') when the run's state was saved by another optimiser
 * @throws CoordinatorError('STORE_CORRUPT') when it is not of the stored form
 */
export function decodeOptimiserState(optimiser: string, names: readonly string[], stored: unknown): OptimiserState {
  const s = stored as Partial<StoredState> | null;
  const kind = typeof s?.optimiser === 'string' ? s.optimiser : undefined;
  if (kind !== optimiser)
    throw new CoordinatorError(
      'SETTINGS_MISMATCH',
      `this run's server optimiser state was saved by ${kind ?? 'another strategy'}, not ${optimiser}: resume it with the strategy it was started with.`,
    );
  const corrupt = (what: string): never => {
    throw new CoordinatorError('STORE_CORRUPT', `the saved ${optimiser} state is damaged: ${what}.`);
  };
  if (!Number.isSafeInteger(s!.round) || s!.round! < 1) corrupt(`round ${String(s!.round)}`);
  const moments: Moments = {};
  for (const name of names) {
    const tensors = s!.moments?.[name];
    if (!Array.isArray(tensors) || !tensors.every((t) => typeof t === 'string')) return corrupt(`moment ${name} is missing`);
    moments[name] = tensors.map((text) => {
      const bytes = Buffer.from(text, 'base64');
      if (bytes.byteLength % 4 !== 0) corrupt(`moment ${name} is not whole float32 values`);
      const out = new Float32Array(bytes.byteLength / 4);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    });
  }
  return { round: s!.round!, moments };
}
