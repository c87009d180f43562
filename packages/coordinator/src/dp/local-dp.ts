/**
 * Local differential privacy with fixed clipping: every client clips its delta to L2 ≤ C and adds
 * N(0, (σ·C)²) itself before sending, so the coordinator never sees an unprotected update. Clients
 * are drawn by Poisson sampling at rate q; the noisy updates are averaged with equal weights. Each
 * noisy update is a release of its client, not amplified by sampling (the coordinator knows who was
 * drawn): the plan's release is accounted at q = 1, before the round is broadcast.
 */
import type { RandomSource } from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import { poissonSample } from './poisson-sampling';
import { StrategyWrapper } from '../strategy/strategy-wrapper';
import type { Failure, FitAggregate, FitPlan, FitResult, Strategy } from '../strategy/strategy';

export interface LocalDpOptions {
  /** L2 bound C of one client's update. */
  clipNorm: number;
  /** σ: each client adds noise of std σ·C. */
  noiseMultiplier: number;
  /** Poisson sampling rate q in (0, 1]. */
  sampleRate: number;
  /** Sampling randomness; a CSPRNG unless a simulation asked for a seed. */
  random: RandomSource;
  /** Seeds the clients' noise in reproducible simulations (clients must opt in; not private). */
  noiseSeed?: number;
}

export class LocalDpFixedClipping extends StrategyWrapper {
  override readonly name: string;

  constructor(
    inner: Strategy,
    private readonly options: LocalDpOptions,
  ) {
    super(inner);
    this.name = `LocalDpFixedClipping(${inner.name})`;
    const fail = (field: string, rule: string, value: number) => {
      throw new CoordinatorError('INVALID_OPTION', `${field} must be ${rule}, got ${value}.`);
    };
    if (!(options.clipNorm > 0)) fail('clipNorm', 'positive', options.clipNorm);
    if (!(options.noiseMultiplier > 0)) fail('noiseMultiplier', 'positive', options.noiseMultiplier);
    if (!(options.sampleRate > 0 && options.sampleRate <= 1)) fail('sampleRate', 'in (0, 1]', options.sampleRate);
  }

  get clipNorm(): number {
    return this.options.clipNorm;
  }

  override configureFit(_round: number, available: readonly string[]): FitPlan {
    const { clipNorm, noiseMultiplier, sampleRate, random, noiseSeed } = this.options;
    const dp = { clipNorm, noiseStdDev: noiseMultiplier * clipNorm, ...(noiseSeed !== undefined ? { noiseSeed } : {}) };
    return {
      clients: poissonSample(available, sampleRate, random).map((clientId) => ({ clientId, dp })),
      release: {
        mechanism: 'gaussian-local',
        noiseMultiplier,
        sampleRate: 1,
        clipNorm,
        population: available.length,
        expectedCohortSize: sampleRate * available.length,
      },
    };
  }

  /** The inner strategy over the noisy updates with equal weights; a round nobody answered leaves the model as it was. */
  override aggregateFit(
    round: number,
    results: readonly FitResult[],
    failures: readonly Failure[],
    global: readonly Float32Array[],
  ): FitAggregate {
    if (results.length === 0) return { weights: global.map((t) => t.slice()), trainLoss: null, trainAccuracy: null };
    const equal = results.map((r) => ({ clientId: r.clientId, numExamples: 1, delta: r.delta }));
    return { weights: this.inner.aggregateFit(round, equal, failures, global).weights, trainLoss: null, trainAccuracy: null };
  }
}
