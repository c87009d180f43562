import { describe, expect, it } from 'vitest';
import { CentralDp, composeNoiseMultiplier, CoordinatorError, FedAvg, splitNoiseMultiplier, type FitResult } from '@cohort/coordinator';
import { createGaussianSource } from '@cohort/privacy';
import { meanSd } from '../helpers/arrays';

const population = Array.from({ length: 200 }, (_, i) => `c${i}`);
const update = (clientId: string, norm: number): FitResult => ({ clientId, numExamples: 1, delta: [Float32Array.of(norm)] });

describe('adaptive clipping (Andrew et al. 2021)', () => {
  it('moves the clip to the target quantile of update norms', () => {
    const strategy = new CentralDp(new FedAvg(), {
      clipNorm: 0.1,
      noiseMultiplier: 1,
      sampleRate: 0.5,
      random: createGaussianSource({ seed: 'quantile' }),
      adaptive: { targetQuantile: 0.8, learningRate: 0.2 },
    });
    for (let round = 1; round <= 150; round++) {
      const selected = strategy.configureFit(round, population).clients.map((c) => c.clientId);
      // Norms uniform on [0, 2]: the 0.8 quantile is 1.6.
      strategy.aggregateFit(
        round,
        selected.map((id, i) => update(id, (2 * ((i * 7919 + round * 104729) % 1000)) / 1000)),
        [],
        [new Float32Array(1)],
      );
    }
    expect(strategy.clipNorm).toBeGreaterThan(1.45);
    expect(strategy.clipNorm).toBeLessThan(1.75);
    const restored = new CentralDp(new FedAvg(), {
      clipNorm: 0.1,
      noiseMultiplier: 1,
      sampleRate: 0.5,
      random: createGaussianSource(),
      adaptive: {},
    });
    restored.loadState(strategy.saveState());
    expect(restored.clipNorm).toBe(strategy.clipNorm);
  });

  describe('spends exactly the recorded z, measured', () => {
    // A configuration where 0/1 indicators (count sensitivity 1) would give z_eff ≈ 0.83, not 1.1.
    const z = 1.1;
    const countStdDev = 1.1;
    const clip = 0.5;
    const gamma = 0.5;
    const eta = 0.2;
    const m = 10;
    const dp = (seed: string) =>
      new CentralDp(new FedAvg(), {
        clipNorm: clip,
        noiseMultiplier: z,
        sampleRate: 1,
        random: createGaussianSource({ seed }),
        adaptive: { targetQuantile: gamma, learningRate: eta, countStdDev },
      });

    /** z_Δ = std of the noisy mean of zero updates × m / C, over `size` coordinates. */
    function measureUpdateNoise(size: number): number {
      const strategy = dp('update-noise');
      const ids = strategy.configureFit(1, population.slice(0, m)).clients.map((c) => c.clientId);
      const out = strategy.aggregateFit(
        1,
        ids.map((id) => ({ clientId: id, numExamples: 1, delta: [new Float32Array(size)] })),
        [],
        [new Float32Array(size)],
      ).weights[0]!;
      return (meanSd(out).sd * m) / clip;
    }

    /** The released count m·b̃ = m·(γ − ln(C′/C)/η) of `trials` independent rounds over `norms`. */
    function releasedCounts(seed: string, norms: readonly number[], trials: number): Float64Array {
      const strategy = dp(seed);
      const results = norms.map((norm, i) => update(`c${i}`, norm));
      const global = [new Float32Array(1)];
      const out = new Float64Array(trials);
      for (let t = 0; t < trials; t++) {
        strategy.loadState({ clipNorm: clip });
        strategy.configureFit(1, population.slice(0, m)); // m = q·N = 10 in every scenario
        strategy.aggregateFit(1, results, [], global);
        out[t] = m * (gamma - Math.log(strategy.clipNorm / clip) / eta);
      }
      return out;
    }

    it('z_eff of the (update sum, unclipped count) pair equals z within 5 standard errors', () => {
      const size = 200_000;
      const trials = 4000;
      const zDelta = measureUpdateNoise(size);
      // Base cohort D: 4 unclipped, 3 clipped by their client (norm exactly C), 1 clipped here.
      const base = [0.1, 0.2, 0.3, 0.4, clip, clip, clip, 3 * clip];
      const d = meanSd(releasedCounts('base', base, trials));
      const plusUnclipped = meanSd(releasedCounts('plus-unclipped', [...base, 0.25], trials));
      const plusClipped = meanSd(releasedCounts('plus-clipped', [...base, clip], trials));
      const shiftUnclipped = plusUnclipped.mean - d.mean;
      const shiftClipped = plusClipped.mean - d.mean;
      const sensitivity = Math.max(Math.abs(shiftUnclipped), Math.abs(shiftClipped));
      const sigmaB = Math.sqrt((d.sd ** 2 + plusUnclipped.sd ** 2 + plusClipped.sd ** 2) / 3);
      const zEff = composeNoiseMultiplier(zDelta, sigmaB, sensitivity);

      // Standard errors: sd of n normals ±sd/√(2n); a mean shift between two runs of T trials ±σ_b·√(2/T);
      // the pooled σ_b over 3(T − 1) degrees of freedom ±σ_b/√(6(T − 1)). Propagated to
      // z_eff = (a + r²)^(−1/2), a = z_Δ⁻², r = s/σ_b, by the delta method. Tolerance: 5 standard errors.
      const seA = (2 * zDelta ** -2) / Math.sqrt(2 * size);
      const r = sensitivity / sigmaB;
      const seShift = sigmaB * Math.sqrt(2 / trials);
      const seR = r * Math.hypot(seShift / sensitivity, 1 / Math.sqrt(6 * (trials - 1)));
      const seZ = 0.5 * zEff ** 3 * Math.hypot(seA, 2 * r * seR);

      expect(Math.abs(zEff - z)).toBeLessThan(5 * seZ);
      expect(Math.abs(zDelta - splitNoiseMultiplier(z, countStdDev).updateNoiseMultiplier)).toBeLessThan(
        (5 * zDelta) / Math.sqrt(2 * size),
      );
      expect(Math.abs(sigmaB - countStdDev)).toBeLessThan((5 * countStdDev) / Math.sqrt(6 * (trials - 1)));
      // Centred indicators: one more unclipped client moves the count by +½, one more clipped by −½.
      expect(Math.abs(shiftUnclipped - 0.5)).toBeLessThan(5 * seShift);
      expect(Math.abs(shiftClipped + 0.5)).toBeLessThan(5 * seShift);
    });
  });

  it('refuses a count noise at or below noiseMultiplier / 2, which leaves no room for update noise', () => {
    const make = (countStdDev: number) => () =>
      new CentralDp(new FedAvg(), {
        clipNorm: 1,
        noiseMultiplier: 2,
        sampleRate: 1,
        random: createGaussianSource({ seed: 1 }),
        adaptive: { countStdDev },
      });
    for (const countStdDev of [0.9, 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(make(countStdDev)).toThrow(CoordinatorError);
      expect(make(countStdDev)).toThrow(/countStdDev must be finite and above noiseMultiplier \/ 2 \(1\)/);
    }
    expect(make(1.0001)).not.toThrow();
  });

  it('splits z into (z_Δ, σ_b) that compose back to z, with the centred count sensitivity ½', () => {
    for (const z of [0.3, 0.7, 1, 1.1, 2.5, 10]) {
      for (const ratio of [0.5001, 0.51, 0.6, 1, 2, 10, 1000]) {
        const { updateNoiseMultiplier, countStdDev } = splitNoiseMultiplier(z, ratio * z);
        expect(updateNoiseMultiplier).toBeGreaterThanOrEqual(z);
        expect(composeNoiseMultiplier(updateNoiseMultiplier, countStdDev) / z).toBeCloseTo(1, 12);
      }
    }
    // The same split with 0/1 indicators (sensitivity 1) would spend z_eff ≈ 0.83 at z = σ_b = 1.1.
    const split = splitNoiseMultiplier(1.1, 1.1);
    expect(composeNoiseMultiplier(split.updateNoiseMultiplier, split.countStdDev, 1)).toBeCloseTo(0.8315, 3);
  });
});
