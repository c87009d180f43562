/**
 * Distributed DP (Kairouz, Liu, Steinke 2021, "The Distributed Discrete Gaussian Mechanism for
 * Federated Learning with Secure Aggregation"): no one adds the noise but the clients. Each sampled
 * client clips its update, rotates, scales and rounds it to integers and adds a discrete Gaussian
 * share N_Z(0, σ²) before secure aggregation masks it; the coordinator learns only the sum, which
 * carries noise of variance nσ² from n contributors. The share is sized so that `minContributors`
 * clients suffice (noise from the survivors only): a round with fewer contributors is never
 * unmasked. The release is accounted as the Poisson-subsampled Gaussian with the effective noise
 * multiplier of the paper's zCDP bound, and recorded as 'gaussian-distributed' BEFORE the round goes
 * out, as in local DP: the coordinator this mechanism does not trust learns the noisy sum at unmask,
 * before anything commits, so a crash or a stop in between must not leave the release unaccounted.
 */
import { planDistributedDp, type DistributedDpPlan } from '@cohort/privacy/mechanisms';
import type { RandomSource } from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import type { DpRelease, Failure, FitAggregate, FitPlan, FitResult, Strategy } from '../strategy/strategy';
import { StrategyWrapper } from '../strategy/strategy-wrapper';
import { poissonSample } from './poisson-sampling';

export interface DistributedDpOptions {
  /** C: the L2 bound of one client's update. */
  clipNorm: number;
  /** z: the sum's noise std (√n·σ from n contributors) ÷ the rounded update's L2 bound. */
  noiseMultiplier: number;
  /** q: Poisson sampling rate of clients per round. */
  sampleRate: number;
  /** n: the fewest contributors whose shares together carry the noise; fewer are never unmasked. */
  minContributors: number;
  /** The most contributors a round can have (the coordinator's connection limit): the sum must not wrap even then. */
  maxContributors: number;
  /** Source of the Poisson draw (a CSPRNG unless seeded). */
  random: RandomSource;
  /** Bits of the modular sum. @default 32 */
  bits?: number;
}

export class DistributedDp extends StrategyWrapper {
  override readonly name: string;
  private readonly drawn = new Map<number, DpRelease>();
  private planned: DistributedDpPlan | undefined;

  constructor(
    inner: Strategy,
    private readonly options: DistributedDpOptions,
  ) {
    super(inner);
    this.name = `DistributedDp(${inner.name})`;
    const check = (field: string, ok: boolean, rule: string, value: unknown) => {
      if (!ok) throw new CoordinatorError('INVALID_OPTION', `${field} must be ${rule}, got ${String(value)}.`);
    };
    check('clipNorm', options.clipNorm > 0, 'positive', options.clipNorm);
    check('noiseMultiplier', options.noiseMultiplier > 0, 'positive', options.noiseMultiplier);
    check('sampleRate', options.sampleRate > 0 && options.sampleRate <= 1, 'in (0, 1]', options.sampleRate);
    check(
      'minContributors',
      Number.isInteger(options.minContributors) && options.minContributors >= 1,
      'an integer ≥ 1',
      options.minContributors,
    );
  }

  /** How every client encodes an update of `modelLength` values (the same for the whole run). */
  encodingFor(modelLength: number): DistributedDpPlan {
    if (this.planned?.modelLength !== modelLength) {
      const { clipNorm, noiseMultiplier, minContributors, maxContributors, bits } = this.options;
      this.planned = planDistributedDp({
        modelLength,
        clipNorm,
        noiseMultiplier,
        minContributors,
        maxContributors: Math.max(minContributors, maxContributors),
        ...(bits !== undefined ? { bits } : {}),
      });
    }
    return this.planned;
  }

  /** A Poisson draw; the clients' noise rides on the secure aggregation config, not on a dp instruction. */
  override configureFit(round: number, available: readonly string[]): FitPlan {
    const { sampleRate, clipNorm } = this.options;
    const plan = this.planned;
    if (!plan) throw new CoordinatorError('INVALID_OPTION', 'distributed DP was not planned for the model before sampling.');
    const release: DpRelease = {
      mechanism: 'gaussian-distributed',
      noiseMultiplier: plan.effectiveNoiseMultiplier,
      sampleRate,
      clipNorm,
      population: available.length,
      expectedCohortSize: sampleRate * available.length,
    };
    this.drawn.set(round, release);
    return { clients: poissonSample(available, sampleRate, this.options.random).map((clientId) => ({ clientId })), release };
  }

  /**
   * `results` holds one result, the secure sum's (its delta the decoded noisy sum ÷ its contributors);
   * the sum is divided by the expected cohort size, never the realised one, which is not released.
   */
  override aggregateFit(
    round: number,
    results: readonly FitResult[],
    _failures: readonly Failure[],
    global: readonly Float32Array[],
  ): FitAggregate {
    const release = this.drawn.get(round);
    if (!release) throw new CoordinatorError('INVALID_OPTION', `round ${round} was not sampled by this strategy.`);
    this.drawn.delete(round);
    if (results.length !== 1) throw new CoordinatorError('INVALID_OPTION', 'distributed DP aggregates one secure sum per round.');
    const { delta, numExamples: contributors } = results[0]!;
    const meanDelta = delta.map((t) => Float32Array.from(t, (v) => (v * contributors) / release.expectedCohortSize));
    // Accounted when the round was broadcast (the plan's release), not again here.
    return { weights: this.inner.applyDelta(round, meanDelta, global), trainLoss: null, trainAccuracy: null };
  }
}
