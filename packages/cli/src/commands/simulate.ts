import { Command, Option } from 'commander';
import type { StrategySettings } from '@cohort/coordinator';
import type { SimulationOptions, SimulationSummary } from '@cohort/simulations';
import type { Progress } from '../progress';
import { addStrategyFlags } from '../strategy-flags';
import { addSecureAggregationFlags, secureAggregationFrom, type SecureAggregationFlags } from '../secure-aggregation-flags';
import { addDpFlags, dpSettingsFrom, type DpFlags } from '../dp-flags';
import { fraction, integer, nonNegative, positive, resolveWithConfig } from '../options';

type Flags = Required<
  Pick<
    SimulationOptions,
    'dataset' | 'clients' | 'rounds' | 'partition' | 'fraction' | 'localEpochs' | 'batchSize' | 'lr' | 'seed' | 'evalEvery'
  >
> &
  Pick<SimulationOptions, 'label' | 'model' | 'minClients' | 'workers' | 'out' | 'groupBias' | 'keyDir' | 'canaries'> &
  DpFlags &
  StrategySettings &
  SecureAggregationFlags & { roundTimeout: number; json?: boolean; logLevel: string };

function describeAudit(a: NonNullable<SimulationSummary['privacy_audit']>): string {
  const verdict = a.verdict === 'pass' ? 'consistent with the accountant' : `FAILED: ${a.reasons.join(' ')}`;
  return `empirical audit (${a.canaries} canaries): ε ≥ ${a.epsilon_lower.toFixed(3)} (one-run lower bound, 95 %), ε̂ = ${a.epsilon_estimate.toFixed(3)} (estimate) — ${verdict}`;
}

export function simulateCommand(): Command {
  const command = new Command('simulate')
    .description('run a coordinator and N virtual clients on this machine (real sockets, worker-thread training)')
    .option('--dataset <name>', 'mnist | synthetic | synthetic-credit | synthetic-health | csv:PATH', 'mnist')
    .option('--group-bias <b>', "PII datasets: how much group B's label rule departs from the others' (0 = none)", nonNegative, 0)
    .option('--label <column>', 'label column of a csv dataset')
    .option('--model <name>', 'mlp | mnist-2nn | mnist-cnn | path to a tfjs model.json (default: mnist-2nn for mnist, else mlp)')
    .option('--clients <n>', 'virtual clients', integer(1), 10)
    .option('--rounds <n>', 'training rounds', integer(1), 10)
    .option('--partition <scheme>', 'iid | dirichlet:ALPHA | shards:K', 'iid')
    .option('--fraction <f>', 'fraction of clients sampled per round (the Poisson rate q under DP)', fraction, 1)
    .option('--min-clients <n>', 'fewest updates for a round to count (default: min(2, clients))', integer(1))
    .option('--local-epochs <n>', 'local epochs per round', integer(1), 1)
    .option('--batch-size <n>', 'local minibatch size', integer(1), 10)
    .option('--lr <rate>', 'local SGD learning rate', positive, 0.1)
    .option('--seed <n>', 'seed of partition, sampling, initialisation and shuffling', integer(0), 0)
    .option('--eval-every <n>', 'federated evaluation every N rounds (0: never)', integer(0), 1)
    .option('--workers <n>', 'training threads (default: number of cores)', integer(1))
    .option('--round-timeout <seconds>', 'per-round timeout', positive, 300)
    .option('--out <dir>', 'run directory (default: runs/<timestamp>)')
    .option(
      '--canaries <k>',
      'empirical privacy audit (with --dp): k canary clients, each inserted with probability ½; writes privacy-audit.json',
      integer(0),
    )
    .option(
      '--key-dir <dir>',
      'private directory of the ledger-signing key, never inside the run directory (default: $COHORT_KEY_DIR or ~/.cohort/keys)',
    )
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['debug', 'info', 'warn', 'error']).default('warn'))
    .option('--json', 'print summary.json to stdout')
    .option('--config <file>', 'JSON file whose keys mirror these flags');
  return addDpFlags(addSecureAggregationFlags(addStrategyFlags(command)), { seeded: true }).action(async (_opts, command: Command) => {
    const flags = resolveWithConfig<Flags>(command);
    // Loaded here so that `--help` does not pay for TensorFlow.js.
    const [{ pino }, { Simulation }, { createProgress }, { resolveStrategy }] = await Promise.all([
      import('pino'),
      import('@cohort/simulations'),
      import('../progress'),
      import('@cohort/coordinator'),
    ]);
    const dp = flags.dp !== 'off';
    const strategy: SimulationOptions['strategy'] = (plan) => resolveStrategy(flags, { ...plan, dp });
    const simulation = new Simulation({
      ...flags,
      strategy,
      dp: dpSettingsFrom(flags),
      secureAggregation: secureAggregationFrom(flags),
      roundTimeoutMs: flags.roundTimeout * 1000,
      logger: pino({ name: 'simulate', level: flags.logLevel }, pino.destination(2)),
    });
    strategy(simulation.config); // refuses a strategy the run could not honour before anything starts
    let progress: Progress | undefined;
    simulation.on('started', (s) => {
      process.stderr.write(
        `cohort simulate: ${flags.dataset}, ${simulation.config.model}, ${s.clients} clients (${flags.partition}), ${s.rounds} rounds, backend ${s.backend}, ${simulation.config.workers} workers\n`,
      );
      progress = createProgress(s.rounds);
    });
    simulation.on('round', (r) => progress?.round(r));
    const summary = await simulation.run();
    progress?.stop();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      const f = summary.final;
      process.stdout.write(
        `${summary.status}: ${summary.reason} in ${(summary.duration_ms / 1000).toFixed(1)}s\n` +
          (f
            ? `final accuracy ${f.accuracy.toFixed(4)}  loss ${f.loss.toFixed(4)}  precision ${f.precision.toFixed(4)}  recall ${f.recall.toFixed(4)}  f1 ${f.f1.toFixed(4)}\n`
            : '') +
          (summary.privacy
            ? `privacy: ε = ${summary.privacy.rdp.toFixed(4)} (RDP), ${summary.privacy.pld.toFixed(4)} (PLD) at δ = ${summary.privacy.delta}${summary.privacy.private ? '' : ' — seeded noise: NOT private'}\n`
            : '') +
          (summary.privacy_audit ? `${describeAudit(summary.privacy_audit)}\n` : '') +
          `run directory: ${summary.run_dir}\n`,
      );
    }
    if (summary.status === 'failed' || summary.status === 'stopped' || summary.privacy_audit?.verdict === 'fail') process.exitCode = 1;
  });
}
