import { describe, expect, it } from 'vitest';
import { createGaussianSource, empiricalEpsilon, estimateFromCanaries, oneRunAudit, oneRunLowerBound, PrivacyError } from '@cohort/privacy';
import { analyticGaussianEpsilon } from '@cohort/privacy/accounting/analysis';
import {
  empiricalDelta,
  fitGaussian,
  guessFromScores,
  logBinomialPmf,
  logBinomialSf,
  logisticProbability,
  oneRunPValue,
  quadraticPositiveRegion,
} from '@cohort/privacy/audit';
import { relativeError } from './reference-data';

function gaussianDraws(seed: number, n: number, mu: number, sigma: number): number[] {
  const z = new Float64Array(n);
  createGaussianSource({ seed }).fillStandardNormal(z);
  return Array.from(z, (x) => mu + sigma * x);
}

function expectPrivacyError(fn: () => unknown, code: string, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PrivacyError);
    expect((error as PrivacyError).code).toBe(code);
    expect((error as PrivacyError).message).toContain(field);
    return;
  }
  expect.unreachable(`expected a PrivacyError naming ${field}`);
}

describe('empiricalEpsilon (Andrew et al. 2024): ε at which N(0, σ₀²) and N(μ, σ²) are (ε, δ)-indistinguishable', () => {
  it('gives the known answers for equal variances, μ/σ = 1, 2, 4 at δ = 1e-6', () => {
    const known: [number, number][] = [
      [1, 4.887],
      [2, 10.997],
      [4, 26.357],
    ];
    for (const [ratio, expected] of known) {
      expect(empiricalEpsilon({ mu: ratio, sigma: 1, nullSigma: 1, delta: 1e-6 })).toBeCloseTo(expected, 3);
      // The same ratio at the scale of cosines in R^(10⁶): σ₀ = 1e-3.
      expect(empiricalEpsilon({ mu: ratio * 1e-3, sigma: 1e-3, nullSigma: 1e-3, delta: 1e-6 })).toBeCloseTo(expected, 3);
      const analytic = analyticGaussianEpsilon({ sigma: 1, sensitivity: ratio, delta: 1e-6 });
      expect(relativeError(empiricalEpsilon({ mu: ratio, sigma: 1, nullSigma: 1, delta: 1e-6 }), analytic)).toBeLessThan(1e-9);
    }
  });

  it('matches mpmath quadrature of max(H(P‖Q), H(Q‖P)) for unequal variances, down to δ ≈ 1e-10', () => {
    // [μ, σ, σ₀, ε, δ]: δ = ∫ (p − e^ε q)₊ at 40 digits, breakpoints at the roots of the privacy loss.
    const reference: [number, number, number, number, number][] = [
      [1, 0.5, 1, 3, 0.2947221562027681],
      [2, 1.3, 1, 10, 0.004835869222503516],
      [0.3, 2, 1, 5, 0.040399141568429726],
      [4, 0.9, 1, 30, 4.986941160244447e-5],
      [1e-3, 2e-3, 1e-3, 8, 0.030661702214465087],
      [0, 1.5, 1, 2, 0.025744478820244256],
      [4, 0.9, 1, 45, 1.270889203142061e-10],
      [2, 1.3, 1, 25, 3.699736100485503e-8],
      [1, 0.5, 1, 40, 3.5371568492509073e-5],
    ];
    for (const [mu, sigma, nullSigma, epsilon, delta] of reference) {
      expect(relativeError(empiricalDelta({ mu, sigma, nullSigma, epsilon }), delta), `μ=${mu} σ=${sigma} ε=${epsilon}`).toBeLessThan(
        1e-12,
      );
    }
  });

  it('reads ε where δ(ε) meets the target', () => {
    for (const [mu, sigma] of [
      [1, 0.5],
      [2, 1.3],
      [0.3, 2],
    ] as const) {
      const epsilon = empiricalEpsilon({ mu, sigma, nullSigma: 1, delta: 1e-6 });
      expect(empiricalDelta({ mu, sigma, nullSigma: 1, epsilon })).toBeLessThanOrEqual(1e-6);
      expect(empiricalDelta({ mu, sigma, nullSigma: 1, epsilon: epsilon * (1 - 1e-9) })).toBeGreaterThan(1e-6);
    }
  });

  it('is 0 when the fitted Gaussian is the null, and grows with μ', () => {
    expect(empiricalEpsilon({ mu: 0, sigma: 1e-3, nullSigma: 1e-3, delta: 1e-6 })).toBe(0);
    for (const delta of [1e-3, 1e-6, 1e-9]) {
      for (const sigma of [0.3, 0.99, 1, 1.01, 3]) {
        let previous = -Infinity;
        for (let mu = 0; mu <= 10; mu += 0.25) {
          const epsilon = empiricalEpsilon({ mu, sigma, nullSigma: 1, delta });
          expect(epsilon, `σ=${sigma} μ=${mu} δ=${delta}`).toBeGreaterThan(previous);
          previous = epsilon;
        }
      }
    }
  });

  it('is symmetric in the sign of μ and in swapping σ with σ₀, and positive for μ = 0 when only the variances differ', () => {
    for (const [mu, a, b] of [
      [0.7, 1, 2.5],
      [3, 0.4, 1],
      [0, 1, 1.2],
    ] as const) {
      const epsilon = empiricalEpsilon({ mu, sigma: a, nullSigma: b, delta: 1e-6 });
      expect(relativeError(empiricalEpsilon({ mu: -mu, sigma: a, nullSigma: b, delta: 1e-6 }), epsilon)).toBeLessThan(1e-9);
      expect(relativeError(empiricalEpsilon({ mu, sigma: b, nullSigma: a, delta: 1e-6 }), epsilon)).toBeLessThan(1e-9);
      expect(epsilon).toBeGreaterThan(0);
      expect(Number.isFinite(epsilon)).toBe(true);
    }
  });

  it('joins the equal-variance case continuously as σ → σ₀', () => {
    const equal = empiricalEpsilon({ mu: 1, sigma: 1, nullSigma: 1, delta: 1e-6 });
    for (const sigma of [1 + 1e-12, 1 - 1e-12, 1 + 1e-9]) {
      expect(Math.abs(empiricalEpsilon({ mu: 1, sigma, nullSigma: 1, delta: 1e-6 }) - equal)).toBeLessThan(1e-6);
    }
  });

  /*
   * Unequal vs equal variances. Put s = min(σ, σ₀) = 1, S = max > 1, t = |μ|/s ≥ 0 (reflect if
   * needed), and compare pair A = {N(0, 1), N(t, S²)} (either one may be the null) with the
   * equal-variance pair B = {N(0, 1), N(t, 1)}. Read H(wide‖narrow) as E_wide[(1 − e^{ε − L})₊],
   * increasing in the privacy loss L. Writing the wide draw as t + S·z and B's as t + z,
   *   L_A(t + Sz) − L_B(t + z) = −log S + t(S − 1)z + (S² − 1)z²/2 ≥ (S − 1)[(S + 1)z²/2 + tz − 1],
   * which is ≥ 0 for z ≥ 1. B's integrand is non-zero only where t²/2 + tz > ε, i.e. only for z ≥ 1
   * once ε ≥ t + t²/2; so there δ_A(ε) ≥ δ_B(ε). Hence if ε_B ≥ t + t²/2 then ε_A ≥ ε_B. At small δ
   * this holds for all but tiny t (ε_B ≈ t²/2 + t·√(2 log 1/δ)); without it the claim can fail.
   */
  it('with unequal variances gives an ε at least the equal-variance ε at the smaller σ whenever ε_B ≥ t + t²/2', () => {
    let checked = 0;
    for (const delta of [1e-3, 1e-6, 1e-10]) {
      for (const t of [0.1, 0.5, 1, 2, 4, 8, 16]) {
        const equal = empiricalEpsilon({ mu: t, sigma: 1, nullSigma: 1, delta });
        if (equal < t + (t * t) / 2) continue;
        for (const S of [1.001, 1.05, 1.5, 3, 10]) {
          for (const scale of [1, 1e-3]) {
            const wideCanary = empiricalEpsilon({ mu: t * scale, sigma: S * scale, nullSigma: scale, delta });
            const wideNull = empiricalEpsilon({ mu: t * scale, sigma: scale, nullSigma: S * scale, delta });
            expect(wideCanary, `δ=${delta} t=${t} S=${S}`).toBeGreaterThanOrEqual(equal * (1 - 1e-9));
            expect(wideNull, `δ=${delta} t=${t} S=${S}`).toBeGreaterThanOrEqual(equal * (1 - 1e-9));
            expect(Number.isFinite(wideCanary) && Number.isFinite(wideNull)).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('does not promise that ordering outside the condition (δ = 0.3, t = 0.865, S = 1.25)', () => {
    const equal = empiricalEpsilon({ mu: 0.865, sigma: 1, nullSigma: 1, delta: 0.3 });
    expect(equal).toBeLessThan(0.865 + 0.865 ** 2 / 2);
    expect(empiricalEpsilon({ mu: 0.865, sigma: 1.25, nullSigma: 1, delta: 0.3 })).toBeLessThan(equal);
  });

  it('solves the privacy-loss quadratic into an interval or the complement of one', () => {
    expect(quadraticPositiveRegion(-1, 0, 1)).toEqual([[-1, 1]]);
    expect(quadraticPositiveRegion(1, 0, -1)).toEqual([
      [-Infinity, -1],
      [1, Infinity],
    ]);
    expect(quadraticPositiveRegion(-1, 0, -1)).toEqual([]);
    expect(quadraticPositiveRegion(1, 0, 1)).toEqual([[-Infinity, Infinity]]);
    expect(quadraticPositiveRegion(0, -2, 1)).toEqual([[-Infinity, 0.5]]);
    // Nearly linear: the finite root stays accurate.
    const [[lo, hi]] = quadraticPositiveRegion(1e-300, -2, 1) as [[number, number]];
    expect(lo).toBe(-Infinity);
    expect(hi).toBeCloseTo(0.5, 15);
  });

  it('fits (μ, σ) with the sample mean and the n − 1 standard deviation', () => {
    const { mu, sigma } = fitGaussian([1, 2, 3, 4]);
    expect(mu).toBe(2.5);
    expect(sigma).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expectPrivacyError(() => fitGaussian([1]), 'INVALID_ARGUMENT', 'statistics');
    expectPrivacyError(() => fitGaussian([1, Number.NaN]), 'NON_FINITE_INPUT', 'statistics[1]');
  });

  it('estimates ε̂ from inserted canaries against the null N(0, 1/d)', () => {
    const d = 10_000;
    const scores = gaussianDraws(7, 500, 3 / Math.sqrt(d), 1 / Math.sqrt(d));
    const estimate = estimateFromCanaries({ insertedScores: scores, dimension: d, delta: 1e-6 });
    expect(estimate.nullSigma).toBe(0.01);
    expect(estimate).toMatchObject(fitGaussian(scores));
    expect(estimate.epsilon).toBe(empiricalEpsilon({ mu: estimate.mu, sigma: estimate.sigma, nullSigma: 0.01, delta: 1e-6 }));
    // Near the equal-variance answer at μ/σ = 3, and finite.
    const equal = empiricalEpsilon({ mu: 3, sigma: 1, nullSigma: 1, delta: 1e-6 });
    expect(Math.abs(estimate.epsilon - equal) / equal).toBeLessThan(0.3);
    // Scores exactly matching the null (mean 0, std 1/√d) give 0.
    const a = 0.01 / Math.SQRT2;
    expect(estimateFromCanaries({ insertedScores: [-a, a], dimension: d, delta: 1e-6 }).epsilon).toBe(0);
  });

  it('refuses arguments outside their ranges, naming them', () => {
    expectPrivacyError(() => empiricalEpsilon({ mu: 1, sigma: 0, nullSigma: 1, delta: 1e-6 }), 'INVALID_ARGUMENT', 'sigma');
    expectPrivacyError(() => empiricalEpsilon({ mu: 1, sigma: 1, nullSigma: -1, delta: 1e-6 }), 'INVALID_ARGUMENT', 'nullSigma');
    expectPrivacyError(() => empiricalEpsilon({ mu: Number.NaN, sigma: 1, nullSigma: 1, delta: 1e-6 }), 'INVALID_ARGUMENT', 'mu');
    expectPrivacyError(() => empiricalEpsilon({ mu: 1, sigma: 1, nullSigma: 1, delta: 0 }), 'INVALID_ARGUMENT', 'delta');
    expectPrivacyError(() => empiricalDelta({ mu: 1, sigma: 1, nullSigma: 1, epsilon: -1 }), 'INVALID_ARGUMENT', 'epsilon');
    expectPrivacyError(() => estimateFromCanaries({ insertedScores: [1, 2], dimension: 0, delta: 1e-6 }), 'INVALID_ARGUMENT', 'dimension');
    expectPrivacyError(
      () => estimateFromCanaries({ insertedScores: [1, 1], dimension: 10, delta: 1e-6 }),
      'INVALID_ARGUMENT',
      'insertedScores',
    );
  });
});

describe('oneRunLowerBound (Steinke, Nasr, Jagielski 2023): ε refuted by v of r correct guesses on m canaries', () => {
  // [m, r, v, δ, rounded answer from the issue, Steinke et al.'s get_eps_audit (scipy, bisection to 2^-60)].
  const known: [number, number, number, number, number, number][] = [
    [1000, 100, 100, 0, 3.493, 3.4929654311522924],
    [1000, 100, 100, 1e-5, 3.465, 3.465376347811045],
    [1000, 100, 90, 1e-5, 1.626, 1.6261434806957258],
    [1000, 1000, 700, 1e-5, 0.732, 0.7317404494186919],
    [10_000, 1000, 900, 1e-5, 2.015, 2.0151944854069797],
  ];

  it('gives the known answers at 95 % confidence, and agrees with the reference implementation to 1e-9', () => {
    for (const [m, r, v, delta, rounded, reference] of known) {
      const epsilon = oneRunLowerBound({ m, r, v, delta });
      expect(epsilon, `(${m}, ${r}, ${v}, ${delta})`).toBeCloseTo(rounded, 3);
      expect(relativeError(epsilon, reference)).toBeLessThan(1e-9);
    }
  });

  it('stays exact at m = 10⁶, r = 10⁵ (scipy reference)', () => {
    const large: [number, number, number, number, number][] = [
      [1_000_000, 100_000, 60_000, 1e-5, 0.39162210687127064],
      [1_000_000, 100_000, 99_000, 1e-6, 4.53628554836306],
      [1_000_000, 100_000, 50_500, 1e-5, 0.0065143305001783775],
    ];
    for (const [m, r, v, delta, reference] of large) {
      expect(relativeError(oneRunLowerBound({ m, r, v, delta }), reference)).toBeLessThan(1e-9);
    }
  });

  it('returns the supremum of the refuted ε: the p-value is below 1 − confidence there and not just above', () => {
    for (const [m, r, v, delta] of known) {
      for (const confidence of [0.9, 0.95, 0.99]) {
        const epsilon = oneRunLowerBound({ m, r, v, delta, confidence });
        expect(oneRunPValue({ m, r, v, delta, epsilon })).toBeLessThan(1 - confidence);
        expect(oneRunPValue({ m, r, v, delta, epsilon: epsilon + 1e-9 })).toBeGreaterThanOrEqual(1 - confidence);
      }
    }
  });

  it('is 0 without evidence and grows with the correct guesses; falls as δ or the confidence grows', () => {
    expect(oneRunLowerBound({ m: 1000, r: 100, v: 50, delta: 1e-5 })).toBe(0);
    expect(oneRunLowerBound({ m: 1000, r: 100, v: 0, delta: 0 })).toBe(0);
    expect(oneRunLowerBound({ m: 0, r: 0, v: 0, delta: 0 })).toBe(0);
    // 2mδ = 20 swamps any binomial tail.
    expect(oneRunLowerBound({ m: 1000, r: 100, v: 100, delta: 0.01 })).toBe(0);
    let previous = 0;
    for (let v = 60; v <= 100; v += 5) {
      const epsilon = oneRunLowerBound({ m: 1000, r: 100, v, delta: 1e-5 });
      expect(epsilon).toBeGreaterThan(previous);
      previous = epsilon;
    }
    const base = oneRunLowerBound({ m: 1000, r: 100, v: 90, delta: 1e-5 });
    expect(oneRunLowerBound({ m: 1000, r: 100, v: 90, delta: 1e-3 })).toBeLessThan(base);
    expect(oneRunLowerBound({ m: 1000, r: 100, v: 90, delta: 1e-5, confidence: 0.99 })).toBeLessThan(base);
  });

  it('computes binomial probabilities in log space without overflow (mpmath at 50 digits)', () => {
    const pmf: [number, number, number, number][] = [
      [500_123, 1_000_000, 0, -7.163804851674066],
      [60_000, 100_000, 0.4, -6.320384796377367],
      [3, 1_000_000, 0, -693107.5257907406],
      [99_990, 100_000, 5, -621.5104568494307],
    ];
    for (const [k, n, epsilon, reference] of pmf) {
      expect(relativeError(logBinomialPmf(k, n, logisticProbability(epsilon)), reference)).toBeLessThan(1e-13);
    }
    const sf: [number, number, number, number][] = [
      [60_000, 100_000, 0, -2018.4147883771368],
      [900, 1000, 2, -3.452372072601507],
      [50_100, 100_000, 0, -1.3296167295746424],
      [700, 1000, 0.5, -15.607739163555523],
    ];
    for (const [v, n, epsilon, reference] of sf) {
      expect(relativeError(logBinomialSf(v, n, logisticProbability(epsilon)), reference)).toBeLessThan(1e-13);
    }
    expect(logBinomialSf(0, 10, logisticProbability(1))).toBe(0);
    expect(logBinomialSf(11, 10, logisticProbability(1))).toBe(-Infinity);
  });

  it('refuses counts and levels outside their ranges, naming them', () => {
    expectPrivacyError(() => oneRunLowerBound({ m: 10, r: 11, v: 0, delta: 0 }), 'INVALID_ARGUMENT', 'r');
    expectPrivacyError(() => oneRunLowerBound({ m: 10, r: 5, v: 6, delta: 0 }), 'INVALID_ARGUMENT', 'v');
    expectPrivacyError(() => oneRunLowerBound({ m: 10.5, r: 5, v: 5, delta: 0 }), 'INVALID_ARGUMENT', 'm');
    expectPrivacyError(() => oneRunLowerBound({ m: 10, r: 5, v: 5, delta: 1 }), 'INVALID_ARGUMENT', 'delta');
    expectPrivacyError(() => oneRunLowerBound({ m: 10, r: 5, v: 5, delta: -1e-9 }), 'INVALID_ARGUMENT', 'delta');
    expectPrivacyError(() => oneRunLowerBound({ m: 10, r: 5, v: 5, delta: 0, confidence: 1 }), 'INVALID_ARGUMENT', 'confidence');
    expectPrivacyError(() => oneRunLowerBound({ m: 10, r: 5, v: 5, delta: 0, confidence: 0 }), 'INVALID_ARGUMENT', 'confidence');
    expectPrivacyError(() => oneRunPValue({ m: 10, r: 5, v: 5, delta: 0, epsilon: -1 }), 'INVALID_ARGUMENT', 'epsilon');
  });
});

describe('guessFromScores and oneRunAudit', () => {
  it('guesses in for the kPlus highest and out for the kMinus lowest, ties ranked by index', () => {
    const inserted = [true, false, true, false, true, false];
    const scores = [5, 1, 3, 3, 0, 9];
    // Rank (score, then index): 4(0) 1(1) 2(3) 3(3) 0(5) 5(9). Out: 4, 1. In: 3, 0, 5.
    expect(guessFromScores({ inserted, scores, kPlus: 3, kMinus: 2 })).toEqual({ guesses: 5, correct: 2 });
    // In: 5 and 0 → one correct; out: 4 → wrong.
    expect(guessFromScores({ inserted, scores, kPlus: 2, kMinus: 1 })).toEqual({ guesses: 3, correct: 1 });
    expect(guessFromScores({ inserted, scores, kPlus: 0, kMinus: 0 })).toEqual({ guesses: 0, correct: 0 });
  });

  it('refuses mismatched lengths, too many guesses and non-finite scores', () => {
    expectPrivacyError(() => guessFromScores({ inserted: [true], scores: [1, 2], kPlus: 0, kMinus: 0 }), 'INVALID_ARGUMENT', 'scores');
    expectPrivacyError(
      () => guessFromScores({ inserted: [true, false], scores: [1, 2], kPlus: 2, kMinus: 1 }),
      'INVALID_ARGUMENT',
      'kMinus',
    );
    expectPrivacyError(() => guessFromScores({ inserted: [true], scores: [1], kPlus: -1, kMinus: 0 }), 'INVALID_ARGUMENT', 'kPlus');
    expectPrivacyError(
      () => guessFromScores({ inserted: [true, false], scores: [1, Number.NaN], kPlus: 1, kMinus: 0 }),
      'NON_FINITE_INPUT',
      'scores[1]',
    );
  });

  it('audits a perfectly separating attack and a blind one', () => {
    const m = 1000;
    const coin = gaussianDraws(3, m, 0, 1);
    const inserted = coin.map((x) => x > 0);
    const noise = gaussianDraws(4, m, 0, 1);
    const separating = inserted.map((inside, i) => (inside ? 10 : 0) + noise[i]!);
    const audit = oneRunAudit({ inserted, scores: separating, kPlus: 50, kMinus: 50, delta: 1e-5 });
    expect(audit).toEqual({ epsilonLower: oneRunLowerBound({ m, r: 100, v: 100, delta: 1e-5 }), guesses: 100, correct: 100, m });
    expect(audit.epsilonLower).toBeCloseTo(3.465, 3);
    const blind = oneRunAudit({ inserted, scores: noise, kPlus: 50, kMinus: 50, delta: 1e-5 });
    expect(blind.epsilonLower).toBeLessThan(0.5);
  });

  it('runs well under 100 ms at m = 10⁴, r = 10³', () => {
    const m = 10_000;
    const inserted = gaussianDraws(5, m, 0, 1).map((x) => x > 0);
    const noise = gaussianDraws(6, m, 0, 1);
    const scores = inserted.map((inside, i) => (inside ? 1.5 : 0) + noise[i]!);
    oneRunAudit({ inserted, scores, kPlus: 500, kMinus: 500, delta: 1e-5 }); // warm-up
    let start = performance.now();
    const audit = oneRunAudit({ inserted, scores, kPlus: 500, kMinus: 500, delta: 1e-5 });
    expect(performance.now() - start).toBeLessThan(100);
    expect(audit.guesses).toBe(1000);
    expect(audit.epsilonLower).toBeGreaterThan(0);
    start = performance.now();
    oneRunLowerBound({ m, r: 1000, v: 700, delta: 1e-5 });
    expect(performance.now() - start).toBeLessThan(100);
    const cosines = gaussianDraws(8, m, 0.02, 0.01);
    start = performance.now();
    estimateFromCanaries({ insertedScores: cosines, dimension: 10_000, delta: 1e-6 });
    expect(performance.now() - start).toBeLessThan(100);
  });
});
