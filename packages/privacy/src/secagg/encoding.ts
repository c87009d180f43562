/**
 * The unambiguous byte encoding of what secure aggregation signs, encrypts and binds into key
 * derivations: strings as UTF-8 and byte arrays each behind a 4-byte big-endian length, numbers (safe
 * non-negative integers) as 8 bytes big-endian. Two different field lists never encode alike.
 */
import { PrivacyError } from '../errors';

export type Field = string | number | Uint8Array;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeFields(fields: readonly Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const field of fields) {
    let part: Uint8Array;
    if (typeof field === 'number') {
      if (!Number.isSafeInteger(field) || field < 0)
        throw new PrivacyError('INVALID_ARGUMENT', `cannot encode ${field}: not a safe integer ≥ 0.`);
      part = new Uint8Array(8);
      new DataView(part.buffer).setBigUint64(0, BigInt(field));
    } else {
      const bytes = typeof field === 'string' ? utf8.encode(field) : field;
      part = new Uint8Array(4 + bytes.length);
      new DataView(part.buffer).setUint32(0, bytes.length);
      part.set(bytes, 4);
    }
    parts.push(part);
    total += part.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Reads fields back in order; every read returns null past the end or on malformed input, never throws. */
export class FieldReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  bytesField(): Uint8Array | null {
    if (this.offset + 4 > this.bytes.length) return null;
    const length = this.view.getUint32(this.offset);
    const start = this.offset + 4;
    if (start + length > this.bytes.length) return null;
    this.offset = start + length;
    return this.bytes.subarray(start, start + length);
  }

  string(): string | null {
    const bytes = this.bytesField();
    if (bytes === null) return null;
    try {
      return utf8Strict.decode(bytes);
    } catch {
      return null;
    }
  }

  number(): number | null {
    if (this.offset + 8 > this.bytes.length) return null;
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.offset === this.bytes.length;
  }
}
