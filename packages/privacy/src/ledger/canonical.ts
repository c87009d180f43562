/**
 * The canonical JSON form that ledger hashes and head signatures are computed over, so that an
 * auditor in any language can recompute them byte for byte:
 *
 * - objects: keys sorted by UTF-16 code units (plain `Array.prototype.sort`; all ledger keys are
 *   ASCII, so this is also byte order), written as `{"key":value,...}`;
 * - arrays: elements in order, `[a,b,...]`;
 * - strings: as `JSON.stringify` writes them (`"`, `\` and control characters escaped);
 * - numbers: ECMAScript's shortest round-trip form (`JSON.stringify`: `0.01`, `1e-5` → `0.00001`,
 *   `1e-7`, `-0` → `0`); NaN and ±Infinity are refused;
 * - `true`, `false`, `null`; no whitespace anywhere; `undefined`, functions and bigints refused.
 *
 * For the values a ledger holds this coincides with the JSON Canonicalization Scheme (RFC 8785).
 * The bytes hashed are the UTF-8 encoding of that string.
 */
import { createHash } from 'node:crypto';
import { PrivacyError } from '../errors';

/** prevHash of the first entry: 64 zeros. */
export const ZERO_HASH = '0'.repeat(64);

/** A lowercase hex SHA-256 digest. */
export const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** The canonical JSON text of `value` (see the module comment). */
export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new PrivacyError('INVALID_ARGUMENT', `${path} must be a finite number to be canonicalised; got ${value}.`);
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const parts = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key], `${path}.${key}`)}`);
    return `{${parts.join(',')}}`;
  }
  throw new PrivacyError('INVALID_ARGUMENT', `${path} cannot be canonicalised: ${typeof value} is not a JSON value.`);
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The 32 bytes of a lowercase hex SHA-256 digest. */
export function hexToBytes(hex: string): Uint8Array {
  if (!HEX_SHA256.test(hex))
    throw new PrivacyError('INVALID_ARGUMENT', `a hash must be 64 lowercase hex digits; got ${JSON.stringify(hex)}.`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
