/**
 * FedAvg: McMahan, Moore, Ramage, Hampson, Agüera y Arcas, "Communication-Efficient Learning of Deep
 * Networks from Decentralized Data", AISTATS 2017. The new model is the global model plus the
 * example-weighted mean of the clients' deltas, accumulated in float64.
 *
 * Bounded influence without DP (both off by default): `maxExamples` caps the weight a client can
 * claim — an update claiming more examples is weighted as if it claimed `maxExamples`, so one client
 * moves the mean by at most maxExamples / Σ weights of its delta; `clipNorm` scales each delta to an
 * L2 norm (all tensors together) of at most C before the mean, so one client moves the model by at
 * most C × its weight share. Under DP neither is used: the DP wrappers clip with their own C and
 * count every client once, and hand only their noisy mean to `applyDelta`.
 */
import { clipByL2Norm } from '@cohort/privacy';
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
  /**
   * The most examples one update is weighted by: a client claiming more counts as if it claimed
   * `maxExamples` (the claim itself cannot be checked). An integer ≥ 1. @default no cap
   */
  maxExamples?: number;
  /** Clip each delta to L2 norm ≤ C (all tensors together) before the mean; without DP only. @default no clip */
  clipNorm?: number;
}

/** FedAvg's sampling options, which the robust strategies share. */
export type SamplingOptions = Pick<FedAvgOptions, 'fraction' | 'minFitClients' | 'fractionEvaluate' | 'seed'>;

/** Bounds on one client's influence on the weighted mean (see FedAvgOptions). */
export type InfluenceBounds = Pick<FedAvgOptions, 'maxExamples' | 'clipNorm'>;

/**
 * Checks FedAvg's sampling options, naming `owner` (the strategy) in the error.
 * @throws CoordinatorError('INVALID_OPTION') naming the field and its range
 */
export function checkSamplingOptions(owner: string, options: SamplingOptions): void {
  for (const field of ['fraction', 'fractionEvaluate'] as const) {
    const value = options[field] ?? 1;
    if (!(value > 0 && value <= 1))
      throw new CoordinatorError('INVALID_OPTION', `${owner} option ${field} must be in (0, 1], got ${value}.`);
  }
  const minFitClients = options.minFitClients ?? 1;
  if (!Number.isInteger(minFitClients) || minFitClients < 1) {
    throw new CoordinatorError('INVALID_OPTION', `${owner} option minFitClients must be an integer of at least 1, got ${minFitClients}.`);
  }
}

/** @throws CoordinatorError('INVALID_OPTION') when clipNorm is given and not a positive finite number */
export function checkClipNorm(owner: string, clipNorm: number | undefined): void {
  if (clipNorm !== undefined && !(clipNorm > 0 && Number.isFinite(clipNorm)))
    throw new CoordinatorError('INVALID_OPTION', `${owner} option clipNorm must be a positive finite number, got ${clipNorm}.`);
}

export class FedAvg implements Strategy {
  readonly name = 'FedAvg';
  private readonly fraction: number;
  private readonly minFitClients: number;
  private readonly fractionEvaluate: number;
  private readonly seed: number;
  /** The influence bounds it applies to each result (none by default). */
  readonly bounds: InfluenceBounds;
  /** Fewest results aggregateFit accepts. */
  readonly minResults = 1;

  constructor(options: FedAvgOptions = {}) {
    checkSamplingOptions('FedAvg', options);
    checkClipNorm('FedAvg', options.clipNorm);
    const { maxExamples, clipNorm } = options;
    if (maxExamples !== undefined && !(Number.isSafeInteger(maxExamples) && maxExamples >= 1)) {
      throw new CoordinatorError('INVALID_OPTION', `FedAvg option maxExamples must be an integer of at least 1, got ${maxExamples}.`);
    }
    this.fraction = options.fraction ?? 1;
    this.minFitClients = options.minFitClients ?? 1;
    this.fractionEvaluate = options.fractionEvaluate ?? 1;
    this.seed = options.seed ?? 0;
    this.bounds = { ...(maxExamples !== undefined ? { maxExamples } : {}), ...(clipNorm !== undefined ? { clipNorm } : {}) };
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
    const { maxExamples } = this.bounds;
    return {
      ...averageFitMetrics(results, (r) => boundedWeight(r.numExamples, maxExamples)),
      weights: applyWeightedMeanDelta(global, results, this.bounds),
    };
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

/**
 * global + Σ n_i·Δ_i / Σ n_i, summed in float64 and rounded to float32 once. With `bounds`,
 * n_i = min(numExamples, maxExamples) and each Δ_i is first clipped to L2 ≤ clipNorm.
 */
export function applyWeightedMeanDelta(
  global: readonly Float32Array[],
  results: readonly FitResult[],
  bounds: InfluenceBounds = {},
): Float32Array[] {
  if (results.length === 0) throw new CoordinatorError('INVALID_OPTION', 'FedAvg needs at least one result to aggregate.');
  const deltas = bounds.clipNorm === undefined ? results.map((r) => r.delta) : clipDeltas(results, bounds.clipNorm);
  const weights = results.map((r) => boundedWeight(r.numExamples, bounds.maxExamples));
  const totalExamples = weights.reduce((sum, w) => sum + w, 0);
  return global.map((tensor, t) => weightedMeanStep(tensor, tensorOf(deltas, t), weights, totalExamples));
}

function tensorOf(deltas: readonly Float32Array[][], t: number): Float32Array[] {
  return deltas.map((d) => d[t]!);
}

/** Values per block: a block's float64 sums (16 KiB) stay in cache while every delta is added to them. */
const BLOCK = 2048;

/**
 * tensor + Σ w_k·delta_k / total, each element summed in float64 over k in order (the same sum as a
 * delta-by-delta pass, bit for bit), block by block so that the sums are not written out and read
 * back once per client.
 */
function weightedMeanStep(tensor: Float32Array, deltas: readonly Float32Array[], weights: readonly number[], total: number): Float32Array {
  const out = new Float32Array(tensor.length);
  const acc = new Float64Array(BLOCK);
  for (let start = 0; start < tensor.length; start += BLOCK) {
    const length = Math.min(BLOCK, tensor.length - start);
    acc.fill(0);
    for (let k = 0; k < deltas.length; k++) addScaled(acc, deltas[k]!, start, length, weights[k]!);
    for (let i = 0; i < length; i++) out[start + i] = tensor[start + i]! + acc[i]! / total;
  }
  return out;
}

function addScaled(acc: Float64Array, delta: Float32Array, start: number, length: number, w: number): void {
  for (let i = 0; i < length; i++) acc[i]! += w * delta[start + i]!;
}

/** The weight an update claiming `numExamples` gets: min(numExamples, maxExamples). */
export function boundedWeight(numExamples: number, maxExamples?: number): number {
  return maxExamples === undefined ? numExamples : Math.min(numExamples, maxExamples);
}

/** Each result's delta scaled to L2 norm ≤ clipNorm over all its tensors (clipByL2Norm). */
export function clipDeltas(results: readonly FitResult[], clipNorm: number): Float32Array[][] {
  return results.map((r) => clipByL2Norm(r.delta, clipNorm).clipped);
}

/** The `weight`-weighted mean of the clients' training metrics (example counts by default), null when none reported any. */
export function averageFitMetrics(
  results: readonly FitResult[],
  weight: (r: FitResult) => number = (r) => r.numExamples,
): { trainLoss: number | null; trainAccuracy: number | null } {
  const reported = results.filter((r) => r.metrics !== undefined);
  const total = reported.reduce((sum, r) => sum + weight(r), 0);
  if (total === 0) return { trainLoss: null, trainAccuracy: null };
  return {
    trainLoss: reported.reduce((sum, r) => sum + weight(r) * r.metrics!.loss, 0) / total,
    trainAccuracy: reported.reduce((sum, r) => sum + weight(r) * r.metrics!.accuracy, 0) / total,
  };
}
