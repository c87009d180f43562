/**
 * Optional update compression. 'q8' is 8-bit stochastic quantisation (the stochastic k-level
 * quantisation of Suresh et al., "Distributed Mean Estimation with Limited Communication", ICML
 * 2017, with k = 256): each chunk of Q8_CHUNK_LENGTH values of a float32 tensor travels as its min
 * and max (float32) and one byte per value, code c standing for min + c·(max − min)/255. A value
 * lying a fraction p of a step above a level is rounded up with probability p and down otherwise,
 * so the decoded value is the value in expectation (unbiased up to the float32 rounding of the
 * decoded value and a 2⁻³² resolution of p), and never more than one step, (max − min)/255, off.
 *
 * A q8 payload is the 4 magic bytes 'CQ8' 0x01, then per tensor, at its manifest offset: [min, max]
 * of each chunk as little-endian float32, then one code byte per value. Manifest entries keep the
 * tensor's name, shape and dtype (float32). The magic moves every q8 offset by 4, so a signed
 * manifest reads only one way: a float32 payload declared q8, or the reverse, fails the layout
 * check instead of being misread.
 *
 * Randomness: the rounding needs bits independent across values, clients and rounds, not
 * reproducible ones. By default they come from node:crypto's CSPRNG (32 bits per value), as clients
 * use them: no seed to manage, and none that the coordinator, which sends round seeds, could pick.
 * Tests and benchmarks may pass a seeded source.
 */
import { randomFillSync } from 'node:crypto';
import {
  type DecodeBounds,
  type EncodedTensors,
  type ManifestEntry,
  type NamedTensor,
  decodeTensors,
  dtypeOf,
  elementCount,
  encodeTensors,
  manifestOf,
} from './codec';
import { ProtocolError } from './errors';

export const COMPRESSIONS = ['q8'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** Values per q8 chunk: its 8 header bytes add 0.8 % to its 1,024 code bytes. */
export const Q8_CHUNK_LENGTH = 1024;
/** Steps between a chunk's min and max: 256 levels. */
const STEPS = 255;
const MAGIC = Uint8Array.of(0x43, 0x51, 0x38, 0x01);
const CHUNK_HEADER_BYTES = 8;
const TWO_POW_M32 = 2 ** -32;
/** Random words drawn per CSPRNG call: 256 KiB. */
const RANDOM_BATCH = 64 * 1024;
const hostIsLittleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Where the rounding bits come from; `@cohort/privacy`'s RandomSource is one. */
export interface RandomBytes {
  fillBytes(out: Uint8Array): void;
}

/** node:crypto's CSPRNG. */
export const cryptoRandomBytes: RandomBytes = { fillBytes: (out) => void randomFillSync(out) };

/** Bytes of one tensor of `count` values in a q8 payload. */
export function q8ByteLength(count: number): number {
  return Math.ceil(count / Q8_CHUNK_LENGTH) * CHUNK_HEADER_BYTES + count;
}

/** An update's tensors as they go on the wire, encoded as `compression` says (float32 when absent). */
export function encodeUpdateTensors(
  tensors: readonly NamedTensor[],
  compression: Compression | undefined,
  random: RandomBytes = cryptoRandomBytes,
): EncodedTensors & { compression?: Compression } {
  return compression === undefined ? encodeTensors(tensors) : { ...quantiseQ8(tensors, random), compression };
}

/**
 * Decodes an update's tensors as it declares them encoded. A q8 payload is first turned into the
 * float32 payload it stands for; both then pass the codec's checks (shapes against `expected`,
 * layout). The size bound applies to the bytes as sent.
 */
export function decodeUpdateTensors(
  update: { manifest: readonly ManifestEntry[]; payload: Uint8Array; compression?: Compression | undefined },
  bounds: DecodeBounds,
): NamedTensor[] {
  if (update.compression === undefined) return decodeTensors(update.manifest, update.payload, bounds);
  const plain = dequantiseQ8(update.manifest, update.payload, bounds);
  return decodeTensors(plain.manifest, plain.payload, { ...bounds, maxBytes: Number.POSITIVE_INFINITY });
}

/** Quantises float32 tensors to the q8 layout; throws on a non-finite value or another dtype. */
export function quantiseQ8(tensors: readonly NamedTensor[], random: RandomBytes = cryptoRandomBytes): EncodedTensors {
  let offset = MAGIC.length;
  const manifest = tensors.map((t): ManifestEntry => {
    if (!(t.data instanceof Float32Array)) throw new RangeError(`tensor ${t.name}: q8 compresses float32 tensors, not ${dtypeOf(t.data)}`);
    if (t.data.length !== elementCount(t.shape))
      throw new RangeError(`tensor ${t.name}: ${t.data.length} values do not fill shape [${t.shape.join(', ')}]`);
    const entry = { name: t.name, shape: [...t.shape], dtype: 'float32' as const, offset };
    offset += q8ByteLength(t.data.length);
    return entry;
  });
  const payload = new Uint8Array(offset);
  payload.set(MAGIC);
  const words = new RandomWords(random, Math.min(RANDOM_BATCH, parameterCount(tensors)));
  tensors.forEach((t, i) => quantiseTensor(t.name, t.data as Float32Array, payload, manifest[i]!.offset, words));
  return { manifest, payload };
}

/** Hands out 32-bit random words drawn a batch at a time: one CSPRNG call per 256 KiB, not one per chunk. */
class RandomWords {
  private readonly words: Uint32Array;
  private used: number;

  constructor(
    private readonly random: RandomBytes,
    batch: number,
  ) {
    this.words = new Uint32Array(batch);
    this.used = batch;
  }

  /** `count` fresh words, `count` at most the batch. */
  take(count: number): Uint32Array {
    if (this.used + count > this.words.length) {
      this.random.fillBytes(new Uint8Array(this.words.buffer));
      this.used = 0;
    }
    this.used += count;
    return this.words.subarray(this.used - count, this.used);
  }
}

function parameterCount(tensors: readonly NamedTensor[]): number {
  return tensors.reduce((n, t) => n + t.data.length, 0);
}

function quantiseTensor(name: string, values: Float32Array, payload: Uint8Array, offset: number, words: RandomWords): void {
  const view = new DataView(payload.buffer, payload.byteOffset);
  const chunks = Math.ceil(values.length / Q8_CHUNK_LENGTH);
  let codeAt = offset + chunks * CHUNK_HEADER_BYTES;
  for (let c = 0; c < chunks; c++) {
    const start = c * Q8_CHUNK_LENGTH;
    const chunk = values.subarray(start, Math.min(values.length, start + Q8_CHUNK_LENGTH));
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < chunk.length; j++) {
      const v = chunk[j]!;
      if (!Number.isFinite(v)) throw new ProtocolError('NON_FINITE', `tensor ${name} has a non-finite value at index ${start + j}`);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    view.setFloat32(offset + c * CHUNK_HEADER_BYTES, min, true);
    view.setFloat32(offset + c * CHUNK_HEADER_BYTES + 4, max, true);
    if (max > min) {
      const uniforms = words.take(chunk.length);
      const perStep = STEPS / (max - min);
      for (let j = 0; j < chunk.length; j++) {
        // ⌊t + U⌋, U uniform on [0, 1): t's level plus one with probability t − ⌊t⌋, without a branch to mispredict.
        payload[codeAt + j] = Math.min(STEPS, Math.floor((chunk[j]! - min) * perStep + uniforms[j]! * TWO_POW_M32));
      }
    }
    // A constant chunk (max = min) keeps its zero codes: every value decodes to min exactly.
    codeAt += chunk.length;
  }
}

/**
 * The float32 wire form (manifest and payload) of a q8 payload, after checking its size, tensor
 * count, magic and layout, and that every chunk's min and max are finite with min ≤ max.
 * Throws ProtocolError: TOO_LARGE, TOO_MANY_TENSORS, INVALID_MESSAGE, NON_FINITE.
 */
export function dequantiseQ8(
  manifest: readonly ManifestEntry[],
  payload: Uint8Array,
  bounds: Pick<DecodeBounds, 'maxBytes' | 'maxTensors'>,
): EncodedTensors {
  if (payload.byteLength > bounds.maxBytes) {
    throw new ProtocolError('TOO_LARGE', `payload of ${payload.byteLength} bytes exceeds the limit of ${bounds.maxBytes} bytes`);
  }
  if (manifest.length > bounds.maxTensors) {
    throw new ProtocolError('TOO_MANY_TENSORS', `${manifest.length} tensors exceed the limit of ${bounds.maxTensors}`);
  }
  if (payload.byteLength < MAGIC.length || MAGIC.some((b, i) => payload[i] !== b)) {
    throw new ProtocolError('INVALID_MESSAGE', 'the payload is declared q8 but does not start with the q8 magic bytes');
  }
  let cursor = MAGIC.length;
  for (const entry of manifest) {
    if (entry.dtype !== 'float32')
      throw new ProtocolError('INVALID_MESSAGE', `tensor ${entry.name}: q8 carries float32 tensors, not ${entry.dtype}`);
    const byteLength = q8ByteLength(elementCount(entry.shape));
    if (entry.offset !== cursor || entry.offset + byteLength > payload.byteLength) {
      throw new ProtocolError(
        'INVALID_MESSAGE',
        `tensor ${entry.name}: offset ${entry.offset} and ${byteLength} q8 bytes do not fit the payload layout`,
      );
    }
    cursor += byteLength;
  }
  if (cursor !== payload.byteLength) {
    throw new ProtocolError('INVALID_MESSAGE', `payload has ${payload.byteLength - cursor} bytes beyond the manifest`);
  }
  const plainManifest = manifestOf(manifest.map(({ name, shape, dtype }) => ({ name, shape, dtype })));
  const last = plainManifest[plainManifest.length - 1];
  const plain = new Uint8Array(last ? last.offset + elementCount(last.shape) * 4 : 0);
  manifest.forEach((entry, i) => dequantiseTensor(entry, payload, plain, plainManifest[i]!.offset));
  return { manifest: plainManifest, payload: plain };
}

function dequantiseTensor(entry: ManifestEntry, payload: Uint8Array, plain: Uint8Array, plainOffset: number): void {
  const count = elementCount(entry.shape);
  const chunks = Math.ceil(count / Q8_CHUNK_LENGTH);
  const source = new DataView(payload.buffer, payload.byteOffset);
  // Decoded in place on little-endian hosts (plain is fresh, so 4-aligned), else byte-swapped after.
  const values = hostIsLittleEndian ? new Float32Array(plain.buffer, plainOffset, count) : new Float32Array(count);
  let codeAt = entry.offset + chunks * CHUNK_HEADER_BYTES;
  for (let c = 0; c < chunks; c++) {
    const min = source.getFloat32(entry.offset + c * CHUNK_HEADER_BYTES, true);
    const max = source.getFloat32(entry.offset + c * CHUNK_HEADER_BYTES + 4, true);
    if (!Number.isFinite(min) || !Number.isFinite(max)) {
      throw new ProtocolError('NON_FINITE', `tensor ${entry.name}: chunk ${c} has a non-finite min or max`);
    }
    if (min > max) throw new ProtocolError('INVALID_MESSAGE', `tensor ${entry.name}: chunk ${c} has min ${min} above max ${max}`);
    const step = (max - min) / STEPS;
    const length = Math.min(Q8_CHUNK_LENGTH, count - c * Q8_CHUNK_LENGTH);
    for (let j = 0; j < length; j++) {
      const code = payload[codeAt + j]!;
      // The ends exactly: a constant chunk, its min and its max decode without rounding error.
      const value = code === 0 ? min : code === STEPS ? max : min + code * step;
      values[c * Q8_CHUNK_LENGTH + j] = value;
    }
    codeAt += length;
  }
  if (!hostIsLittleEndian) {
    const target = new DataView(plain.buffer, plainOffset, count * 4);
    values.forEach((v, i) => target.setFloat32(i * 4, v, true));
  }
}
