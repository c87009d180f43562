/**
 * FedAvg: McMahan, Moore, Ramage, Hampson, Agüera y Arcas, "Communication-Efficient Learning of Deep
 * Networks from Decentralized Data", AISTATS 2017. The new model is the global model plus the
 * example-weighted mean of the clients' deltas, accumulated in float64.
 */
import { CoordinatorError } from '../errors';
import { sampleClients } from './sampling';
import { metricsFromConfusion, sumEvaluations } from './classification-metrics';
import { clientAccuracySpread, fairnessFromResults } from './fairness-metrics';
import type { ClassificationMetrics, EvaluateResult, Failure, FitAggregate, FitPlan, FitResult, Strategy } from './strategy';

export interface FedAvgOptions {
  /** Fraction of connected clients sampled for training each round, in (0, 1]. @default 1 */
  fraction?: number;
  /** Fewest clients to sample (when that many are connected). @default 1 */
  minFitClients?: number;
  /** Fraction of connected clients asked to evaluate, in (0, 1]. @default 1 */
  fractionEvaluate?: number;
  /** Seed of the cohort sampling. @default 0 */
  seed?: number;
}

export class FedAvg implements Strategy {
  readonly name = 'FedAvg';
  private readonly fraction: number;
  private readonly minFitClients: number;
  private readonly fractionEvaluate: number;
  private readonly seed: number;

  constructor(options: FedAvgOptions = {}) {
    this.fraction = options.fraction ?? 1;
    this.minFitClients = options.minFitClients ?? 1;
    this.fractionEvaluate = options.fractionEvaluate ?? 1;
    this.seed = options.seed ?? 0;
    for (const [field, value] of [
      ['fraction', this.fraction],
      ['fractionEvaluate', this.fractionEvaluate],
    ] as const) {
      if (!(value > 0 && value <= 1))
        throw new CoordinatorError('INVALID_OPTION', `FedAvg option ${field} must be in (0, 1], got ${value}.`);
    }
    if (!Number.isInteger(this.minFitClients) || this.minFitClients < 1) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `FedAvg option minFitClients must be an integer of at least 1, got ${this.minFitClients}.`,
      );
    }
  }

  configureFit(round: number, available: readonly string[]): FitPlan {
    const wanted = Math.max(Math.ceil(this.fraction * available.length), this.minFitClients);
    return { clients: sampleClients(available, wanted, this.seed, round).map((clientId) => ({ clientId })) };
  }

  aggregateFit(
    _round: number,
    results: readonly FitResult[],
    _failures: readonly Failure[],
    global: readonly Float32Array[],
  ): FitAggregate {
    return { ...averageMetrics(results), weights: applyWeightedMeanDelta(global, results) };
  }

  /** global + delta, added in float64 and rounded to float32 once (the server learning rate is 1). */
  applyDelta(_round: number, delta: readonly Float32Array[], global: readonly Float32Array[]): Float32Array[] {
    return global.map((tensor, t) => {
      const d = delta[t]!;
      return Float32Array.from(tensor, (w, i) => w + d[i]!);
    });
  }

  configureEvaluate(round: number, available: readonly string[]): string[] {
    return sampleClients(available, Math.ceil(this.fractionEvaluate * available.length), this.seed + 1, round);
  }

  aggregateEvaluate(
    _round: number,
    results: readonly EvaluateResult[],
    _failures: readonly Failure[],
    numClasses: number,
  ): ClassificationMetrics {
    const { confusion, lossSum, examples } = sumEvaluations(results, numClasses);
    const perClientAccuracy = clientAccuracySpread(results, numClasses);
    const fairness = fairnessFromResults(results, numClasses);
    return {
      ...metricsFromConfusion(confusion, numClasses, lossSum, examples),
      ...(perClientAccuracy ? { perClientAccuracy } : {}),
      ...(fairness ? { fairness } : {}),
    };
  }
}

/** global + Σ n_i·Δ_i / Σ n_i, summed in float64 and rounded to float32 once. */
export function applyWeightedMeanDelta(global: readonly Float32Array[], results: readonly FitResult[]): Float32Array[] {
  if (results.length === 0) throw new CoordinatorError('INVALID_OPTION', 'FedAvg needs at least one result to aggregate.');
  const totalExamples = results.reduce((sum, r) => sum + r.numExamples, 0);
  return global.map((tensor, t) => {
    const acc = new Float64Array(tensor.length);
    for (const r of results) {
      const delta = r.delta[t]!;
      const w = r.numExamples;
      for (let i = 0; i < acc.length; i++) acc[i]! += w * delta[i]!;
    }
    const out = new Float32Array(tensor.length);
    for (let i = 0; i < out.length; i++) out[i] = tensor[i]! + acc[i]! / totalExamples;
    return out;
  });
}

function averageMetrics(results: readonly FitResult[]): { trainLoss: number | null; trainAccuracy: number | null } {
  const reported = results.filter((r) => r.metrics !== undefined);
  const total = reported.reduce((sum, r) => sum + r.numExamples, 0);
  if (total === 0) return { trainLoss: null, trainAccuracy: null };
  return {
    trainLoss: reported.reduce((sum, r) => sum + r.numExamples * r.metrics!.loss, 0) / total,
    trainAccuracy: reported.reduce((sum, r) => sum + r.numExamples * r.metrics!.accuracy, 0) / total,
  };
}
