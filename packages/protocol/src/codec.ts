/**
 * Tensor codec: a list of named tensors travels as a small JSON manifest (name, shape, dtype,
 * byte offset) plus one contiguous little-endian buffer, sent as a socket.io binary attachment.
 */
import { ProtocolError } from './errors';

export const DTYPES = ['float32', 'int32', 'uint32'] as const;
export type DType = (typeof DTYPES)[number];
export type TensorData = Float32Array | Int32Array | Uint32Array;

export interface NamedTensor {
  name: string;
  shape: number[];
  data: TensorData;
}

export interface TensorSpec {
  name: string;
  shape: number[];
  dtype: DType;
}

export interface ManifestEntry extends TensorSpec {
  /** Byte offset of this tensor in the payload buffer. */
  offset: number;
}

export interface EncodedTensors {
  manifest: ManifestEntry[];
  payload: Uint8Array;
}

export interface DecodeBounds {
  /** Largest payload accepted, in bytes. */
  maxBytes: number;
  /** Largest number of tensors accepted. */
  maxTensors: number;
  /** When given, the manifest must list exactly these tensors (name order, shape and dtype). */
  expected?: readonly TensorSpec[];
}

const BYTES_PER_ELEMENT = 4;
const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint32';
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function specsOf(tensors: readonly NamedTensor[]): TensorSpec[] {
  return tensors.map((t) => ({ name: t.name, shape: [...t.shape], dtype: dtypeOf(t.data) }));
}

/** The manifest of a contiguous payload holding tensors of these specs, in order. */
export function manifestOf(specs: readonly TensorSpec[]): ManifestEntry[] {
  let offset = 0;
  return specs.map((s) => {
    const entry = { name: s.name, shape: [...s.shape], dtype: s.dtype, offset };
    offset += elementCount(s.shape) * BYTES_PER_ELEMENT;
    return entry;
  });
}

/**
 * Encodes tensors as one payload. When they already lie one after another in one buffer (views of
 * one allocation), the payload is a view of that memory, not a copy: neither is to be written to
 * while the payload is in use.
 */
export function encodeTensors(tensors: readonly NamedTensor[]): EncodedTensors {
  for (const t of tensors) {
    if (t.data.length !== elementCount(t.shape)) {
      throw new RangeError(`tensor ${t.name}: ${t.data.length} values do not fill shape [${t.shape.join(', ')}]`);
    }
  }
  const manifest = manifestOf(specsOf(tensors));
  const inPlace = hostIsLittleEndian ? contiguousBytes(tensors) : undefined;
  if (inPlace) return { manifest, payload: inPlace };
  const last = manifest[manifest.length - 1];
  const payload = new Uint8Array(last ? last.offset + elementCount(last.shape) * BYTES_PER_ELEMENT : 0);
  tensors.forEach((t, i) => {
    const offset = manifest[i]!.offset;
    if (hostIsLittleEndian) {
      payload.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offset);
    } else {
      writeLittleEndian(t.data, new DataView(payload.buffer, offset));
    }
  });
  return { manifest, payload };
}

/**
 * Zeroed float32 tensors of these lengths, as views of one buffer, one after another: the layout
 * encodeTensors sends without a copy.
 */
export function contiguousFloat32(lengths: readonly number[]): Float32Array[] {
  const all = new Float32Array(lengths.reduce((n, l) => n + l, 0));
  let offset = 0;
  return lengths.map((length) => {
    const view = all.subarray(offset, offset + length);
    offset += length;
    return view;
  });
}

/** The tensors' bytes when they lie one after another in one buffer, in order; undefined otherwise. */
function contiguousBytes(tensors: readonly NamedTensor[]): Uint8Array | undefined {
  const first = tensors[0];
  if (!first) return undefined;
  let end = first.data.byteOffset;
  for (const t of tensors) {
    if (t.data.buffer !== first.data.buffer || t.data.byteOffset !== end) return undefined;
    end += t.data.byteLength;
  }
  return new Uint8Array(first.data.buffer, first.data.byteOffset, end - first.data.byteOffset);
}

/**
 * Decodes and checks a payload against its manifest and the bounds; throws ProtocolError. The
 * tensors may be views over the payload (see readLittleEndian): neither is to be written to.
 */
export function decodeTensors(manifest: readonly ManifestEntry[], payload: Uint8Array, bounds: DecodeBounds): NamedTensor[] {
  if (payload.byteLength > bounds.maxBytes) {
    throw new ProtocolError('TOO_LARGE', `payload of ${payload.byteLength} bytes exceeds the limit of ${bounds.maxBytes} bytes`);
  }
  if (manifest.length > bounds.maxTensors) {
    throw new ProtocolError('TOO_MANY_TENSORS', `${manifest.length} tensors exceed the limit of ${bounds.maxTensors}`);
  }
  if (bounds.expected) checkAgainstExpected(manifest, bounds.expected);
  let cursor = 0;
  const tensors = manifest.map((entry) => {
    const count = elementCount(entry.shape);
    const byteLength = count * BYTES_PER_ELEMENT;
    if (entry.offset !== cursor || entry.offset + byteLength > payload.byteLength) {
      throw new ProtocolError(
        'INVALID_MESSAGE',
        `tensor ${entry.name}: offset ${entry.offset} and ${byteLength} bytes do not fit the payload layout`,
      );
    }
    cursor += byteLength;
    return { name: entry.name, shape: [...entry.shape], data: readLittleEndian(entry.dtype, payload, entry.offset, count) };
  });
  if (cursor !== payload.byteLength) {
    throw new ProtocolError('INVALID_MESSAGE', `payload has ${payload.byteLength - cursor} bytes beyond the manifest`);
  }
  return tensors;
}

function checkAgainstExpected(manifest: readonly ManifestEntry[], expected: readonly TensorSpec[]): void {
  if (manifest.length !== expected.length) {
    throw new ProtocolError('SHAPE_MISMATCH', `expected ${expected.length} tensors, got ${manifest.length}`);
  }
  manifest.forEach((entry, i) => {
    const want = expected[i]!;
    const sameShape = entry.shape.length === want.shape.length && entry.shape.every((d, k) => d === want.shape[k]);
    if (entry.name !== want.name || !sameShape || entry.dtype !== want.dtype) {
      throw new ProtocolError(
        'SHAPE_MISMATCH',
        `tensor ${i}: expected ${want.name} [${want.shape.join(', ')}] ${want.dtype}, got ${entry.name} [${entry.shape.join(', ')}] ${entry.dtype}`,
      );
    }
  });
}

/**
 * The tensor's values. On a little-endian host with a 4-aligned payload this is a view over the
 * payload (no copy: an update of 4 MB is read once, not copied and scanned): the tensor aliases the
 * payload, so whoever decodes must not write to either. Otherwise, a copy.
 */
function readLittleEndian(dtype: DType, payload: Uint8Array, offset: number, count: number): TensorData {
  const byteOffset = payload.byteOffset + offset;
  if (hostIsLittleEndian && byteOffset % BYTES_PER_ELEMENT === 0) {
    const { buffer } = payload;
    return dtype === 'float32'
      ? new Float32Array(buffer, byteOffset, count)
      : dtype === 'int32'
        ? new Int32Array(buffer, byteOffset, count)
        : new Uint32Array(buffer, byteOffset, count);
  }
  const out = dtype === 'float32' ? new Float32Array(count) : dtype === 'int32' ? new Int32Array(count) : new Uint32Array(count);
  if (hostIsLittleEndian) {
    new Uint8Array(out.buffer).set(payload.subarray(offset, offset + count * BYTES_PER_ELEMENT));
    return out;
  }
  const view = new DataView(payload.buffer, byteOffset, count * BYTES_PER_ELEMENT);
  for (let i = 0; i < count; i++) {
    out[i] =
      dtype === 'float32' ? view.getFloat32(i * 4, true) : dtype === 'int32' ? view.getInt32(i * 4, true) : view.getUint32(i * 4, true);
  }
  return out;
}

function writeLittleEndian(data: TensorData, view: DataView): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (data instanceof Float32Array) view.setFloat32(i * 4, v, true);
    else if (data instanceof Int32Array) view.setInt32(i * 4, v, true);
    else view.setUint32(i * 4, v, true);
  }
}

/** Index of the first non-finite value across float tensors, or undefined if all are finite. */
export function findNonFinite(tensors: readonly NamedTensor[]): { tensor: string; index: number } | undefined {
  for (const t of tensors) {
    if (!(t.data instanceof Float32Array) || allFinite(t.data)) continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) return { tensor: t.name, index: i };
    }
  }
  return undefined;
}

/**
 * Whether every value is finite, in one branch-free pass: x·0 is ±0 for a finite x and NaN for NaN
 * and ±Infinity, and a NaN stays NaN through the sums. Four sums, so that each addition need not
 * wait for the one before. Faster than a test per value; the index of a bad value is looked for
 * only when there is one.
 */
function allFinite(d: Float32Array): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let e = 0;
  const unrolled = d.length - (d.length % 4);
  for (let i = 0; i < unrolled; i += 4) {
    a += d[i]! * 0;
    b += d[i + 1]! * 0;
    c += d[i + 2]! * 0;
    e += d[i + 3]! * 0;
  }
  for (let i = unrolled; i < d.length; i++) a += d[i]! * 0;
  return a + b + c + e === 0;
}
