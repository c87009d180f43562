import { afterEach, describe, expect, it, vi } from 'vitest';
import { addGaussianNoise, createGaussianSource, PrivacyError } from '@cohort/privacy';
import { normalCdf } from '@cohort/privacy/accounting/analysis';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Mean, standard deviation, excess kurtosis and lag-1 correlation of the values, in float64. */
function moments(values: ArrayLike<number>) {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let m2 = 0;
  let m4 = 0;
  let lag = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
    m4 += d * d * d * d;
    if (i > 0) lag += d * (values[i - 1]! - mean);
  }
  m2 /= n;
  m4 /= n;
  return { mean, std: Math.sqrt(m2), excessKurtosis: m4 / (m2 * m2) - 3, lag1: lag / (n - 1) / m2 };
}

/** Kolmogorov–Smirnov statistic √n·D against N(0, std²). */
function ksStatistic(values: ArrayLike<number>, std: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = normalCdf(sorted[i]! / std);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  return Math.sqrt(n) * d;
}

describe('addGaussianNoise', () => {
  it('adds N(0, (noiseMultiplier × clipNorm)²) noise: std, mean, kurtosis and shape at σ = 2.5, C = 0.7, n = 200k', () => {
    const random = vi.spyOn(Math, 'random');
    const noiseMultiplier = 2.5;
    const clipNorm = 0.7;
    const stdDev = noiseMultiplier * clipNorm; // 1.75, a standard deviation (its variance would be 3.0625)
    const zeros = [new Float32Array(120_000), new Float32Array(80_000)];
    const noised = addGaussianNoise(zeros, stdDev);
    const all = new Float64Array(200_000);
    all.set(noised[0]!, 0);
    all.set(noised[1]!, 120_000);
    const n = all.length;
    const { mean, std, excessKurtosis, lag1 } = moments(all);
    // 5-sigma confidence intervals of each estimator under the null hypothesis.
    expect(Math.abs(mean)).toBeLessThan((5 * stdDev) / Math.sqrt(n));
    expect(Math.abs(std - stdDev)).toBeLessThan((5 * stdDev) / Math.sqrt(2 * n)); // ±0.8 %
    expect(Math.abs(excessKurtosis)).toBeLessThan(5 * Math.sqrt(24 / n));
    expect(Math.abs(lag1)).toBeLessThan(5 / Math.sqrt(n));
    expect(ksStatistic(all, stdDev)).toBeLessThan(1.95); // KS critical value at p = 0.001
    expect(random).not.toHaveBeenCalled();
  });

  it('adds noise to the values (not replacing them), keeps the input untouched and the precision', () => {
    const input = Float32Array.from({ length: 50_000 }, (_, i) => (i % 7) - 3);
    const copy = input.slice();
    const [out] = addGaussianNoise([input], 0.5);
    expect(input.every((v, i) => v === copy[i])).toBe(true);
    expect(out).toBeInstanceOf(Float32Array);
    const residual = Float64Array.from(out!, (v, i) => v - input[i]!);
    const { mean, std } = moments(residual);
    expect(Math.abs(mean)).toBeLessThan((5 * 0.5) / Math.sqrt(50_000));
    expect(Math.abs(std - 0.5)).toBeLessThan((5 * 0.5) / Math.sqrt(100_000));
    const [wide] = addGaussianNoise([new Float64Array(4)], 1);
    expect(wide).toBeInstanceOf(Float64Array);
    expect(addGaussianNoise([copy], 0)[0]).toEqual(copy);
  });

  it('rejects a negative or non-finite standard deviation, naming the field', () => {
    for (const bad of [-1, NaN, Infinity]) {
      expect(() => addGaussianNoise([new Float32Array(1)], bad)).toThrow(PrivacyError);
      expect(() => addGaussianNoise([new Float32Array(1)], bad)).toThrow(/stdDev must be a finite number ≥ 0/);
    }
  });
});

describe('createGaussianSource', () => {
  it('draws from the CSPRNG by default (private) and never from Math.random', () => {
    const random = vi.spyOn(Math, 'random');
    const source = createGaussianSource();
    expect(source.private).toBe(true);
    const a = new Float64Array(1000);
    const b = new Float64Array(1000);
    source.fillStandardNormal(a);
    source.fillStandardNormal(b);
    expect(a).not.toEqual(b);
    expect(random).not.toHaveBeenCalled();
  });

  it('is reproducible with a seed, and then labelled private: false', () => {
    const one = createGaussianSource({ seed: 42 });
    const two = createGaussianSource({ seed: 42 });
    const other = createGaussianSource({ seed: 'forty-two' });
    expect(one.private).toBe(false);
    const [x, y, z] = [new Float64Array(10_001), new Float64Array(10_001), new Float64Array(10_001)];
    one.fillStandardNormal(x);
    two.fillStandardNormal(y);
    other.fillStandardNormal(z);
    expect(x).toEqual(y);
    expect(x).not.toEqual(z);
    const { mean, std } = moments(x);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(10_001));
    expect(Math.abs(std - 1)).toBeLessThan(5 / Math.sqrt(20_002));
    const [noisy1] = addGaussianNoise([new Float32Array(100)], 2, createGaussianSource({ seed: 7 }));
    const [noisy2] = addGaussianNoise([new Float32Array(100)], 2, createGaussianSource({ seed: 7 }));
    expect(noisy1).toEqual(noisy2);
  });

  it('rejects a seed that is neither a safe integer, a string nor bytes', () => {
    expect(() => createGaussianSource({ seed: 1.5 })).toThrow(/seed must be a safe integer/);
  });
});
