/** The aggregation flags shared by `simulate` and `coordinator` (resolved by `resolveStrategy`). */
import { type Command, Option } from 'commander';
import { integer, nonNegative, positive } from './options';

export function addStrategyFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--strategy <name>', 'aggregation: fedavg, or a robust rule (unweighted; without --dp only)')
        .choices(['fedavg', 'median', 'trimmed-mean', 'krum', 'multi-krum'])
        .default('fedavg'),
    )
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
    .option('--max-examples <n>', 'fedavg: an update claiming more examples is weighted as if it claimed n', integer(1))
    .option(
      '--max-update-norm <C>',
      'without --dp: clip each update to L2 norm C before aggregating (under --dp the clip is --clip)',
      positive,
    );
}
