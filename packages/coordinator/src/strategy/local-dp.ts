/**
 * Local differential privacy with fixed clipping: every client clips its delta to L2 ≤ C and adds
 * N(0, (σ·C)²) itself before sending, so the coordinator never sees an unprotected update. Clients
 * are drawn by Poisson sampling at rate q; the noisy updates are averaged with equal weights.
 */
import type { RandomSource } from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import { poissonSample } from './poisson-sampling';
import type { SamplingRecord } from './central-dp';
import type { ClassificationMetrics, EvaluateResult, Failure, FitAggregate, FitResult, Strategy } from './strategy';

export class LocalDpFixedClipping implements Strategy {
  readonly name: string;
  private readonly sampling = new Map<number, SamplingRecord>();

  constructor(private readonly inner: Strategy, private readonly options: { clipNorm: number; sampleRate: number; random: RandomSource }) {
    this.name = `LocalDpFixedClipping(${inner.name})`;
    if (!(options.sampleRate > 0 && options.sampleRate <= 1)) throw new CoordinatorError('INVALID_OPTION', `sampleRate must be in (0, 1], got ${options.sampleRate}.`);
  }

  configureFit(round: number, available: readonly string[]): string[] {
    this.sampling.set(round, { population: available.length, expectedCohortSize: this.options.sampleRate * available.length, clipNorm: this.options.clipNorm });
    return poissonSample(available, this.options.sampleRate, this.options.random);
  }

  get clipNorm(): number {
    return this.options.clipNorm;
  }

  samplingOf(round: number): SamplingRecord | undefined {
    return this.sampling.get(round);
  }

  /** The equal-weight mean of the noisy updates; a round nobody answered leaves the model as it was. */
  aggregateFit(round: number, results: readonly FitResult[], failures: readonly Failure[], global: readonly Float32Array[]): FitAggregate {
    if (results.length === 0) return { weights: global.map((t) => t.slice()), trainLoss: null, trainAccuracy: null };
    const equal = results.map((r) => ({ clientId: r.clientId, numExamples: 1, delta: r.delta }));
    return { ...this.inner.aggregateFit(round, equal, failures, global), trainLoss: null, trainAccuracy: null };
  }

  configureEvaluate(round: number, available: readonly string[]): string[] {
    return this.inner.configureEvaluate(round, available);
  }

  aggregateEvaluate(round: number, results: readonly EvaluateResult[], failures: readonly Failure[], numClasses: number): ClassificationMetrics {
    return this.inner.aggregateEvaluate(round, results, failures, numClasses);
  }
}
