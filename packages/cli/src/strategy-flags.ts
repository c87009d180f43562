/** The aggregation flags shared by `simulate` and `coordinator` (resolved by `resolveStrategy`). */
import { Command, Option } from 'commander';
import type { AggregationOrder, StrategySettings } from '@cohort/coordinator';
import { integer, nonNegative, positive } from './options';

export function addStrategyFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--strategy <name>',
        'aggregation: fedavg, a server optimiser (fedavgm, fedadam, fedyogi, fedadagrad; allowed with --dp), or a robust rule (unweighted; without --dp only)',
      )
        .choices(['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad', 'median', 'trimmed-mean', 'krum', 'multi-krum'])
        .default('fedavg'),
    )
    .option(
      '--server-lr <eta>',
      'fedavg and the server optimisers: server learning rate η (default 1 for fedavg/fedavgm, 0.1 for adaptive)',
      positive,
    )
    .option('--server-momentum <beta>', 'fedavgm: server momentum β in [0, 1) (default 0.9)', nonNegative)
    .option('--beta1 <b>', 'fedadam, fedyogi, fedadagrad: first-moment decay in [0, 1) (default 0.9; fedadagrad 0)', nonNegative)
    .option('--beta2 <b>', 'fedadam, fedyogi: second-moment decay in [0, 1) (default 0.99)', nonNegative)
    .option('--tau <t>', 'fedadam, fedyogi, fedadagrad: adaptivity τ (default 1e-9)', positive)
    .option(
      '--trim-fraction <beta>',
      'trimmed-mean: fraction trimmed at each end of every coordinate, in [0, 0.5) (default 0.1)',
      nonNegative,
    )
    .option(
      '--byzantine <f>',
      'krum, multi-krum: the most malicious updates tolerated per round (default 1; needs min-clients > 2f + 2)',
      integer(0),
    )
    .option('--krum-keep <m>', 'multi-krum: the lowest-scored updates averaged (default: updates − f)', integer(1))
    .option(
      '--max-examples <n>',
      'fedavg and the server optimisers: an update claiming more examples is weighted as if it claimed n',
      integer(1),
    )
    .option(
      '--max-update-norm <C>',
      'without --dp: clip each update to L2 norm C before aggregating (under --dp the clip is --clip)',
      positive,
    )
    .addOption(
      new Option(
        '--aggregation-order <order>',
        'fedavg without --dp or secure aggregation: add updates in client-id order (the same updates give the same model bit for bit, ' +
          'but one that arrives before its turn waits in memory) or in arrival order (at most 7 wait; the last bits depend on arrival order) (default client-id)',
      ).choices(['client-id', 'arrival'] satisfies AggregationOrder[]),
    );
}

/** The strategy settings of parsed flags (`--server-lr` is `serverLearningRate`). */
export function strategySettingsFrom<T extends StrategySettings & { serverLr?: number }>(flags: T): StrategySettings {
  const { serverLr, ...settings } = flags;
  return serverLr === undefined ? settings : { ...settings, serverLearningRate: serverLr };
}

/** The strategy flags that `flags` (parsed flags and config-file keys) set to something other than their default, as `--name`. */
export function strategyFlagsSet(flags: object): string[] {
  const values = flags as Record<string, unknown>;
  return addStrategyFlags(new Command())
    .options.filter((o) => values[o.attributeName()] !== undefined && values[o.attributeName()] !== o.defaultValue)
    .map((o) => o.long ?? o.flags);
}
