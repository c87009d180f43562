/**
 * Exact sampling from the discrete Gaussian N_Z(0, σ²), P[X = x] ∝ exp(−x²/(2σ²)) on the integers,
 * following Canonne, Kamath and Steinke (2020), "The Discrete Gaussian for Differential Privacy"
 * (NeurIPS), Algorithms 1–3: Bernoulli(exp(−γ)) by exact rational arithmetic, a discrete Laplace
 * proposal, and rejection. Every coin is an exact comparison of a uniform draw from a `RandomSource`
 * (the CSPRNG by default) with a rational, so no floating-point rounding — the weakness Mironov
 * (2012) exploited — ever touches the output.
 *
 * Speed without losing exactness: σ²'s rational, t and the acceptance denominator are computed once
 * per call; the random words come from a batch buffer (zeroed as consumed); the discrete Laplace runs on
 * safe integers (t ≤ 2²⁴ + 1); and a Bernoulli(p) for a large rational p compares a 53-bit uniform
 * prefix with p's float approximation, deciding only when the prefix is farther from p than the
 * approximation's proven error (IEEE division is correctly rounded) and otherwise finishing the
 * comparison in bigint arithmetic — the outcome has probability exactly p either way.
 *
 * The output is integer-valued, ready for secure aggregation on integer vectors modulo 2^k.
 */
import { PrivacyError } from '../errors';
import { requireInteger } from '../validation';
import { defaultRandomSource, uniformBigInt } from './random-source';
import type { RandomSource } from './random-source';
import { isqrt, positiveRational } from './rational';
import type { Rational } from './rational';

export interface DiscreteGaussianOptions {
  /**
   * Source of the coins; a seeded source makes the draws reproducible (and not private).
   * @default node:crypto's CSPRNG
   */
  source?: RandomSource;
}

/** Largest σ² accepted: σ ≤ 2²⁴, so |X| ≥ 2³¹ (Int32 overflow) has probability below exp(−2¹³). */
export const MAX_DISCRETE_GAUSSIAN_VARIANCE = 2 ** 48;

const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;
const TWO_M53 = 2 ** -53;
/** Relative margin around a float approximation within which a Bernoulli is settled exactly. */
const MARGIN = 2 ** -46;
const BATCH_WORDS = 1024;

/** Uniform 32-bit words read from a source in batches; each word is zeroed once handed out. */
class Coins {
  private readonly bytes = new Uint8Array(4 * BATCH_WORDS);
  private readonly words = new Uint32Array(this.bytes.buffer);
  private next = BATCH_WORDS;

  constructor(readonly source: RandomSource) {}

  word(): number {
    if (this.next === BATCH_WORDS) {
      this.source.fillBytes(this.bytes);
      this.next = 0;
    }
    const w = this.words[this.next] as number;
    this.words[this.next++] = 0;
    return w;
  }

  /** A uniform integer in [0, n) for 1 ≤ n ≤ 2⁵³, by rejection (exact). */
  below(n: number): number {
    if (n <= TWO_32) {
      if (n === TWO_32) return this.word();
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const w = this.word();
        if (w < limit) return w % n;
      }
    }
    let high = 1; // the smallest power of two ≥ ⌈n/2³²⌉: v = high word · 2³² + low word is uniform on [0, high·2³²)
    while (high * TWO_32 < n) high *= 2;
    for (;;) {
      const v = (this.word() & (high - 1)) * TWO_32 + this.word();
      if (v < n) return v;
    }
  }

  /** Bernoulli(num/den) for safe integers 0 ≤ num ≤ den ≤ 2⁵³. */
  bernoulli(num: number, den: number): boolean {
    return this.below(den) < num;
  }

  /**
   * Bernoulli(num/den) for bigints 0 ≤ num, 0 < den, given `approx` ≈ num/den computed in at most four
   * correctly rounded float operations (relative error < 2⁻⁵⁰, far inside MARGIN). Draws U = (v + W)/2⁵³
   * with v uniform on [0, 2⁵³) and W uniform on [0, 1), and returns U < num/den.
   */
  bernoulliBig(num: bigint, den: bigint, approx: number): boolean {
    if (num <= 0n) return false;
    if (num >= den) return true;
    const v = (this.word() >>> 11) * TWO_32 + this.word();
    if (approx > 2 ** -900 && approx < 1) {
      if ((v + 1) * TWO_M53 <= approx * (1 - MARGIN)) return true;
      if (v * TWO_M53 >= approx * (1 + MARGIN)) return false;
    }
    // U < num/den ⟺ W < (num·2⁵³ − v·den)/den.
    const rest = (num << 53n) - BigInt(v) * den;
    if (rest <= 0n) return false;
    if (rest >= den) return true;
    return uniformBigInt(this.source, den) < rest;
  }

  dispose(): void {
    this.bytes.fill(0);
    this.next = BATCH_WORDS;
  }
}

/** Bernoulli(exp(−num/den)) for safe integers 0 ≤ num ≤ den: CKS Algorithm 1, first case. */
function expNegUnit(coins: Coins, num: number, den: number): boolean {
  let k = 1;
  for (;;) {
    const scaled = den * k;
    const heads = scaled <= TWO_53 ? coins.bernoulli(num, scaled) : coins.bernoulliBig(BigInt(num), BigInt(den) * BigInt(k), num / den / k);
    if (!heads) return (k & 1) === 1;
    k += 1;
  }
}

/** Bernoulli(exp(−1)). */
function expNegOne(coins: Coins): boolean {
  return expNegUnit(coins, 1, 1);
}

/** Bernoulli(exp(−num/den)) for bigints num ≥ 0, den > 0 (CKS Algorithm 1); `denApprox` = Number(den). */
function expNegBig(coins: Coins, num: bigint, den: bigint, denApprox: number): boolean {
  const whole = num / den;
  for (let i = 0n; i < whole; i++) if (!expNegOne(coins)) return false;
  const rest = num - whole * den;
  const restApprox = Number(rest) / denApprox;
  for (let k = 1; ; k++) {
    const kBig = BigInt(k);
    if (!coins.bernoulliBig(rest, den * kBig, restApprox / k)) return (k & 1) === 1;
  }
}

/** Discrete Laplace with P[Y = y] ∝ exp(−|y|/t) for an integer 1 ≤ t ≤ 2²⁵: CKS Algorithm 2 with s = 1. */
function discreteLaplace(coins: Coins, t: number): number {
  for (;;) {
    const u = coins.below(t);
    if (!expNegUnit(coins, u, t)) continue;
    let v = 0;
    while (expNegOne(coins)) v += 1;
    const y = u + t * v;
    const negative = (coins.word() & 1) === 1;
    if (negative && y === 0) continue;
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
  const coins = new Coins(options.source ?? defaultRandomSource());
  const { numerator: n, denominator: d } = s2;
  // CKS Algorithm 3: t = ⌊σ⌋ + 1, and ⌊σ⌋ = ⌊√⌊σ²⌋⌋.
  const tBig = isqrt(n / d) + 1n;
  const t = Number(tBig);
  // Accept Y with probability exp(−γ), γ = (|Y| − σ²/t)² / (2σ²) = (|Y|·t·d − n)² / (2·t²·d·n).
  const gammaDen = 2n * tBig * tBig * d * n;
  const gammaDenApprox = Number(gammaDen);
  const td = tBig * d;
  // With σ² an integer and 2t²σ² < 2^52 (σ² up to about 2^25), γ's numerator and denominator are safe integers
  // whenever | |Y|·t − σ² | < 2^26 (so its square is below 2^52); other draws take the bigint path.
  const small = d === 1n && gammaDen < 2n ** 52n ? { n: Number(n), den: Number(gammaDen) } : undefined;
  const out = new Int32Array(count);
  try {
    for (let i = 0; i < count; i++) {
      for (;;) {
        const y = discreteLaplace(coins, t);
        const a = Math.abs(y);
        let accept: boolean;
        const diff = small === undefined ? Number.POSITIVE_INFINITY : a * t - small.n; // a·t < 2^31·2^13: exact
        if (small !== undefined && Math.abs(diff) < 2 ** 26) {
          const num = diff * diff; // < 2^52: exact
          const whole = Math.floor(num / small.den);
          let rest = num - whole * small.den; // exact: whole·den ≤ num + den < 2^53
          let w = whole;
          if (rest < 0) {
            w -= 1;
            rest += small.den;
          } else if (rest >= small.den) {
            w += 1;
            rest -= small.den;
          }
          accept = true;
          for (let j = 0; j < w && accept; j++) accept = expNegOne(coins);
          if (accept) accept = expNegUnit(coins, rest, small.den);
        } else {
          const big = BigInt(a) * td - n;
          accept = expNegBig(coins, big * big, gammaDen, gammaDenApprox);
        }
        if (accept) {
          out[i] = y;
          break;
        }
      }
    }
  } finally {
    coins.dispose();
  }
  return out;
}
