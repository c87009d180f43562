/**
 * Sources of uniformly random bytes, and exact uniform integers and 53-bit uniform reals drawn from
 * them. Every sampler in this package takes its randomness from a `RandomSource`, never from the
 * JavaScript engine's non-cryptographic generator.
 *
 * - `cryptoRandomSource()` reads node:crypto's CSPRNG (`randomFillSync`) in pooled batches, and
 *   zeroes each pooled byte once it has been handed out. It is labelled `private: true`.
 * - `seededRandomSource(seed)` expands a seed into a reproducible stream with AES-256-CTR keyed by
 *   SHA-256 of the seed. The stream is statistically excellent, but anyone who knows the seed can
 *   replay it, so it is labelled `private: false`: use it for simulations and tests only.
 */
import { createCipheriv, createHash, randomFillSync } from 'node:crypto';
import { PrivacyError } from '../errors';

export interface RandomSource {
  /** True only when the bytes are unpredictable to everyone (an OS CSPRNG); false for seeded streams. */
  readonly private: boolean;
  /** Fills `out` with independent uniformly random bytes. */
  fillBytes(out: Uint8Array): void;
}

/** Seed of a reproducible (non-private) stream. */
export type RandomSeed = number | string | Uint8Array;

const POOL_BYTES = 16 * 1024;

/** Serves small requests from a pool refilled in batches; large requests go straight to `refill`. */
function pooledSource(isPrivate: boolean, refill: (out: Uint8Array) => void): RandomSource {
  const pool = new Uint8Array(POOL_BYTES);
  let offset = POOL_BYTES;
  return {
    private: isPrivate,
    fillBytes(out: Uint8Array): void {
      if (out.length >= POOL_BYTES / 4) {
        refill(out);
        return;
      }
      let written = 0;
      while (written < out.length) {
        if (offset === POOL_BYTES) {
          refill(pool);
          offset = 0;
        }
        const take = Math.min(out.length - written, POOL_BYTES - offset);
        out.set(pool.subarray(offset, offset + take), written);
        pool.fill(0, offset, offset + take);
        offset += take;
        written += take;
      }
    },
  };
}

/** Bytes from node:crypto's CSPRNG. */
export function cryptoRandomSource(): RandomSource {
  return pooledSource(true, (out) => {
    randomFillSync(out);
  });
}

let sharedCryptoSource: RandomSource | undefined;

/** The process-wide CSPRNG source used when a sampler is given none. */
export function defaultRandomSource(): RandomSource {
  sharedCryptoSource ??= cryptoRandomSource();
  return sharedCryptoSource;
}

function seedBytes(seed: RandomSeed): Uint8Array {
  if (typeof seed === 'string') return new TextEncoder().encode(`s:${seed}`);
  if (seed instanceof Uint8Array) return Uint8Array.from([0x62, 0x3a, ...seed]);
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) return new TextEncoder().encode(`n:${seed}`);
  throw new PrivacyError('INVALID_ARGUMENT', `seed must be a safe integer, a string or a Uint8Array; got ${String(seed)}.`);
}

/** A reproducible stream (AES-256-CTR keystream, key = SHA-256(seed)). Not private. */
export function seededRandomSource(seed: RandomSeed): RandomSource {
  const key = createHash('sha256').update('cohort/privacy seeded stream v1\0').update(seedBytes(seed)).digest();
  const cipher = createCipheriv('aes-256-ctr', key, new Uint8Array(16));
  key.fill(0);
  return pooledSource(false, (out) => {
    const keystream = cipher.update(new Uint8Array(out.length));
    out.set(keystream);
  });
}

const TWO_POW_M53 = 2 ** -53;

/** Fills `out` with uniforms k·2⁻⁵³ on [0, 1), k uniform on {0, …, 2⁵³ − 1}, 8 bytes each. */
export function fillUniform53(source: RandomSource, out: Float64Array): void {
  const bytes = new Uint8Array(out.length * 8);
  source.fillBytes(bytes);
  const words = new Uint32Array(bytes.buffer);
  for (let i = 0; i < out.length; i++) {
    const hi = (words[2 * i] as number) >>> 5; // 27 bits
    const lo = (words[2 * i + 1] as number) >>> 6; // 26 bits
    out[i] = (hi * 67108864 + lo) * TWO_POW_M53;
  }
  bytes.fill(0);
}

const scratch4 = new Uint8Array(4);
const scratch4View = new DataView(scratch4.buffer);

/** A uniform integer in [0, n) for 1 ≤ n ≤ 2³², by rejection (exact). */
export function uniformInt(source: RandomSource, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32) {
    throw new PrivacyError('INVALID_ARGUMENT', `n must be an integer in [1, 2^32]; got ${n}.`);
  }
  if (n === 1) return 0;
  const limit = 2 ** 32 - (2 ** 32 % n); // accept u < limit: a multiple of n
  for (;;) {
    source.fillBytes(scratch4);
    const u = scratch4View.getUint32(0, true);
    if (u < limit) return u % n;
  }
}

/** A uniform bigint in [0, n) for n ≥ 1, by rejection over the smallest covering power of two (exact). */
export function uniformBigInt(source: RandomSource, n: bigint): bigint {
  if (n < 1n) throw new PrivacyError('INVALID_ARGUMENT', `n must be a bigint ≥ 1; got ${n}.`);
  if (n <= 0x1_0000_0000n) return BigInt(uniformInt(source, Number(n)));
  const bits = (n - 1n).toString(2).length;
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  const topMask = (1 << (bits - 8 * (bytes.length - 1))) - 1;
  for (;;) {
    source.fillBytes(bytes);
    bytes[0] = (bytes[0] as number) & topMask;
    let value = 0n;
    for (const b of bytes) value = (value << 8n) | BigInt(b);
    if (value < n) return value;
  }
}
