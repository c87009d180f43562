/**
 * Binomial probabilities in log space, accurate to double precision for any number of trials.
 *
 * The mass function follows C. Loader (2000), "Fast and Accurate Computation of Binomial
 * Probabilities" (the algorithm behind R's `dbinom`): Stirling's remainder and the deviance
 * `bd0` keep every term small, so log P[X = k] carries no cancellation between huge log-factorials
 * even at n = 10⁶. Tails are sums of mass terms walked away from the mode, where the terms only
 * shrink, and stop once the rest cannot change the sum in double precision.
 */

/** A Bernoulli success probability held as p and 1 − p, each computed directly (no 1 − p rounding). */
export interface SuccessProbability {
  p: number;
  /** 1 − p. */
  q: number;
}

/** p = e^ε / (1 + e^ε) and 1 − p = 1 / (1 + e^ε) for ε ≥ 0, without cancellation. */
export function logisticProbability(epsilon: number): SuccessProbability {
  const t = Math.exp(-epsilon);
  return { p: 1 / (1 + t), q: t / (1 + t) };
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log(n!) − log(√(2πn)·(n/e)ⁿ) for n = 0..15, from mpmath at 40 digits (n = 0 unused). */
const STIRLING_ERROR_TABLE: readonly number[] = [
  0, 0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093, 0.016644691189821193, 0.013876128823070748,
  0.01189670994589177, 0.010411265261972096, 0.009255462182712733, 0.00833056343336287, 0.007573675487951841, 0.00694284010720953,
  0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
];

/** Stirling's remainder log(n!) − log(√(2πn)·(n/e)ⁿ) for an integer n ≥ 1. */
export function stirlingError(n: number): number {
  if (n <= 15) return STIRLING_ERROR_TABLE[n]!;
  const nn = n * n;
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * nn)) / nn) / nn) / nn) / n;
}

/** Loader's deviance term x·log(x/M) + M − x, by its series when x is close to M. */
export function binomialDeviance(x: number, M: number): number {
  if (M === 0) return x === 0 ? 0 : Infinity;
  if (Math.abs(x - M) < 0.1 * (x + M)) {
    const v = (x - M) / (x + M);
    let s = (x - M) * v;
    let ej = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const next = s + ej / (2 * j + 1);
      if (next === s) return s;
      s = next;
    }
    return s;
  }
  return x * Math.log(x / M) + M - x;
}

/** log P[Bin(n, p) = k] for integers 0 ≤ k ≤ n (−∞ outside). */
export function logBinomialPmf(k: number, n: number, { p, q }: SuccessProbability): number {
  if (k < 0 || k > n) return -Infinity;
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (q === 0) return k === n ? 0 : -Infinity;
  if (k === 0) return n === 0 ? 0 : p < 0.1 ? -binomialDeviance(n, n * q) - n * p : n * Math.log(q);
  if (k === n) return q < 0.1 ? -binomialDeviance(n, n * p) - n * q : n * Math.log(p);
  const lc = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - binomialDeviance(k, n * p) - binomialDeviance(n - k, n * q);
  return lc - LOG_SQRT_2PI - 0.5 * (Math.log(k) + Math.log1p(-k / n));
}

/** The mode ⌊(n + 1)p⌋ of Bin(n, p), clamped to [0, n]. */
export function binomialMode(n: number, { p }: SuccessProbability): number {
  return Math.min(n, Math.max(0, Math.floor((n + 1) * p)));
}

/** Terms below exp(−40) of the running sum are beneath double precision. */
const NEGLIGIBLE_LOG_RATIO = -40;

/**
 * log Σ P[X = k] over k = from, from + step, … within [0, n], for a walk on which the terms only
 * shrink (away from the mode). Terms are summed relative to the first, so nothing overflows.
 */
function logMonotoneTailSum(from: number, step: 1 | -1, n: number, prob: SuccessProbability): number {
  const first = logBinomialPmf(from, n, prob);
  if (first === -Infinity) return -Infinity;
  let scaled = 0;
  for (let k = from; k >= 0 && k <= n; k += step) {
    const rel = logBinomialPmf(k, n, prob) - first;
    scaled += Math.exp(rel);
    if (rel - Math.log(scaled) < NEGLIGIBLE_LOG_RATIO) break;
  }
  return first + Math.log(scaled);
}

/** log P[Bin(n, p) ≥ v], accurate in both tails. */
export function logBinomialSf(v: number, n: number, prob: SuccessProbability): number {
  if (v <= 0) return 0;
  if (v > n) return -Infinity;
  if (v > binomialMode(n, prob)) return logMonotoneTailSum(v, 1, n, prob);
  // P[X ≥ v] = 1 − P[X ≤ v − 1], and v − 1 lies below the mode, so that sum walks downward.
  const logBelow = logMonotoneTailSum(v - 1, -1, n, prob);
  return Math.log1p(-Math.exp(logBelow));
}
