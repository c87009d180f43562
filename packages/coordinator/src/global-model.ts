/**
 * The global model of a run: its weights, encoded once per committed round (the same bytes go to
 * clients, into the checkpoint, and into the SHA-256 the ledger and the final head record).
 */
import { createHash } from 'node:crypto';
import { decodeTensors, encodeTensors, manifestOf, type ManifestEntry, type NamedTensor, type TensorSpec } from '@cohort/protocol';
import type { Checkpoint } from './store/store';

export interface EncodedModel {
  manifest: ManifestEntry[];
  payload: Uint8Array;
  sha256: string;
}

export class GlobalModel {
  private current: Float32Array[];
  private encodedCurrent: EncodedModel;
  private committedRound: number;

  constructor(
    readonly specs: readonly TensorSpec[],
    checkpoint: Checkpoint,
  ) {
    const bounds = { maxBytes: Number.MAX_SAFE_INTEGER, maxTensors: specs.length, expected: specs };
    this.current = decodeTensors(manifestOf(specs), checkpoint.payload, bounds).map((t) => t.data as Float32Array);
    this.encodedCurrent = { manifest: manifestOf(specs), payload: checkpoint.payload, sha256: checkpoint.sha256 };
    this.committedRound = checkpoint.round;
  }

  get weights(): readonly Float32Array[] {
    return this.current;
  }

  get encoded(): EncodedModel {
    return this.encodedCurrent;
  }

  /** The last committed round (0 for the initial model). */
  get round(): number {
    return this.committedRound;
  }

  /** Bytes of one copy of the weights. */
  get byteLength(): number {
    return this.current.reduce((n, t) => n + t.byteLength, 0);
  }

  /** Encodes candidate weights for a round, before they are committed. */
  encode(weights: readonly Float32Array[]): EncodedModel {
    const { manifest, payload } = encodeTensors(this.named(weights));
    return { manifest, payload, sha256: sha256(payload) };
  }

  /** Adopts the weights of a committed round. */
  commit(round: number, weights: Float32Array[], encoded: EncodedModel): void {
    this.current = weights;
    this.encodedCurrent = encoded;
    this.committedRound = round;
  }

  private named(weights: readonly Float32Array[]): NamedTensor[] {
    return this.specs.map((spec, i) => ({ name: spec.name, shape: spec.shape, data: weights[i]! }));
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
