/**
 * From float updates to the integers mod 2^b that secure aggregation sums exactly, and back. A client
 * clips its flattened update to L2 norm C (`clipByL2Norm`), multiplies by `scale` and rounds each
 * coordinate stochastically — up with probability equal to its fractional part, from node:crypto's
 * CSPRNG — so that the rounding is unbiased; the signed integers are stored mod 2^b (two's complement).
 * The coordinator centres the modular sum back into signed integers and divides by `scale`.
 *
 * Guaranteed: |q| ≤ ⌈scale·C⌉ + 1 for every coordinate (checked), and E[q] = x·scale up to 2^−32 per
 * coordinate (the rounding compares 32 random bits with the fractional part). Not guaranteed: that the
 * sum does not wrap — that is `checkNoWrap(params, n)`, which the coordinator must call for its n — and
 * any differential privacy: stochastic rounding is not noise calibrated to anything.
 */
import { randomFillSync } from 'node:crypto';
import { PrivacyError } from '../errors';
import { clipByL2Norm } from '../mechanisms/clip';
import { type SecAggParams, quantisedBound, validateSecAggParams } from './params';
import { wordMask } from './prg';

const TWO_POW_32 = 2 ** 32;
const CHUNK = 16 * 1024;

/** Stochastic rounding with a CSPRNG (unbiased), after clipping to clipNorm; values reduced mod 2^bits into a Uint32Array. */
export function quantise(update: Float32Array, params: SecAggParams): Uint32Array {
  validateSecAggParams(params);
  if (!(update instanceof Float32Array) || update.length !== params.modelLength)
    throw new PrivacyError('INVALID_ARGUMENT', `update must be a Float32Array of length modelLength = ${params.modelLength}.`);
  for (let i = 0; i < update.length; i++)
    if (!Number.isFinite(update[i])) throw new PrivacyError('NON_FINITE_INPUT', `update[${i}] is NaN or infinite; it cannot be clipped.`);
  const [clipped] = clipByL2Norm([update], params.clipNorm).clipped as [Float32Array];
  const { scale } = params;
  const bound = quantisedBound(params);
  const mask = wordMask(params.bits);
  const out = new Uint32Array(update.length);
  const random = new Uint32Array(Math.min(CHUNK, update.length));
  for (let start = 0; start < update.length; start += CHUNK) {
    const end = Math.min(update.length, start + CHUNK);
    randomFillSync(random);
    for (let i = start; i < end; i++) {
      const v = (clipped[i] as number) * scale;
      const floor = Math.floor(v);
      // Round up with probability v − floor: P[u < (v − floor)·2³²] for u uniform on {0, …, 2³² − 1}.
      const q = (random[i - start] as number) < (v - floor) * TWO_POW_32 ? floor + 1 : floor;
      if (!(Math.abs(q) <= bound)) throw new PrivacyError('NUMERICAL_FAILURE', `coordinate ${i} quantised to ${q}, beyond ±${bound}.`);
      out[i] = q & mask;
    }
  }
  random.fill(0);
  clipped.fill(0);
  return out;
}

/** Sum mod 2^b → centred signed integers → divided by scale: the float sum of the clients' quantised updates. */
export function dequantiseSum(sum: Uint32Array, params: SecAggParams): Float64Array {
  validateSecAggParams(params);
  if (!(sum instanceof Uint32Array) || sum.length !== params.modelLength)
    throw new PrivacyError('INVALID_ARGUMENT', `sum must be a Uint32Array of length modelLength = ${params.modelLength}.`);
  const modulus = 2 ** params.bits;
  const half = modulus / 2;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    const word = sum[i] as number;
    if (word >= modulus) throw new PrivacyError('INVALID_ARGUMENT', `sum[${i}] = ${word} is not below 2^${params.bits}.`);
    out[i] = (word >= half ? word - modulus : word) / params.scale;
  }
  return out;
}
