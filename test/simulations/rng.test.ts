import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '@cohort/simulations';
import { SimulationError } from '@cohort/simulations';

const N = 100_000;

function moments(draw: () => number, n = N): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const v = draw();
    sum += v;
    squares += v * v;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

describe('createRng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(xs);
  });

  it('decorrelates nearby seeds (the first draw of seeds 0..1999 is uniform and unrelated to the seed)', () => {
    const n = 2000;
    const first = Array.from({ length: n }, (_, s) => createRng(s).next());
    const mean = first.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03); // σ of the mean ≈ 0.0065
    const seedMean = (n - 1) / 2;
    let cov = 0;
    let varSeed = 0;
    let varX = 0;
    first.forEach((x, s) => {
      cov += (s - seedMean) * (x - mean);
      varSeed += (s - seedMean) ** 2;
      varX += (x - mean) ** 2;
    });
    expect(Math.abs(cov / Math.sqrt(varSeed * varX))).toBeLessThan(0.1); // σ ≈ 0.022
  });

  it('accepts negative and 53-bit seeds, refuses non-integers', () => {
    expect(createRng(-7).next()).not.toBe(createRng(7).next());
    expect(createRng(2 ** 40 + 1).next()).not.toBe(createRng(1).next());
    expect(() => createRng(1.5)).toThrow(SimulationError);
    expect(() => createRng(Number.NaN)).toThrow(/safe integer/);
  });

  it('next() is in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = createRng(1);
    let min = 1;
    let max = 0;
    const m = moments(() => {
      const v = rng.next();
      min = Math.min(min, v);
      max = Math.max(max, v);
      return v;
    });
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(m.mean).toBeCloseTo(0.5, 2);
    expect(m.variance).toBeCloseTo(1 / 12, 3);
  });

  it('int(n) covers [0, n) uniformly', () => {
    const rng = createRng(2);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]!++;
    // χ² with 6 degrees of freedom; 22.5 is the 0.999 quantile.
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(22.5);
    expect(() => rng.int(0)).toThrow(SimulationError);
  });

  it('normal() has mean 0 and variance 1', () => {
    const rng = createRng(3);
    const m = moments(() => rng.normal());
    expect(Math.abs(m.mean)).toBeLessThan(0.02); // σ of the mean ≈ 0.003
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.03); // σ of the variance ≈ 0.0045
  });

  it.each([0.05, 0.3, 1, 4.5])('gamma(%s) has mean and variance equal to the shape', (shape) => {
    const rng = createRng(4);
    const m = moments(() => rng.gamma(shape));
    const varSe = shape * Math.sqrt((2 + 6 / shape) / N); // sd of the sample variance (excess kurtosis 6/k)
    expect(Math.abs(m.mean - shape)).toBeLessThan(5 * Math.sqrt(shape / N));
    expect(Math.abs(m.variance - shape)).toBeLessThan(6 * varSe);
    expect(() => rng.gamma(0)).toThrow(SimulationError);
  });

  it('dirichlet draws sum to 1, have mean alpha_i / Σ alpha, and stay finite for tiny alpha', () => {
    const rng = createRng(5);
    const alpha = [0.5, 1, 2.5];
    const sums = [0, 0, 0];
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const p = rng.dirichlet(alpha);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      p.forEach((v, j) => (sums[j]! += v));
    }
    sums.forEach((s, j) => expect(s / draws).toBeCloseTo(alpha[j]! / 4, 2));

    for (let i = 0; i < 1000; i++) {
      const p = rng.dirichlet(1e-3, 5);
      expect(p.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('shuffle returns a permutation, and all 6 orders of 3 items are equally likely', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 50 }), fc.integer(), (items, seed) => {
        const shuffled = createRng(seed).shuffle([...items]);
        expect([...shuffled].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
      }),
    );
    const rng = createRng(6);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const key = rng.shuffle(Int32Array.of(0, 1, 2)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(20.5); // 0.999 quantile, 5 degrees of freedom
  });

  it('fork depends on the seed and label only, not on draws already made', () => {
    const fresh = createRng(9);
    const used = createRng(9);
    for (let i = 0; i < 100; i++) used.next();
    expect(used.fork('clients').next()).toBe(fresh.fork('clients').next());
    expect(fresh.fork(1).next()).not.toBe(fresh.fork(2).next());
    expect(fresh.fork(1).next()).not.toBe(fresh.fork('1').next());
    expect(fresh.fork('a').fork('b').next()).not.toBe(fresh.fork('b').fork('a').next());
    expect(createRng(10).fork('clients').next()).not.toBe(fresh.fork('clients').next());
  });

  it('forked streams are uncorrelated with their parent', () => {
    const parent = createRng(11);
    const child = parent.fork('x');
    const n = 20_000;
    let cov = 0;
    for (let i = 0; i < n; i++) cov += (parent.next() - 0.5) * (child.next() - 0.5);
    expect(Math.abs(cov / n / (1 / 12))).toBeLessThan(0.04); // correlation; σ ≈ 0.007
  });
});
