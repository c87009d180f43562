import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PldAccountant } from '@cohort/privacy';
import { analyticGaussianDelta, analyticGaussianEpsilon, analyticGaussianSigma } from '@cohort/privacy/accounting/analysis';
import { col, loadCsv, relativeError } from './reference-data';

describe('analytic Gaussian mechanism (Balle & Wang 2018) vs analytic-gaussian.csv', () => {
  const rows = loadCsv('analytic-gaussian.csv');

  it('gives the exact ε of one release at each σ (mpmath reference) to 1e-12', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const epsilon = analyticGaussianEpsilon({ sigma: col(r, 'sigma'), delta: col(r, 'delta') });
      expect(relativeError(epsilon, col(r, 'eps')), `σ=${col(r, 'sigma')}`).toBeLessThan(1e-12);
    }
  });

  it('calibrates σ back from (ε, δ), and δ(ε) is the target δ', () => {
    for (const r of rows) {
      const sigma = analyticGaussianSigma({ epsilon: col(r, 'eps'), delta: col(r, 'delta') });
      expect(relativeError(sigma, col(r, 'sigma'))).toBeLessThan(1e-12);
      expect(relativeError(analyticGaussianDelta({ sigma: col(r, 'sigma'), epsilon: col(r, 'eps') }), col(r, 'delta'))).toBeLessThan(1e-9);
    }
  });

  it('agrees with the PLD accountant for one unsampled release', () => {
    for (const r of rows) {
      const pld = new PldAccountant().step({ noiseMultiplier: col(r, 'sigma'), sampleRate: 1 }).getEpsilon(col(r, 'delta'));
      expect(pld).toBeGreaterThanOrEqual(col(r, 'eps') * (1 - 1e-12));
      expect(relativeError(pld, col(r, 'eps'))).toBeLessThan(1e-6);
    }
  });

  it('ε falls as σ grows, and σ(ε) inverts ε(σ) (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 50, noNaN: true }),
        fc.double({ min: 1.01, max: 3, noNaN: true }),
        fc.double({ min: 1e-10, max: 1e-2, noNaN: true }),
        (sigma, factor, delta) => {
          const eps = analyticGaussianEpsilon({ sigma, delta });
          expect(analyticGaussianEpsilon({ sigma: sigma * factor, delta })).toBeLessThanOrEqual(eps);
          if (eps > 1e-9) expect(relativeError(analyticGaussianSigma({ epsilon: eps, delta }), sigma)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('scales with the sensitivity and rejects bad arguments by name', () => {
    const a = analyticGaussianEpsilon({ sigma: 2, delta: 1e-6, sensitivity: 2 });
    expect(relativeError(a, analyticGaussianEpsilon({ sigma: 1, delta: 1e-6 }))).toBeLessThan(1e-12);
    expect(() => analyticGaussianEpsilon({ sigma: 0, delta: 1e-5 })).toThrow(/sigma must be a finite number > 0/);
    expect(() => analyticGaussianEpsilon({ sigma: 1, delta: 1 })).toThrow(/delta must be a finite number in \(0, 1\)/);
    expect(() => analyticGaussianSigma({ epsilon: -1, delta: 1e-5 })).toThrow(/epsilon must be a finite number ≥ 0/);
  });
});
