/**
 * The shared frame of the server optimisers (FedAvgM, FedAdam, FedYogi, FedAdagrad; Reddi et al.,
 * "Adaptive Federated Optimization", ICLR 2021): sampling, evaluation and the example-weighted mean
 * delta Δ_t are FedAvg's (delegated to a FedAvg instance, with its influence bounds); Δ_t is then a
 * pseudo-gradient that the optimiser's own step turns into the next model. Each optimiser's file
 * holds that step as pure maths.
 *
 * The DP wrappers hand their noisy mean to `applyDelta`, so the step is post-processing of the
 * release and costs no privacy.
 *
 * The moments belong to committed rounds. The round engine only moves to round t + 1 once round t is
 * committed, and tries a failed round again under the same number; so a step for a round already
 * stepped is a retry and starts again from the moments before it, and a step for a later round
 * takes the last step's moments as committed. `saveState` (called at commit) stores them with the
 * round, and `loadState` resumes from there.
 */
import { CoordinatorError } from '../errors';
import { FedAvg, checkClipNorm, checkSamplingOptions, refuseArrivalOrder, type FedAvgOptions } from './fed-avg';
import { decodeOptimiserState, encodeOptimiserState, type Moments, type OptimiserState } from './optimiser-state';
import type { Failure, FitAggregate, FitResult } from './strategy';
import { StrategyWrapper } from './strategy-wrapper';

/** FedAvg's options but its aggregation order: a server optimiser takes every update at the round's end. */
export interface ServerOptimiserOptions extends Omit<FedAvgOptions, 'aggregationOrder'> {
  /** η: the server learning rate, a positive finite number. @default per optimiser */
  serverLearningRate?: number;
}

/** What one step produces: the next model and the moments after it. */
export interface OptimiserStep {
  weights: Float32Array[];
  moments: Moments;
}

export abstract class ServerOptimiser extends StrategyWrapper {
  /** Fewest results aggregateFit accepts (FedAvg's). */
  readonly minResults = 1;
  /** The moments this optimiser keeps (none: stateless). */
  protected abstract readonly momentNames: readonly string[];
  /** The moments after the last committed round, as of the last step (undefined: none yet). */
  private committed: OptimiserState | undefined;
  /** The moments after the last step, not yet known to be committed. */
  private stepped: OptimiserState | undefined;

  /** @param kind the optimiser's name without its settings, recorded with its state */
  protected constructor(
    private readonly kind: string,
    options: ServerOptimiserOptions,
  ) {
    checkSamplingOptions(kind, options);
    checkClipNorm(kind, options.clipNorm);
    refuseArrivalOrder(kind, options);
    super(new FedAvg(options));
  }

  /** The influence bounds its FedAvg applies to each result (none by default). */
  get bounds(): FedAvg['bounds'] {
    return (this.inner as FedAvg).bounds;
  }

  /** The moments of a run's first step, shaped like `global`. */
  protected abstract initialMoments(global: readonly Float32Array[]): Moments;

  /** x_{t+1} and the moments after Δ_t, from the moments before it: pure, inputs untouched. */
  protected abstract step(moments: Moments, delta: readonly Float32Array[], global: readonly Float32Array[]): OptimiserStep;

  /** FedAvg's example-weighted mean delta (and training metrics), then the optimiser's step. */
  override aggregateFit(
    round: number,
    results: readonly FitResult[],
    failures: readonly Failure[],
    global: readonly Float32Array[],
  ): FitAggregate {
    const origin = global.map((t) => new Float32Array(t.length));
    const { weights: meanDelta, ...metrics } = this.inner.aggregateFit(round, results, failures, origin);
    return { ...metrics, weights: this.applyDelta(round, meanDelta, global) };
  }

  override applyDelta(round: number, delta: readonly Float32Array[], global: readonly Float32Array[]): Float32Array[] {
    if (this.stepped && round > this.stepped.round) this.committed = this.stepped;
    const last = this.committed?.round ?? 0;
    if (round <= last)
      throw new CoordinatorError('INVALID_OPTION', `${this.name} was asked to step round ${round} after round ${last} was committed.`);
    const before = this.committed?.moments ?? this.initialMoments(global);
    checkShapes(this.name, before, global);
    const { weights, moments } = this.step(before, delta, global);
    this.stepped = { round, moments };
    return weights;
  }

  /** The moments after the round being committed; nothing for a stateless optimiser. */
  override saveState(): unknown {
    const state = this.stepped ?? this.committed;
    return this.momentNames.length === 0 || !state ? undefined : encodeOptimiserState(this.kind, state);
  }

  /**
   * Resumes from the moments saved with the last committed round.
   * @throws CoordinatorError('SETTINGS_MISMATCH') for another optimiser's state; ('STORE_CORRUPT') for a damaged one
   */
  override loadState(state: unknown): void {
    this.committed = decodeOptimiserState(this.kind, this.momentNames, state);
    this.stepped = undefined;
  }
}

/**
 * Checks a server optimiser's setting, naming the optimiser and the field.
 * @throws CoordinatorError('INVALID_OPTION') with the allowed range
 */
export function checkSetting(owner: string, field: string, value: number, ok: boolean, range: string): void {
  if (!ok || Number.isNaN(value)) throw new CoordinatorError('INVALID_OPTION', `${owner} option ${field} must be ${range}, got ${value}.`);
}

/** η > 0 and finite. */
export function checkLearningRate(owner: string, value: number): void {
  checkSetting(owner, 'serverLearningRate', value, value > 0 && Number.isFinite(value), 'a positive finite number');
}

/** A decay rate β in [0, 1). */
export function checkDecay(owner: string, field: string, value: number): void {
  checkSetting(owner, field, value, value >= 0 && value < 1, 'in [0, 1)');
}

/** One Float32Array per tensor of `global`, every value `fill`. */
export function momentLike(global: readonly Float32Array[], fill = 0): Float32Array[] {
  return global.map((t) => new Float32Array(t.length).fill(fill));
}

function checkShapes(owner: string, moments: Moments, global: readonly Float32Array[]): void {
  for (const [name, tensors] of Object.entries(moments)) {
    const fits = tensors.length === global.length && tensors.every((t, i) => t.length === global[i]!.length);
    if (!fits)
      throw new CoordinatorError(
        'STORE_CORRUPT',
        `${owner}'s moment ${name} does not have the model's shape: was it saved for another model?`,
      );
  }
}
