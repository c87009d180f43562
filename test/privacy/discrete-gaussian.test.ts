import { afterEach, describe, expect, it, vi } from 'vitest';
import { cryptoRandomSource, PrivacyError } from '@cohort/privacy';
import { sampleDiscreteGaussian, seededRandomSource } from '@cohort/privacy/mechanisms';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Exact pmf of the discrete Gaussian with parameter σ² on [−K, K] (mass beyond is < e^-400). */
function pmf(sigmaSquared: number): Map<number, number> {
  const k = Math.ceil(40 * Math.sqrt(sigmaSquared)) + 2;
  const weights = new Map<number, number>();
  let total = 0;
  for (let z = -k; z <= k; z++) {
    const w = Math.exp(-(z * z) / (2 * sigmaSquared));
    weights.set(z, w);
    total += w;
  }
  for (const [z, w] of weights) weights.set(z, w / total);
  return weights;
}

function theoreticalMoments(sigmaSquared: number): { variance: number; fourth: number } {
  let variance = 0;
  let fourth = 0;
  for (const [z, p] of pmf(sigmaSquared)) {
    variance += z * z * p;
    fourth += z ** 4 * p;
  }
  return { variance, fourth };
}

function sampleMoments(x: Int32Array): { mean: number; variance: number } {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  return { mean, variance: variance / (x.length - 1) };
}

/** Checks mean and variance against theory with 5-sigma intervals. */
function expectMomentsMatch(x: Int32Array, sigmaSquared: number): void {
  const { variance, fourth } = theoreticalMoments(sigmaSquared);
  const observed = sampleMoments(x);
  const n = x.length;
  expect(Math.abs(observed.mean)).toBeLessThan(5 * Math.sqrt(variance / n));
  expect(Math.abs(observed.variance - variance)).toBeLessThan(5 * Math.sqrt((fourth - variance ** 2) / n));
}

describe('sampleDiscreteGaussian (Canonne–Kamath–Steinke 2020)', () => {
  it('matches the pmf exp(−z²/2σ²)/Z at σ² = 4 by chi-square (n = 50k), with the right variance', () => {
    const random = vi.spyOn(Math, 'random');
    const n = 50_000;
    const x = sampleDiscreteGaussian(4, n);
    expect(x).toBeInstanceOf(Int32Array);
    expect(random).not.toHaveBeenCalled();

    // 13 bins: (−∞, −6], −5 … 5, [6, ∞); df = 12, critical value at p = 0.001 is 32.909.
    const p = pmf(4);
    const bin = (z: number): number => Math.max(-6, Math.min(6, z)) + 6;
    const expected = new Float64Array(13);
    for (const [z, mass] of p) expected[bin(z)]! += n * mass;
    const observed = new Float64Array(13);
    for (const z of x) observed[bin(z)]! += 1;
    let chi2 = 0;
    for (let i = 0; i < 13; i++) chi2 += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
    expect(Math.min(...expected)).toBeGreaterThan(5);
    expect(chi2).toBeLessThan(32.909);
    expectMomentsMatch(x, 4);
  });

  it('accepts σ² as an exact rational and matches theory at a non-integer σ² = 5/2', () => {
    const x = sampleDiscreteGaussian({ numerator: 5n, denominator: 2n }, 30_000);
    expectMomentsMatch(x, 2.5);
  });

  it('is right far from σ = 1: tiny σ² = 0.1 (mostly zeros) and large σ² = 10⁶ (bigint coins)', () => {
    expectMomentsMatch(sampleDiscreteGaussian(0.1, 30_000), 0.1);
    expectMomentsMatch(sampleDiscreteGaussian(1e6, 10_000), 1e6);
  });

  it('is right on both exact paths at large σ²: safe integers (σ² = 2·10⁷) and bigint coins (σ² = 2^48 − 0.2, the DDGauss planner’s cap)', () => {
    // For σ ≥ 10 the discrete Gaussian's variance and fourth moment equal σ² and 3σ⁴ to within e^(−2π²σ²).
    for (const sigmaSquared of [2e7, 2 ** 48 - 0.2]) {
      const n = 20_000;
      const x = sampleDiscreteGaussian(sigmaSquared, n);
      const observed = sampleMoments(x);
      expect(Math.abs(observed.mean)).toBeLessThan(5 * Math.sqrt(sigmaSquared / n));
      expect(Math.abs(observed.variance / sigmaSquared - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    }
  });

  it('draws its coins from the CSPRNG by default, or from a given (seeded, non-private) source', () => {
    const random = vi.spyOn(Math, 'random');
    const a = sampleDiscreteGaussian(9, 2000, { source: seededRandomSource('run-1') });
    const b = sampleDiscreteGaussian(9, 2000, { source: seededRandomSource('run-1') });
    const c = sampleDiscreteGaussian(9, 2000, { source: cryptoRandomSource() });
    const d = sampleDiscreteGaussian(9, 2000);
    expect(a).toEqual(b);
    expect(c).not.toEqual(d);
    expect(seededRandomSource('run-1').private).toBe(false);
    expect(cryptoRandomSource().private).toBe(true);
    expect(random).not.toHaveBeenCalled();
  });

  it('rejects invalid parameters with the field name and range', () => {
    for (const bad of [0, -1, NaN, Infinity, 2 ** 49]) {
      expect(() => sampleDiscreteGaussian(bad, 1)).toThrow(PrivacyError);
      expect(() => sampleDiscreteGaussian(bad, 1)).toThrow(/sigmaSquared must be/);
    }
    expect(() => sampleDiscreteGaussian({ numerator: 1n, denominator: 0n }, 1)).toThrow(/denominator must be a positive bigint/);
    expect(() => sampleDiscreteGaussian(1, -1)).toThrow(/count must be an integer in \[0/);
    expect(sampleDiscreteGaussian(1, 0)).toHaveLength(0);
  });
});
