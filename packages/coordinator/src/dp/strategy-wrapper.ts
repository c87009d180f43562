/**
 * A strategy wrapped by differential privacy (as in Flower's DP wrappers): the wrapper samples and
 * aggregates its own way, and hands the rest — moving the model by a delta, evaluation — to the
 * strategy it wraps.
 */
import type { ClassificationMetrics, EvaluateResult, Failure, FitAggregate, FitPlan, FitResult, Strategy } from '../strategy/strategy';

export abstract class StrategyWrapper implements Strategy {
  abstract readonly name: string;

  constructor(protected readonly inner: Strategy) {}

  abstract configureFit(round: number, available: readonly string[]): FitPlan;

  abstract aggregateFit(
    round: number,
    results: readonly FitResult[],
    failures: readonly Failure[],
    global: readonly Float32Array[],
  ): FitAggregate;

  applyDelta(round: number, delta: readonly Float32Array[], global: readonly Float32Array[]): Float32Array[] {
    return this.inner.applyDelta(round, delta, global);
  }

  configureEvaluate(round: number, available: readonly string[]): string[] {
    return this.inner.configureEvaluate(round, available);
  }

  aggregateEvaluate(
    round: number,
    results: readonly EvaluateResult[],
    failures: readonly Failure[],
    numClasses: number,
  ): ClassificationMetrics {
    return this.inner.aggregateEvaluate(round, results, failures, numClasses);
  }
}
