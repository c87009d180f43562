/**
 * A strategy built around another (as Flower's DP wrappers are): by default it hands everything to
 * the strategy it wraps, and a subclass overrides what it changes — the DP wrappers sample and
 * aggregate their own way, the robust rules only combine the deltas differently.
 */
import type { ClassificationMetrics, EvaluateResult, Failure, FitAggregate, FitPlan, FitResult, Strategy } from './strategy';

export abstract class StrategyWrapper implements Strategy {
  abstract readonly name: string;

  constructor(protected readonly inner: Strategy) {}

  configureFit(round: number, available: readonly string[]): FitPlan {
    return this.inner.configureFit(round, available);
  }

  aggregateFit(round: number, results: readonly FitResult[], failures: readonly Failure[], global: readonly Float32Array[]): FitAggregate {
    return this.inner.aggregateFit(round, results, failures, global);
  }

  applyDelta(round: number, delta: readonly Float32Array[], global: readonly Float32Array[]): Float32Array[] {
    return this.inner.applyDelta(round, delta, global);
  }

  /** The wrapped strategy's state (a server optimiser's moments), so that a restart keeps it. */
  saveState(): unknown {
    return this.inner.saveState?.();
  }

  loadState(state: unknown): void {
    this.inner.loadState?.(state);
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
