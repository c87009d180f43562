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
import { contiguousFloat32 } from '@cohort/protocol';
import { CoordinatorError } from '../errors';
import { sampleClients } from './sampling';
import { HeldDeltas } from './held-deltas';
import { handBackIfLent, lentMemoryOf } from '../lent-memory';
import { metricsFromConfusion, sumEvaluations } from './classification-metrics';
import { clientAccuracySpread, fairnessFromResults } from './fairness-metrics';
import type {
  ClassificationMetrics,
  EvaluateResult,
  Failure,
  FitAccumulator,
  FitAggregate,
  FitPlan,
  FitResult,
  FitResultSummary,
  NonFiniteValue,
  Strategy,
} from './strategy';
import { addWeighted, addWeightedIfFinite, allFinite, meanStep } from '../float-kernels';

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
  /**
   * The order a round's updates are added in as they arrive (without DP or secure aggregation).
   * 'client-id': aggregateFit's order, so the same updates give the same model bit for bit however
   * they arrive — but an update that arrives before its turn waits, and updates arrive in close to
   * random order, so a third to a half of a round's wait in memory. 'arrival': added as they come,
   * eight at a time, so that at most seven wait; the model's last bits then depend on the order.
   * @default 'client-id'
   */
  aggregationOrder?: AggregationOrder;
}

export const AGGREGATION_ORDERS = ['client-id', 'arrival'] as const;
export type AggregationOrder = (typeof AGGREGATION_ORDERS)[number];

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

/**
 * For a strategy that takes every update at the round's end (a server optimiser, a robust rule, a
 * FedAvg subclass with its own aggregateFit): adding updates in arrival order would do nothing.
 * @throws CoordinatorError('INVALID_OPTION') when `options` ask for aggregationOrder 'arrival'
 */
export function refuseArrivalOrder(owner: string, options: object): void {
  if ((options as FedAvgOptions).aggregationOrder === 'arrival')
    throw new CoordinatorError(
      'INVALID_OPTION',
      `${owner} takes every update at the round's end, so aggregationOrder 'arrival' (adding updates as they arrive) would do nothing. Leave it unset.`,
    );
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
  readonly aggregationOrder: AggregationOrder;
  /** The memory its rounds keep waiting updates in, reused from round to round. */
  private readonly held = new HeldDeltas();

  constructor(options: FedAvgOptions = {}) {
    checkSamplingOptions('FedAvg', options);
    checkClipNorm('FedAvg', options.clipNorm);
    const { maxExamples, clipNorm, aggregationOrder = 'client-id' } = options;
    if (maxExamples !== undefined && !(Number.isSafeInteger(maxExamples) && maxExamples >= 1)) {
      throw new CoordinatorError('INVALID_OPTION', `FedAvg option maxExamples must be an integer of at least 1, got ${maxExamples}.`);
    }
    if (!AGGREGATION_ORDERS.includes(aggregationOrder))
      throw new CoordinatorError(
        'INVALID_OPTION',
        `FedAvg option aggregationOrder must be ${AGGREGATION_ORDERS.join(' or ')}, got ${String(aggregationOrder)}.`,
      );
    if (!this.streams) refuseArrivalOrder(this.constructor.name, options);
    this.aggregationOrder = aggregationOrder;
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

  /**
   * Takes the round's updates as they arrive (FedAvgAccumulator), with the same result as
   * aggregateFit (in 'arrival' order: as aggregateFit on the results in the order they were added).
   * None for a subclass that overrides aggregateFit: its own rule must see every result.
   */
  fitAccumulator(_round: number, selected: readonly string[], global: readonly Float32Array[]): FitAccumulator | undefined {
    if (!this.streams) return undefined;
    return new FedAvgAccumulator(selected, global, this.bounds, this.aggregationOrder, this.held);
  }

  /** Whether it can take updates as they arrive: not a subclass with its own aggregateFit. */
  private get streams(): boolean {
    return this.aggregateFit === FedAvg.prototype.aggregateFit;
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
  const sums = new WeightedDeltaSums(global, bounds);
  sums.add(results);
  return sums.meanStep(global, results);
}

/**
 * Σ n_i·Δ_i per tensor in float64, added a batch of results at a time: each element's sum is taken
 * over the results in the order they are added (addWeighted), so adding results in batches gives
 * the same sums, bit for bit, as adding them all at once.
 */
class WeightedDeltaSums {
  private sums: Float64Array[];
  /** Where addIfFinite writes, so that a batch with a non-finite value leaves the sums as they were. */
  private spare: Float64Array[] | undefined;

  constructor(
    private readonly global: readonly Float32Array[],
    private readonly bounds: InfluenceBounds,
  ) {
    this.sums = global.map((t) => new Float64Array(t.length));
  }

  add(results: readonly FitResult[]): void {
    if (results.length === 0) return;
    const { deltas, weights } = this.terms(results);
    this.sums.forEach((sums, t) =>
      addWeighted(
        sums,
        deltas.map((d) => d[t]!),
        weights,
      ),
    );
  }

  /**
   * Adds the results whose values are all finite, checking them as they are added; returns the others
   * (which add nothing). The rare batch with a bad value is added again without it: the check then
   * runs per result, so a client sending NaN can cost at most two more passes over its batch (the
   * checked pass it cut short, and the per-result check).
   */
  addIfFinite(results: readonly FitResult[]): FitResult[] {
    if (results.length === 0) return [];
    // Clipping takes a norm, which a non-finite value has none of: those results are checked first.
    if (this.bounds.clipNorm !== undefined) return this.addTheFinite(results);
    const { deltas, weights } = this.terms(results);
    this.spare ??= this.global.map((t) => new Float64Array(t.length));
    const spare = this.spare;
    const clean = this.sums.every(
      (sums, t) =>
        addWeightedIfFinite(
          sums,
          deltas.map((d) => d[t]!),
          weights,
          spare[t]!,
        ) < 0,
    );
    if (!clean) return this.addTheFinite(results);
    [this.sums, this.spare] = [spare, this.sums];
    return [];
  }

  private addTheFinite(results: readonly FitResult[]): FitResult[] {
    const refused = results.filter((r) => !allFinite(r.delta));
    this.add(results.filter((r) => !refused.includes(r)));
    return refused;
  }

  private terms(results: readonly FitResult[]): { deltas: Float32Array[][]; weights: number[] } {
    const { clipNorm, maxExamples } = this.bounds;
    return {
      deltas: clipNorm === undefined ? results.map((r) => r.delta) : clipDeltas(results, clipNorm),
      weights: results.map((r) => boundedWeight(r.numExamples, maxExamples)),
    };
  }

  /**
   * global + sums / Σ n_i over `results` (all the results added), rounded to float32. The tensors are
   * views of one buffer, in order, so that the model is encoded without a copy (encodeTensors).
   */
  meanStep(global: readonly Float32Array[], results: readonly { numExamples: number }[]): Float32Array[] {
    if (results.length === 0) throw new CoordinatorError('INVALID_OPTION', 'FedAvg needs at least one result to aggregate.');
    const total = results.reduce((sum, r) => sum + boundedWeight(r.numExamples, this.bounds.maxExamples), 0);
    const model = contiguousFloat32(global.map((tensor) => tensor.length));
    global.forEach((tensor, t) => meanStep(tensor, this.sums[t]!, total, model[t]!));
    return model;
  }
}

/** Results ready to be added (next in client-id order, or in arrival order) wait for this many: one pass over the sums per batch. */
const FOLD_BATCH = 8;

/**
 * FedAvg's aggregate taken as the updates arrive, so that a round does not hold every update until
 * it ends. In 'client-id' order it equals aggregateFit's on the same results bit for bit, whatever
 * order they arrive in, or a seeded run would not reproduce: float64 addition is not associative (a
 * sum of float32 products rounds differently in another order), so each sum is taken in
 * aggregateFit's order, client-id order. An update is added once every selected client before it
 * has answered or failed; one that arrives earlier waits. Arrival order then changes only when
 * updates are added, never what is added to what. In 'arrival' order nothing waits for its turn,
 * only for its batch. Values are checked as they are added (addIfFinite), so an update's verdict
 * comes when it is added.
 */
class FedAvgAccumulator implements FitAccumulator {
  readonly checksValues = true;
  /** The selected clients in client-id order (the order aggregateFit sees results in). */
  private readonly order: string[];
  /** How many of `order` are settled and taken in (added, waiting in `ready`, or failed). */
  private settled = 0;
  /** Answers of clients after the first unsettled one: a result, or null for a failure. */
  private readonly early = new Map<string, FitResult | null>();
  /** Results next in order (client-id or arrival), waiting to be added as a batch. */
  private ready: FitResult[] = [];
  /** The verdicts owed to the results not added yet. */
  private readonly verdicts = new Map<string, (refusal?: NonFiniteValue) => void>();
  private readonly added: string[] = [];
  /** Every client whose update was handed to `add`. */
  private readonly taken = new Set<string>();
  private readonly sums: WeightedDeltaSums;
  /** Once flushed, nothing waits: an update that still comes (a round cut short) is added at once. */
  private flushed = false;
  /** The waiting results whose deltas are copies in `held`; how many wait at once at most. */
  private readonly holding = new Set<FitResult>();
  private mostHeld = 0;

  constructor(
    selected: readonly string[],
    private readonly global: readonly Float32Array[],
    private readonly bounds: InfluenceBounds,
    private readonly aggregationOrder: AggregationOrder,
    private readonly held: HeldDeltas,
  ) {
    this.order = sortedIds(selected);
    this.sums = new WeightedDeltaSums(global, bounds);
  }

  add(result: FitResult, verdict: (refusal?: NonFiniteValue) => void): void {
    // The inbox takes one answer a client; a second would lose a verdict (its batch's others' with it).
    if (this.taken.has(result.clientId)) throw new Error(`FedAvg was handed a second update of client ${result.clientId} in one round.`);
    this.taken.add(result.clientId);
    this.verdicts.set(result.clientId, verdict);
    if (this.flushed || this.aggregationOrder === 'arrival') this.ready.push(result);
    else {
      this.early.set(result.clientId, result);
      this.takeInOrder();
    }
    if (this.flushed || this.ready.length >= FOLD_BATCH) this.addReady();
    this.holdIfWaiting(result);
  }

  /**
   * A result that waits for its turn (client-id order) is kept as a copy in held memory, so that the
   * socket's buffer it came in can die young — unless it came in lent memory (lent-memory.ts), which
   * is reused anyway: it then waits as it is. One that waits only for its batch is not copied: it is
   * added within the next seven arrivals, about one young collection, and is never promoted.
   */
  private holdIfWaiting(result: FitResult): void {
    if (this.early.get(result.clientId) !== result || lentMemoryOf(result.delta)) return;
    const copy = { ...result, delta: this.held.hold(result.delta) };
    this.early.set(result.clientId, copy);
    this.holding.add(copy);
    this.mostHeld = Math.max(this.mostHeld, this.holding.size);
  }

  skip(clientId: string): void {
    if (this.aggregationOrder === 'arrival') return;
    this.early.set(clientId, null);
    this.takeInOrder();
  }

  flush(): void {
    // Every selected client has settled by now, unless the round was cut short: take what is left in order.
    for (const clientId of this.order.slice(this.settled)) {
      const result = this.early.get(clientId);
      if (result) this.ready.push(result);
    }
    this.early.clear();
    this.flushed = true;
    this.addReady();
  }

  finish(results: readonly FitResultSummary[], _failures: readonly Failure[]): FitAggregate {
    this.flush();
    // In arrival order the results (sorted by id) are those added, in another order.
    const added = this.aggregationOrder === 'arrival' ? sortedIds(this.added) : this.added;
    const ids = results.map((r) => r.clientId);
    if (ids.length !== added.length || ids.some((id, i) => id !== added[i])) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        'FedAvg was asked to finish with results other than the ones added to it, sorted by client id.',
      );
    }
    this.held.keep(this.mostHeld);
    const { maxExamples } = this.bounds;
    return {
      ...averageFitMetrics(results, (r) => boundedWeight(r.numExamples, maxExamples)),
      weights: this.sums.meanStep(this.global, results),
    };
  }

  private takeInOrder(): void {
    while (this.settled < this.order.length && this.early.has(this.order[this.settled]!)) {
      const clientId = this.order[this.settled++]!;
      const result = this.early.get(clientId);
      this.early.delete(clientId);
      if (result) this.ready.push(result);
    }
  }

  private addReady(): void {
    const batch = this.ready;
    this.ready = [];
    const refused = new Set(this.sums.addIfFinite(batch));
    for (const r of batch) {
      const verdict = this.verdicts.get(r.clientId)!;
      this.verdicts.delete(r.clientId);
      if (refused.has(r)) verdict(firstNonFinite(r.delta));
      else {
        this.added.push(r.clientId);
        verdict();
      }
      // Nothing reads the delta after this: its memory goes back for the next update to arrive in.
      if (this.holding.delete(r)) this.held.release(r.delta);
      else handBackIfLent(r.delta);
    }
  }
}

/** The first value of a delta that is NaN or ±Infinity (the delta has one). */
function firstNonFinite(delta: readonly Float32Array[]): NonFiniteValue {
  for (const [tensor, values] of delta.entries()) {
    const index = values.findIndex((v) => !Number.isFinite(v));
    if (index >= 0) return { tensor, index };
  }
  throw new Error('firstNonFinite was handed a delta whose values are all finite.');
}

function sortedIds(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
  results: readonly FitResultSummary[],
  weight: (r: FitResultSummary) => number = (r) => r.numExamples,
): { trainLoss: number | null; trainAccuracy: number | null } {
  const reported = results.filter((r) => r.metrics !== undefined);
  const total = reported.reduce((sum, r) => sum + weight(r), 0);
  if (total === 0) return { trainLoss: null, trainAccuracy: null };
  return {
    trainLoss: reported.reduce((sum, r) => sum + weight(r) * r.metrics!.loss, 0) / total,
    trainAccuracy: reported.reduce((sum, r) => sum + weight(r) * r.metrics!.accuracy, 0) / total,
  };
}
