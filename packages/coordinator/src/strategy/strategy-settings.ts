/**
 * The aggregation strategy as a user states it (`--strategy`, `--trim-fraction`, `--byzantine`,
 * `--krum-keep`, `--max-examples`, `--max-update-norm`, `--aggregation-order`, and the server optimisers' `--server-lr`,
 * `--server-momentum`, `--beta1`, `--beta2`, `--tau`), turned into a Strategy — one place for the
 * rules both `cohort coordinator` and `cohort simulate` apply.
 */
import { CoordinatorError } from '../errors';
import { FedAdagrad } from './fed-adagrad';
import { FedAdam } from './fed-adam';
import { FedAvg, type AggregationOrder } from './fed-avg';
import { FedAvgM } from './fed-avgm';
import { FedYogi } from './fed-yogi';
import { FedMedian } from './fed-median';
import { FedTrimmedAvg } from './fed-trimmed-avg';
import { Krum, MultiKrum } from './krum';
import type { Strategy } from './strategy';

export const STRATEGY_NAMES = [
  'fedavg',
  'fedavgm',
  'fedadam',
  'fedyogi',
  'fedadagrad',
  'median',
  'trimmed-mean',
  'krum',
  'multi-krum',
] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** The strategies that move the model by FedAvg's example-weighted mean delta (with a server step): they work under DP. */
const MEAN_BASED = ['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const satisfies readonly StrategyName[];
const ADAPTIVE = ['fedadam', 'fedyogi', 'fedadagrad'] as const satisfies readonly StrategyName[];

export interface StrategySettings {
  /** @default 'fedavg' */
  strategy?: StrategyName;
  /** trimmed-mean: β, the fraction trimmed at each end of every coordinate. @default 0.1 */
  trimFraction?: number;
  /** krum, multi-krum: f, the most Byzantine updates tolerated per round. @default 1 */
  byzantine?: number;
  /** multi-krum: m, the lowest-scored updates averaged. @default n − f */
  krumKeep?: number;
  /** fedavg: the most examples one update is weighted by. */
  maxExamples?: number;
  /** Without DP: clip each update to this L2 norm before aggregating (any strategy). */
  maxUpdateNorm?: number;
  /** fedavg (η = 1), without DP: the order updates are added in as they arrive (FedAvgOptions.aggregationOrder). @default 'client-id' */
  aggregationOrder?: AggregationOrder;
  /** fedavg, fedavgm, fedadam, fedyogi, fedadagrad: η, the server learning rate. @default 1 (fedavg, fedavgm), 0.1 (adaptive) */
  serverLearningRate?: number;
  /** fedavgm: β, the server momentum, in [0, 1). @default 0.9 */
  serverMomentum?: number;
  /** fedadam, fedyogi, fedadagrad: β1, decay of the first moment, in [0, 1). @default 0.9 (fedadagrad: 0) */
  beta1?: number;
  /** fedadam, fedyogi: β2, decay (Yogi: step) of the second moment, in [0, 1). @default 0.99 */
  beta2?: number;
  /** fedadam, fedyogi, fedadagrad: τ, the adaptivity floor added to √v. @default 1e-9 */
  tau?: number;
}

/** What the strategy must agree with: the coordinator's sampling, its minClients, and whether DP and secure aggregation are on. */
export interface StrategyPlan {
  fraction: number;
  minClients: number;
  seed: number;
  dp: boolean;
  /** @default false */
  secureAggregation?: boolean;
}

/**
 * The strategy the settings ask for, sampling like the coordinator's default FedAvg
 * (fraction, minFitClients = minClients, seed). `fedavg` with a server learning rate other than 1
 * is FedAvgM with momentum 0; with η = 1 it is FedAvg itself.
 * @throws CoordinatorError('INVALID_OPTION') for a combination that would not do what it says:
 *   a robust rule or an influence bound under DP (the DP wrapper only calls the strategy's
 *   applyDelta with its own noisy mean — a server optimiser's step on it is fine), an option of
 *   another strategy, maxExamples with an unweighted rule, a setting out of its range, or
 *   minClients below the rule's fewest results
 */
export function resolveStrategy(settings: StrategySettings, plan: StrategyPlan): Strategy {
  const name = settings.strategy ?? 'fedavg';
  const refuse = (message: string): never => {
    throw new CoordinatorError('INVALID_OPTION', message);
  };
  if (!STRATEGY_NAMES.includes(name)) refuse(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got ${String(name)}.`);
  const meanBased = (MEAN_BASED as readonly StrategyName[]).includes(name);
  if (plan.dp) {
    if (!meanBased)
      refuse(
        `--strategy ${name} has no effect under --dp: the DP wrapper clips, sums and noises the updates itself and hands only ` +
          `its noisy mean to the strategy, so a robust rule never sees the updates. Use --strategy ${MEAN_BASED.join(', ')} with --dp, or turn DP off.`,
      );
    if (settings.maxUpdateNorm !== undefined)
      refuse('--max-update-norm clips updates without DP; under --dp every update is already clipped to --clip. Give one or the other.');
    if (settings.maxExamples !== undefined)
      refuse('--max-examples bounds FedAvg example weights, which DP does not use (every client counts once). Drop it or turn DP off.');
    if (settings.aggregationOrder === 'arrival')
      refuse(
        "--aggregation-order arrival adds updates as they arrive; under --dp they are all aggregated at the round's end. Drop it or turn DP off.",
      );
  }
  const onlyWith = (option: string, value: unknown, allowed: readonly StrategyName[]) => {
    if (value !== undefined && !allowed.includes(name))
      refuse(`${option} applies to --strategy ${allowed.join(' or ')} only, not ${name}.`);
  };
  onlyWith('--trim-fraction', settings.trimFraction, ['trimmed-mean']);
  onlyWith('--byzantine', settings.byzantine, ['krum', 'multi-krum']);
  onlyWith('--krum-keep', settings.krumKeep, ['multi-krum']);
  if (settings.maxExamples !== undefined && !meanBased)
    refuse(
      `--max-examples applies to --strategy fedavg only (and to ${MEAN_BASED.slice(1).join(', ')}, which average as it does), not ${name}.`,
    );
  onlyWith('--server-lr', settings.serverLearningRate, MEAN_BASED);
  // Client-id order is what every strategy does anyway: only arrival order needs FedAvg adding updates one by one.
  const arrival = settings.aggregationOrder === 'arrival';
  onlyWith('--aggregation-order arrival', arrival ? settings.aggregationOrder : undefined, ['fedavg']);
  if (arrival && plan.secureAggregation)
    refuse(
      '--aggregation-order arrival adds updates as they arrive; under --secure-aggregation the coordinator sees only their sum. Drop it.',
    );
  if (arrival && settings.serverLearningRate !== undefined && settings.serverLearningRate !== 1)
    refuse(
      "--aggregation-order arrival applies to fedavg with a server learning rate of 1: with another, fedavg is FedAvgM, which takes every update at the round's end.",
    );
  onlyWith('--server-momentum', settings.serverMomentum, ['fedavgm']);
  onlyWith('--beta1', settings.beta1, ADAPTIVE);
  onlyWith('--beta2', settings.beta2, ['fedadam', 'fedyogi']);
  onlyWith('--tau', settings.tau, ADAPTIVE);
  const sampling = {
    fraction: plan.fraction,
    minFitClients: plan.minClients,
    seed: plan.seed,
    ...(settings.maxUpdateNorm !== undefined ? { clipNorm: settings.maxUpdateNorm } : {}),
  };
  const strategy = build(name, settings, sampling);
  if (plan.minClients < strategy.minResults)
    refuse(
      `${strategy.name} needs at least ${strategy.minResults} updates per round; set --min-clients to at least ${strategy.minResults} (got ${plan.minClients}).`,
    );
  return strategy;
}

function build(
  name: StrategyName,
  settings: StrategySettings,
  sampling: { fraction: number; minFitClients: number; seed: number; clipNorm?: number },
): Strategy & { minResults: number } {
  const { byzantine, krumKeep, trimFraction, maxExamples, serverLearningRate, serverMomentum, beta1, beta2, tau, aggregationOrder } =
    settings;
  // Options left undefined take each constructor's default.
  const weighted = { ...sampling, maxExamples, serverLearningRate };
  switch (name) {
    case 'fedavg':
      return serverLearningRate === undefined || serverLearningRate === 1
        ? new FedAvg({
            ...sampling,
            ...(maxExamples !== undefined ? { maxExamples } : {}),
            ...(aggregationOrder === 'arrival' ? { aggregationOrder } : {}),
          })
        : new FedAvgM({ ...weighted, serverMomentum: 0 });
    case 'fedavgm':
      return new FedAvgM({ ...weighted, serverMomentum });
    case 'fedadam':
      return new FedAdam({ ...weighted, beta1, beta2, tau });
    case 'fedyogi':
      return new FedYogi({ ...weighted, beta1, beta2, tau });
    case 'fedadagrad':
      return new FedAdagrad({ ...weighted, beta1, tau });
    case 'median':
      return new FedMedian(sampling);
    case 'trimmed-mean':
      return new FedTrimmedAvg({ ...sampling, ...(trimFraction !== undefined ? { beta: trimFraction } : {}) });
    case 'krum':
      return new Krum({ ...sampling, ...(byzantine !== undefined ? { byzantine } : {}) });
    case 'multi-krum':
      return new MultiKrum({
        ...sampling,
        ...(byzantine !== undefined ? { byzantine } : {}),
        ...(krumKeep !== undefined ? { keep: krumKeep } : {}),
      });
  }
}
