/**
 * Central differential privacy with fixed clipping, after DP-FedAvg: McMahan, Ramage, Talwar,
 * Zhang, "Learning Differentially Private Recurrent Language Models", ICLR 2018. Clients are drawn
 * by Poisson sampling at rate q; each delta is clipped to L2 ≤ C (by the client, and again here so
 * a dishonest client cannot exceed it); the coordinator adds N(0, (σ·C)²) to the sum and divides by
 * the expected cohort size q·N, so one client changes the result by at most C / (q·N). The noisy
 * mean delta is handed to the wrapped strategy as a single result.
 */
import { addGaussianNoise, clipByL2Norm, type GaussianSource } from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import { poissonSample } from './poisson-sampling';
import type { ClassificationMetrics, EvaluateResult, Failure, FitAggregate, FitResult, Strategy } from './strategy';

export interface CentralDpOptions {
  /** L2 bound C of one client's whole update. */
  clipNorm: number;
  /** σ: the noise standard deviation is σ·C. */
  noiseMultiplier: number;
  /** Poisson sampling rate q in (0, 1]. */
  sampleRate: number;
  /** Noise and sampling randomness; a CSPRNG unless a simulation asked for a seed. */
  random: GaussianSource;
}

/** What the accountant and the ledger need to know about one round's release. */
export interface SamplingRecord {
  population: number;
  expectedCohortSize: number;
}

export class CentralDpFixedClipping implements Strategy {
  readonly name: string;
  private readonly sampling = new Map<number, SamplingRecord>();

  constructor(private readonly inner: Strategy, private readonly options: CentralDpOptions) {
    this.name = `CentralDpFixedClipping(${inner.name})`;
    if (!(options.clipNorm > 0)) throw new CoordinatorError('INVALID_OPTION', `clipNorm must be positive, got ${options.clipNorm}.`);
    if (!(options.noiseMultiplier >= 0)) throw new CoordinatorError('INVALID_OPTION', `noiseMultiplier must be non-negative, got ${options.noiseMultiplier}.`);
    if (!(options.sampleRate > 0 && options.sampleRate <= 1)) throw new CoordinatorError('INVALID_OPTION', `sampleRate must be in (0, 1], got ${options.sampleRate}.`);
  }

  configureFit(round: number, available: readonly string[]): string[] {
    this.sampling.set(round, { population: available.length, expectedCohortSize: this.options.sampleRate * available.length });
    return poissonSample(available, this.options.sampleRate, this.options.random);
  }

  samplingOf(round: number): SamplingRecord | undefined {
    return this.sampling.get(round);
  }

  aggregateFit(round: number, results: readonly FitResult[], failures: readonly Failure[], global: readonly Float32Array[]): FitAggregate {
    const expected = this.sampling.get(round)?.expectedCohortSize;
    if (!expected) throw new CoordinatorError('INVALID_OPTION', `round ${round} was not sampled by this strategy.`);
    const { clipNorm, noiseMultiplier, random } = this.options;
    const sum = global.map((t) => new Float64Array(t.length));
    for (const r of results) {
      clipByL2Norm(r.delta, clipNorm).clipped.forEach((tensor, t) => {
        const acc = sum[t]!;
        for (let i = 0; i < acc.length; i++) acc[i]! += tensor[i]!;
      });
    }
    const noisy = addGaussianNoise(sum, noiseMultiplier * clipNorm, random);
    const meanDelta = noisy.map((t) => Float32Array.from(t, (v) => v / expected));
    const inner = this.inner.aggregateFit(round, [{ clientId: 'dp-aggregate', numExamples: 1, delta: meanDelta }], failures, global);
    return { ...inner, trainLoss: null, trainAccuracy: null };
  }

  configureEvaluate(round: number, available: readonly string[]): string[] {
    return this.inner.configureEvaluate(round, available);
  }

  aggregateEvaluate(round: number, results: readonly EvaluateResult[], failures: readonly Failure[], numClasses: number): ClassificationMetrics {
    return this.inner.aggregateEvaluate(round, results, failures, numClasses);
  }
}
