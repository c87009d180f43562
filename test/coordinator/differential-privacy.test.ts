import { describe, expect, it } from 'vitest';
import { CentralDp, FedAvg, LocalDpFixedClipping, PrivacyAccounting, poissonSample, type FitResult } from '@cohort/coordinator';
import { createGaussianSource, cryptoRandomSource, l2Norm, RdpAccountant } from '@cohort/privacy';
import { privatiseUpdate } from '@cohort/client';
import { meanSd as std } from '../helpers/arrays';

const ids = Array.from({ length: 100 }, (_, i) => `c${i}`);

function zeroResult(clientId: string, size: number): FitResult {
  return { clientId, numExamples: 1, delta: [new Float32Array(size)] };
}

describe('central DP (DP-FedAvg, fixed clipping)', () => {
  it('adds noise of std σ·C to the sum and divides by the expected cohort size q·N (σ ≠ 1)', () => {
    const sigma = 2.5;
    const clip = 0.7;
    const q = 0.2;
    const strategy = new CentralDp(new FedAvg(), { clipNorm: clip, noiseMultiplier: sigma, sampleRate: q, random: createGaussianSource() });
    const selected = strategy.configureFit(1, ids).clients.map((c) => c.clientId);
    const size = 200_000;
    const global = [new Float32Array(size)];
    const out = strategy.aggregateFit(
      1,
      selected.map((id) => zeroResult(id, size)),
      [],
      global,
    ).weights[0]!;
    const { mean, sd } = std(out);
    const expected = (sigma * clip) / (q * ids.length);
    // The sample sd of n normals has relative standard error 1/sqrt(2n) ≈ 0.0016: 5 standard errors.
    expect(Math.abs(sd / expected - 1)).toBeLessThan(5 / Math.sqrt(2 * size));
    expect(Math.abs(mean)).toBeLessThan((5 * expected) / Math.sqrt(size));
  });

  it('clips every update on the coordinator too, so one client moves the model by at most C / (q·N)', () => {
    const strategy = new CentralDp(new FedAvg(), {
      clipNorm: 1,
      noiseMultiplier: 1e-9,
      sampleRate: 0.5,
      random: createGaussianSource({ seed: 1 }),
    });
    strategy.configureFit(1, ids.slice(0, 10));
    const huge: FitResult = { clientId: 'c0', numExamples: 1, delta: [Float32Array.from([300, 400])] };
    const out = strategy.aggregateFit(1, [huge], [], [new Float32Array(2)]).weights;
    expect(l2Norm(out)).toBeCloseTo(1 / 5, 6);
    expect(out[0]![0]! / out[0]![1]!).toBeCloseTo(0.75, 6);
  });

  it('samples each client independently with probability q (Poisson), from the CSPRNG', () => {
    const q = 0.3;
    const trials = 400;
    let total = 0;
    const sizes: number[] = [];
    for (let t = 0; t < trials; t++) {
      const s = poissonSample(ids, q, cryptoRandomSource()).length;
      sizes.push(s);
      total += s;
    }
    const n = trials * ids.length;
    // Binomial(n, q): 5 standard deviations.
    expect(Math.abs(total - n * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
    // Cohort sizes vary as Binomial(100, q) does, unlike a fixed-size draw.
    expect(std(sizes).sd).toBeGreaterThan(0.7 * Math.sqrt(100 * q * (1 - q)));
  });
});

describe('local DP', () => {
  it('clips the whole update to C and adds noise of std σ·C on the client', () => {
    const size = 100_000;
    const delta = [Float32Array.from({ length: size }, () => 1)];
    const clipped = privatiseUpdate(delta, { clipNorm: 0.5, noiseStdDev: 0 }, 'r1:c');
    expect(l2Norm(clipped)).toBeLessThanOrEqual(0.5 * (1 + 1e-6));
    const noisy = privatiseUpdate(delta, { clipNorm: 0.5, noiseStdDev: 3 * 0.5 }, 'r1:c')[0]!;
    const base = clipped[0]![0]!;
    const { mean, sd } = std(noisy.map((v) => v - base));
    expect(Math.abs(sd / 1.5 - 1)).toBeLessThan(5 / Math.sqrt(2 * size));
    expect(Math.abs(mean)).toBeLessThan((5 * 1.5) / Math.sqrt(size));
  });

  it('averages the noisy updates with equal weights, whatever examples clients claim', () => {
    const strategy = new LocalDpFixedClipping(new FedAvg(), {
      clipNorm: 1,
      noiseMultiplier: 1,
      sampleRate: 1,
      random: cryptoRandomSource(),
    });
    strategy.configureFit(1, ['a', 'b']);
    const out = strategy.aggregateFit(
      1,
      [
        { clientId: 'a', numExamples: 1000, delta: [Float32Array.from([1])] },
        { clientId: 'b', numExamples: 1, delta: [Float32Array.from([3])] },
      ],
      [],
      [new Float32Array(1)],
    );
    expect(out.weights[0]![0]).toBe(2);
  });
});

describe('privacy accounting of a run', () => {
  const dp = {
    mode: 'central' as const,
    clipNorm: 1,
    noiseMultiplier: 1.1,
    sampleRate: 0.01,
    delta: 1e-5,
    keyDir: '/unused',
    budgetEpsilon: 1,
  };

  it('matches a fresh RDP accountant and is rebuilt identically from recorded releases', () => {
    const live = new PrivacyAccounting(dp, []);
    for (let i = 0; i < 50; i++) live.record(live.nextRelease);
    const reference = new RdpAccountant();
    reference.step({ noiseMultiplier: 1.1, sampleRate: 0.01 }, 50);
    expect(live.epsilonRdp()).toBeCloseTo(reference.getEpsilon(1e-5), 12);
    const rebuilt = new PrivacyAccounting(
      dp,
      Array.from({ length: 50 }, () => ({ noiseMultiplier: 1.1, sampleRate: 0.01 })),
    );
    expect(rebuilt.report()).toEqual(live.report());
    expect(live.report().pld).toBeLessThan(live.report().rdp);
  });

  it('refuses the round that would cross the budget, not the one before it', () => {
    const accounting = new PrivacyAccounting({ ...dp, sampleRate: 0.5, noiseMultiplier: 2, budgetEpsilon: 2 }, []);
    let rounds = 0;
    while (!accounting.wouldExceedBudget()) {
      accounting.record(accounting.nextRelease);
      rounds++;
    }
    expect(accounting.epsilonRdp()).toBeLessThanOrEqual(2);
    expect(accounting.epsilonAfterNext()).toBeGreaterThan(2);
    expect(rounds).toBeGreaterThan(0);
  });

  it('accounts local DP per client, without amplification by sampling', () => {
    const local = new PrivacyAccounting({ ...dp, mode: 'local' }, []);
    expect(local.nextRelease).toEqual({ noiseMultiplier: 1.1, sampleRate: 1 });
  });
});
