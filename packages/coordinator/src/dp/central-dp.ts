/**
 * Central differential privacy, after DP-FedAvg: McMahan, Ramage, Talwar, Zhang, "Learning
 * Differentially Private Recurrent Language Models", ICLR 2018. Clients are drawn by Poisson
 * sampling at rate q; each delta is clipped to L2 ≤ C (by the client, and again here so that a
 * dishonest client cannot exceed it); the coordinator adds Gaussian noise to the sum and divides by
 * the expected cohort size m = q·N, so one client moves the result by at most C / m. The noisy mean
 * delta is handed to the wrapped strategy's `applyDelta`, and the round's release is returned as data.
 *
 * With `adaptive`, C follows a target quantile γ of the update norms (Andrew, Thakkar, McMahan,
 * Ramaswamy, "Differentially Private Learning with Adaptive Clipping", NeurIPS 2021). Each round
 * releases the centred count Σ(b_i − ½) + N(0, σ_b²), b_i = 1 when update i was under the clip, so
 * one client moves it by at most ½; estimates the unclipped fraction b̃ = that / m + ½ (well defined
 * for an empty cohort); and sets C ← C·exp(−η·(b̃ − γ)). The update sum is noised with
 * z_Δ × C, z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2), so the two releases together are a Gaussian mechanism
 * with exactly the noise multiplier z that the accountant records (see adaptive-noise.ts).
 */
import { addGaussianNoise, clipByL2Norm, l2Norm, type GaussianSource } from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import { splitNoiseMultiplier, type AdaptiveNoise } from './adaptive-noise';
import { poissonSample } from './poisson-sampling';
import { StrategyWrapper } from '../strategy/strategy-wrapper';
import type { DpRelease, Failure, FitAggregate, FitPlan, FitResult, Strategy } from '../strategy/strategy';

export interface AdaptiveClippingOptions {
  /** γ: the fraction of updates that should fall under the clip, in (0, 1). @default 0.5 */
  targetQuantile?: number;
  /** η: the geometric learning rate of the clip. @default 0.2 */
  learningRate?: number;
  /** σ_b: std of the noise on the centred count of unclipped updates, above z / 2. @default max(q·N / 20, z) */
  countStdDev?: number;
}

export interface CentralDpOptions {
  /** L2 bound C of one client's whole update (the initial bound when adaptive). */
  clipNorm: number;
  /** z: noise multiplier of the whole release, as the accountant records it. */
  noiseMultiplier: number;
  /** Poisson sampling rate q in (0, 1]. */
  sampleRate: number;
  /** Noise and sampling randomness; a CSPRNG unless a simulation asked for a seed. */
  random: GaussianSource;
  adaptive?: AdaptiveClippingOptions;
}

export class CentralDp extends StrategyWrapper {
  override readonly name: string;
  /** Each drawn round's release facts, until it is aggregated. */
  private readonly drawn = new Map<number, DpRelease>();
  private clip: number;

  constructor(
    inner: Strategy,
    private readonly options: CentralDpOptions,
  ) {
    super(inner);
    this.name = `CentralDp${options.adaptive ? 'AdaptiveClipping' : 'FixedClipping'}(${inner.name})`;
    this.clip = options.clipNorm;
    const check = (field: string, ok: boolean, rule: string, value: unknown) => {
      if (!ok) throw new CoordinatorError('INVALID_OPTION', `${field} must be ${rule}, got ${String(value)}.`);
    };
    check('clipNorm', options.clipNorm > 0, 'positive', options.clipNorm);
    check('noiseMultiplier', options.noiseMultiplier > 0, 'positive', options.noiseMultiplier);
    check('sampleRate', options.sampleRate > 0 && options.sampleRate <= 1, 'in (0, 1]', options.sampleRate);
    const a = options.adaptive;
    if (a) {
      check(
        'targetQuantile',
        a.targetQuantile === undefined || (a.targetQuantile > 0 && a.targetQuantile < 1),
        'in (0, 1)',
        a.targetQuantile,
      );
      check('learningRate', a.learningRate === undefined || a.learningRate > 0, 'positive', a.learningRate);
      // Refuses σ_b ≤ z/2, or any σ_b whose pair with z_Δ would compose to less than z.
      if (a.countStdDev !== undefined) splitNoiseMultiplier(options.noiseMultiplier, a.countStdDev);
    }
  }

  /** The clip the next round's clients apply. */
  get clipNorm(): number {
    return this.clip;
  }

  /** A Poisson draw; every drawn client clips to the round's C (the noise is added here, not by clients). */
  override configureFit(round: number, available: readonly string[]): FitPlan {
    const { sampleRate, noiseMultiplier } = this.options;
    const expectedCohortSize = sampleRate * available.length;
    // The default σ_b depends on the population: refuse before anyone trains, not after.
    this.noiseOf(expectedCohortSize);
    const clipNorm = this.clip;
    this.drawn.set(round, {
      mechanism: 'gaussian-central',
      noiseMultiplier,
      sampleRate,
      clipNorm,
      population: available.length,
      expectedCohortSize,
    });
    const dp = { clipNorm, noiseStdDev: 0 };
    return { clients: poissonSample(available, sampleRate, this.options.random).map((clientId) => ({ clientId, dp })) };
  }

  override aggregateFit(
    round: number,
    results: readonly FitResult[],
    _failures: readonly Failure[],
    global: readonly Float32Array[],
  ): FitAggregate {
    const release = this.drawn.get(round);
    if (!release?.expectedCohortSize) throw new CoordinatorError('INVALID_OPTION', `round ${round} was not sampled by this strategy.`);
    this.drawn.delete(round);
    const { expectedCohortSize: expected, clipNorm } = release;
    const { random, adaptive } = this.options;
    const { updateNoiseMultiplier, countStdDev } = this.noiseOf(expected);
    const sum = global.map((t) => new Float64Array(t.length));
    let centredCount = 0;
    for (const r of results) {
      // Clients clip before sending, so an update that was clipped arrives with norm C.
      centredCount += (l2Norm(r.delta) < clipNorm * (1 - 1e-6) ? 1 : 0) - 0.5;
      clipByL2Norm(r.delta, clipNorm).clipped.forEach((tensor, t) => {
        const acc = sum[t]!;
        for (let i = 0; i < acc.length; i++) acc[i]! += tensor[i]!;
      });
    }
    const noisy = addGaussianNoise(sum, updateNoiseMultiplier * clipNorm, random);
    const meanDelta = noisy.map((t) => Float32Array.from(t, (v) => v / expected));
    if (adaptive) {
      const noisyCount = addGaussianNoise([Float64Array.of(centredCount)], countStdDev, random)[0]![0]!;
      const unclippedFraction = noisyCount / expected + 0.5;
      this.clip = clipNorm * Math.exp(-(adaptive.learningRate ?? 0.2) * (unclippedFraction - (adaptive.targetQuantile ?? 0.5)));
    }
    return { weights: this.inner.applyDelta(round, meanDelta, global), trainLoss: null, trainAccuracy: null, release };
  }

  /** (z_Δ, σ_b) for a round with expected cohort size m; without `adaptive`, z_Δ = z and no count is released. */
  private noiseOf(expectedCohortSize: number): AdaptiveNoise {
    const { noiseMultiplier, adaptive } = this.options;
    if (!adaptive) return { updateNoiseMultiplier: noiseMultiplier, countStdDev: 0 };
    return splitNoiseMultiplier(noiseMultiplier, adaptive.countStdDev ?? Math.max(expectedCohortSize / 20, noiseMultiplier));
  }

  /** The adaptive clip survives restarts through the coordinator's store. */
  /** The adaptive clip, and the inner strategy's state (a server optimiser's moments). */
  override saveState(): unknown {
    const inner = this.inner.saveState?.();
    return { clipNorm: this.clip, ...(inner === undefined ? {} : { inner }) };
  }

  override loadState(state: unknown): void {
    const saved = state as { clipNorm?: unknown; inner?: unknown } | null;
    if (typeof saved?.clipNorm === 'number' && saved.clipNorm > 0) this.clip = saved.clipNorm;
    if (saved?.inner !== undefined) this.inner.loadState?.(saved.inner);
  }
}
