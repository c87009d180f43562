/**
 * Exact sampling from the discrete Gaussian N_Z(0, σ²), P[X = x] ∝ exp(−x²/(2σ²)) on the integers,
 * following Canonne, Kamath and Steinke (2020), "The Discrete Gaussian for Differential Privacy"
 * (NeurIPS), Algorithms 1–3: Bernoulli(exp(−γ)) by exact rational arithmetic, a discrete Laplace
 * proposal, and rejection. All arithmetic is on bigint rationals and every coin is an exact
 * uniform integer drawn by rejection from a `RandomSource` (the CSPRNG by default), so no
 * floating-point rounding — the weakness Mironov (2012) exploited — ever touches the output.
 *
 * The output is integer-valued, ready for secure aggregation on integer vectors modulo 2^k.
 */
import { PrivacyError } from '../errors';
import { defaultRandomSource, uniformBigInt } from './random-source';
import type { RandomSource } from './random-source';
import { isqrt, positiveRational } from './rational';
import type { Rational } from './rational';
import { requireInteger } from '../validation';

export interface DiscreteGaussianOptions {
  /**
   * Source of the coins; a seeded source makes the draws reproducible (and not private).
   * @default node:crypto's CSPRNG
   */
  source?: RandomSource;
}

/** Largest σ² accepted: σ ≤ 2²⁴, so |X| ≥ 2³¹ (Int32 overflow) has probability below exp(−2¹³). */
export const MAX_DISCRETE_GAUSSIAN_VARIANCE = 2 ** 48;

/** Bernoulli(num/den), 0 ≤ num ≤ den. */
function bernoulli(source: RandomSource, num: bigint, den: bigint): boolean {
  return uniformBigInt(source, den) < num;
}

/** Bernoulli(exp(−γ)) for γ = num/den ∈ [0, 1]: CKS Algorithm 1, first case. */
function bernoulliExpNegUnit(source: RandomSource, num: bigint, den: bigint): boolean {
  let k = 1n;
  while (bernoulli(source, num, den * k)) k += 1n;
  return (k & 1n) === 1n;
}

/** Bernoulli(exp(−γ)) for any rational γ = num/den ≥ 0: CKS Algorithm 1. */
export function bernoulliExpNeg(source: RandomSource, num: bigint, den: bigint): boolean {
  if (num <= den) return bernoulliExpNegUnit(source, num, den);
  const whole = num / den;
  for (let i = 0n; i < whole; i++) {
    if (!bernoulliExpNegUnit(source, 1n, 1n)) return false;
  }
  return bernoulliExpNegUnit(source, num - whole * den, den);
}

/** Discrete Laplace with P[Y = y] ∝ exp(−|y|/t) for an integer t ≥ 1: CKS Algorithm 2 with s = 1. */
function discreteLaplace(source: RandomSource, t: bigint): bigint {
  for (;;) {
    const u = uniformBigInt(source, t);
    if (!bernoulliExpNeg(source, u, t)) continue;
    let v = 0n;
    while (bernoulliExpNegUnit(source, 1n, 1n)) v += 1n;
    const y = u + t * v;
    const negative = bernoulli(source, 1n, 2n);
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/**
 * Draws `count` independent samples of the discrete Gaussian with variance parameter σ²
 * (the σ² of the continuous Gaussian it discretises; the true variance is slightly below σ²).
 *
 * @param sigmaSquared σ² > 0, as a number (converted exactly to the rational it denotes) or as an
 *   exact bigint rational; at most `MAX_DISCRETE_GAUSSIAN_VARIANCE`
 * @param count number of samples, an integer ≥ 0
 */
export function sampleDiscreteGaussian(sigmaSquared: number | Rational, count: number, options: DiscreteGaussianOptions = {}): Int32Array {
  const s2 = positiveRational('sigmaSquared', sigmaSquared);
  if (s2.numerator > BigInt(MAX_DISCRETE_GAUSSIAN_VARIANCE) * s2.denominator) {
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `sigmaSquared must be in (0, 2^48] so samples fit in an Int32Array; got ${Number(s2.numerator) / Number(s2.denominator)}.`,
    );
  }
  requireInteger('count', count, 0);
  const source = options.source ?? defaultRandomSource();
  const { numerator: n, denominator: d } = s2;
  // CKS Algorithm 3: t = ⌊σ⌋ + 1, and ⌊σ⌋ = ⌊√⌊σ²⌋⌋.
  const t = isqrt(n / d) + 1n;
  // γ(y) = (|y| − σ²/t)² / (2σ²) = (|y|·t·d − n)² / (2·t²·d·n).
  const gammaDen = 2n * t * t * d * n;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    for (;;) {
      const y = discreteLaplace(source, t);
      const diff = (y < 0n ? -y : y) * t * d - n;
      if (bernoulliExpNeg(source, diff * diff, gammaDen)) {
        out[i] = Number(y);
        break;
      }
    }
  }
  return out;
}
