/**
 * The aggregation strategy as a user states it (`--strategy`, `--trim-fraction`, `--byzantine`,
 * `--krum-keep`, `--max-examples`, `--max-update-norm`), turned into a Strategy — one place for the
 * rules both `cohort coordinator` and `cohort simulate` apply.
 */
import { CoordinatorError } from '../errors';
import { FedAvg } from './fed-avg';
import { FedMedian } from './fed-median';
import { FedTrimmedAvg } from './fed-trimmed-avg';
import { Krum, MultiKrum } from './krum';
import type { Strategy } from './strategy';

export const STRATEGY_NAMES = ['fedavg', 'median', 'trimmed-mean', 'krum', 'multi-krum'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

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
}

/** What the strategy must agree with: the coordinator's sampling, its minClients, and whether DP is on. */
export interface StrategyPlan {
  fraction: number;
  minClients: number;
  seed: number;
  dp: boolean;
}

/**
 * The strategy the settings ask for, sampling like the coordinator's default FedAvg
 * (fraction, minFitClients = minClients, seed).
 * @throws CoordinatorError('INVALID_OPTION') for a combination that would not do what it says:
 *   a robust rule or an influence bound under DP (the DP wrapper only calls the strategy's
 *   applyDelta with its own noisy mean), an option of another strategy, maxExamples with an
 *   unweighted rule, or minClients below the rule's fewest results
 */
export function resolveStrategy(settings: StrategySettings, plan: StrategyPlan): Strategy {
  const name = settings.strategy ?? 'fedavg';
  const refuse = (message: string): never => {
    throw new CoordinatorError('INVALID_OPTION', message);
  };
  if (!STRATEGY_NAMES.includes(name)) refuse(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got ${String(name)}.`);
  if (plan.dp) {
    if (name !== 'fedavg')
      refuse(
        `--strategy ${name} has no effect under --dp: the DP wrapper clips, sums and noises the updates itself and hands only ` +
          'its noisy mean to the strategy, so a robust rule never sees the updates. Use --strategy fedavg with --dp, or turn DP off.',
      );
    if (settings.maxUpdateNorm !== undefined)
      refuse('--max-update-norm clips updates without DP; under --dp every update is already clipped to --clip. Give one or the other.');
    if (settings.maxExamples !== undefined)
      refuse('--max-examples bounds FedAvg example weights, which DP does not use (every client counts once). Drop it or turn DP off.');
  }
  const onlyWith = (option: string, value: unknown, allowed: readonly StrategyName[]) => {
    if (value !== undefined && !allowed.includes(name))
      refuse(`${option} applies to --strategy ${allowed.join(' or ')} only, not ${name}.`);
  };
  onlyWith('--trim-fraction', settings.trimFraction, ['trimmed-mean']);
  onlyWith('--byzantine', settings.byzantine, ['krum', 'multi-krum']);
  onlyWith('--krum-keep', settings.krumKeep, ['multi-krum']);
  onlyWith('--max-examples', settings.maxExamples, ['fedavg']);
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
  const { byzantine, krumKeep, trimFraction, maxExamples } = settings;
  switch (name) {
    case 'fedavg':
      return new FedAvg({ ...sampling, ...(maxExamples !== undefined ? { maxExamples } : {}) });
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
