/**
 * The random rotation of the distributed discrete Gaussian (Kairouz, Liu, Steinke 2021, §3 "flattening"):
 * x ↦ H·D·x/√d, with H the d × d Walsh–Hadamard matrix of ±1 entries (d a power of two, H·H = d·I) and D a
 * diagonal of ±1 signs. U = H·D/√d is orthonormal, so ‖U·x‖₂ = ‖x‖₂ and U⁻¹ = Uᵀ = D·H/√d; with random
 * signs each coordinate of U·x is sub-Gaussian with variance proxy ‖x‖₂²/d, which keeps every coordinate
 * small enough to be rounded and summed modulo 2^b without wrapping.
 *
 * The signs are public: every client of a round and the coordinator derive them from the round's 32-byte
 * rotation seed, through SHA-256 with a domain label and then the AES-256-CTR keystream of `expandMask` (one
 * bit per sign). The label keeps the keystream apart from any mask, should a caller ever reuse a secret as
 * the seed. The seed must not depend on the clients' updates (draw it fresh, e.g. per round, after the
 * model is fixed): the no-wrap bound holds over the signs' randomness, not for updates chosen against them.
 */
import { createHash } from 'node:crypto';
import { PrivacyError } from '../errors';
import { expandMask } from '../secagg/prg';

/** Length of the public rotation seed, in bytes. */
export const ROTATION_SEED_BYTES = 32;

/** The smallest power of two ≥ `length` (1 for length 1). */
export function paddedLengthFor(length: number): number {
  let d = 1;
  while (d < length) d *= 2;
  return d;
}

/** The d signs of D as ±1, from the public seed. */
export function rotationSigns(rotationSeed: Uint8Array, paddedLength: number): Int8Array {
  if (!(rotationSeed instanceof Uint8Array) || rotationSeed.length !== ROTATION_SEED_BYTES)
    throw new PrivacyError('INVALID_ARGUMENT', `bad rotationSeed size: expected a Uint8Array of ${ROTATION_SEED_BYTES} bytes.`);
  const key = createHash('sha256').update('cohort/privacy ddgauss rotation signs v1\0').update(rotationSeed).digest();
  const words = expandMask(key, Math.ceil(paddedLength / 32), 32);
  key.fill(0);
  const signs = new Int8Array(paddedLength);
  for (let i = 0; i < paddedLength; i++) signs[i] = ((words[i >>> 5] as number) >>> (i & 31)) & 1 ? -1 : 1;
  return signs;
}

/** In-place unnormalised fast Walsh–Hadamard transform (x ← H·x) of a power-of-two length. */
export function walshHadamard(x: Float64Array): void {
  const d = x.length;
  for (let h = 1; h < d; h *= 2) {
    for (let i = 0; i < d; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = x[j] as number;
        const b = x[j + h] as number;
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
}

/** x ← (H·D·x)/√d · scale, in place (d = x.length, a power of two). */
export function rotate(x: Float64Array, signs: Int8Array, scale = 1): void {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (signs[i] as number);
  walshHadamard(x);
  const factor = scale / Math.sqrt(x.length);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * factor;
}

/** x ← (D·H·x)/√d · scale, in place: the inverse of `rotate` (for scale = 1). */
export function inverseRotate(x: Float64Array, signs: Int8Array, scale = 1): void {
  walshHadamard(x);
  const factor = scale / Math.sqrt(x.length);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (signs[i] as number) * factor;
}
