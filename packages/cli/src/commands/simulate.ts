import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { StrategySettings } from '@cohort/coordinator';
import type { Simulation, SimulationOptions, SimulationSummary } from '@cohort/simulations';
import type { Progress } from '../progress';
import { addStrategyFlags, strategyFlagsSet, strategySettingsFrom } from '../strategy-flags';
import { createLogger } from '../logging';
import { addTrainingFlags, serviceFrom, trainingFrom, type TrainingFlags } from '../training-flags';
import { addSecureAggregationFlags, secureAggregationFrom, type SecureAggregationFlags } from '../secure-aggregation-flags';
import { addDpFlags, dpSettingsFrom, type DpFlags } from '../dp-flags';
import { EXIT_CODES, exitCodeOfOutcome, fail, withExitCodes } from '../exit-codes';
import { effectiveConfig, fraction, integer, nonNegative, positive, printConfig, resolveWithConfig, withDefaults } from '../options';
import { settingsDifferences } from '../run-settings';

type Flags = Required<
  Pick<
    SimulationOptions,
    'dataset' | 'clients' | 'rounds' | 'partition' | 'fraction' | 'localEpochs' | 'batchSize' | 'lr' | 'seed' | 'evalEvery'
  >
> &
  Pick<SimulationOptions, 'label' | 'model' | 'minClients' | 'workers' | 'out' | 'groupBias' | 'keyDir' | 'canaries'> &
  DpFlags &
  StrategySettings &
  SecureAggregationFlags &
  TrainingFlags & {
    app?: string;
    report: boolean;
    roundTimeout: number;
    json?: boolean;
    logLevel: string;
    resume?: boolean;
    force?: boolean;
    printConfig?: boolean;
  };

function describeAudit(a: NonNullable<SimulationSummary['privacy_audit']>): string {
  const verdict = a.verdict === 'pass' ? 'consistent with the accountant' : `FAILED: ${a.reasons.join(' ')}`;
  return `empirical audit (${a.canaries} canaries): ε ≥ ${a.epsilon_lower.toFixed(3)} (one-run lower bound, 95 %), ε̂ = ${a.epsilon_estimate.toFixed(3)} (estimate) — ${verdict}`;
}

export function simulateCommand(): Command {
  const command = new Command('simulate')
    .description('run a coordinator and N virtual clients on this machine (real sockets, worker-thread training)')
    .option('--app <dir>', "a researcher's app: DIR/cohort.app.ts gives the dataset, model and strategy (see cohort new)")
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
    .option('--lr <rate>', "clients' learning rate", positive, 0.1)
    .option('--seed <n>', 'seed of partition, sampling, initialisation and shuffling', integer(0), 0)
    .option('--eval-every <n>', 'federated evaluation every N rounds (0: never)', integer(0), 1)
    .option('--workers <n>', 'training threads (default: number of cores)', integer(1))
    .option('--round-timeout <seconds>', 'per-round timeout', positive, 300)
    .option('--out <dir>', 'run directory (default: runs/<timestamp>); one holding a previous run needs --resume or --force')
    .option(
      '--resume',
      "continue the run in --out where it stopped, with its config.json's settings (flags may change only --workers, --round-timeout, --log-level, --json)",
    )
    .option('--force', 'move a previous run in --out aside, to OUT.replaced-TIMESTAMP, and start afresh')
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
    .option('--no-report', 'do not write report.html (plots of the run) into the run directory')
    .option('--config <file>', "JSON file whose keys mirror these flags (a run's own config.json replays it)")
    .option('--print-config', 'print the effective configuration (defaults, --config file, flags) as JSON and exit');
  return withExitCodes(addDpFlags(addSecureAggregationFlags(addTrainingFlags(addStrategyFlags(command))), { seeded: true })).action(
    async (_opts, command: Command) => {
      try {
        await simulate(command);
      } catch (error) {
        fail(command, error);
      }
    },
  );
}

/** The run's own config.json, when resuming: its settings are the base the flags may not change. */
function previousConfig(command: Command): string | undefined {
  const { resume, force, out, config } = command.opts<Flags & { config?: string }>();
  if (resume && force) command.error('--resume and --force exclude each other.', { exitCode: EXIT_CODES.usage });
  if (!resume || config !== undefined || out === undefined) return undefined;
  const path = join(out, 'config.json');
  return existsSync(path) ? path : undefined;
}

/** Refuses to resume under settings other than the run's own, naming each difference. */
function assertSameSettings(command: Command, flags: Flags): void {
  if (!flags.out) command.error('--resume needs --out: the directory of the run to continue.', { exitCode: EXIT_CODES.usage });
  const path = join(flags.out, 'config.json');
  if (!existsSync(path)) return;
  const differences = settingsDifferences(
    JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>,
    effectiveConfig(flags),
    command,
  );
  if (differences.length > 0)
    command.error(
      `cohort simulate: the run in ${flags.out} was started with other settings: ${differences.join('; ')}. ` +
        'Drop those flags to resume it, or give --force to start afresh.',
      { exitCode: EXIT_CODES.usage },
    );
}

async function simulate(command: Command): Promise<void> {
  const configured = resolveWithConfig<Flags>(command, previousConfig(command));
  const app = configured.app === undefined ? undefined : await (await import('../app-loader')).loadApp(configured.app);
  const flags = app?.app.defaults ? withDefaults(command, configured, app.app.defaults, app.path) : configured;
  if (printConfig(flags)) return;
  if (flags.resume) assertSameSettings(command, flags);
  // Loaded here so that `--help` does not pay for TensorFlow.js.
  const [{ Simulation }, { createProgress }, { resolveStrategy }] = await Promise.all([
    import('@cohort/simulations/simulation'),
    import('../progress'),
    import('@cohort/coordinator'),
  ]);
  const dp = flags.dp !== 'off';
  const secureAggregation = secureAggregationFrom(flags);
  const appStrategy = app?.app.strategy;
  // The app's own defaults may set strategy flags; only those the user gave are refused.
  const ignored = appStrategy ? strategyFlagsSet(configured) : [];
  if (ignored.length > 0)
    command.error(
      `cohort simulate: the app in ${configured.app} brings its own strategy, so ${ignored.join(', ')} would be ignored. ` +
        'Drop them, or set them in the app.',
      { exitCode: EXIT_CODES.usage },
    );
  const strategy: SimulationOptions['strategy'] =
    appStrategy ??
    ((plan) => resolveStrategy(strategySettingsFrom(flags), { ...plan, dp, secureAggregation: secureAggregation !== undefined }));
  const { keyDir: _private, ...settings } = effectiveConfig(flags);
  const { app: appDir, ...simulationFlags } = flags;
  const simulation = new Simulation({
    ...simulationFlags,
    // An app's dataset and model are named after it in the summary and the progress line.
    ...(app?.app.dataset ? { dataset: `app:${appDir}` } : {}),
    ...(app?.app.model ? { model: `app:${appDir}` } : {}),
    strategy,
    dp: dpSettingsFrom(flags),
    secureAggregation,
    roundTimeoutMs: flags.roundTimeout * 1000,
    previousRun: flags.resume ? 'resume' : flags.force ? 'replace' : 'refuse',
    settings,
    training: trainingFrom(flags),
    ...serviceFrom(flags),
    ...(app ? { app: app.app } : {}),
    logger: await createLogger('simulate', flags.logLevel, flags.logFormat),
  });
  strategy(simulation.config); // refuses a strategy the run could not honour before anything starts
  let progress: Progress | undefined;
  simulation.on('started', (s) => {
    if (s.replacedTo) process.stderr.write(`cohort simulate: moved the previous run in ${s.runDir} to ${s.replacedTo}\n`);
    if (s.resumedFrom !== undefined)
      process.stderr.write(`cohort simulate: resuming from round ${s.resumedFrom + 1} of ${s.rounds} (${s.resumedFrom} committed)\n`);
    process.stderr.write(
      `cohort simulate: ${simulation.config.dataset}, ${simulation.config.model}, ${plural(s.clients, 'client')} (${flags.partition}), ${plural(s.rounds, 'round')}, backend ${s.backend}, ${plural(simulation.config.workers, 'worker')}\n`,
    );
    progress = createProgress(s.rounds);
  });
  simulation.on('round', (r) => progress?.round(r));
  const stop = () => {
    if (simulation.stop()) process.stderr.write('cohort simulate: stopping; the committed rounds are kept (resume with --resume)\n');
    else process.exit(EXIT_CODES.interrupted);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const summary = await simulation.run().catch(async (error: unknown) => {
    throw (error as { code?: unknown }).code === 'BUDGET_EXHAUSTED' ? await budgetError(simulation, flags) : error;
  });
  progress?.stop();
  const report = flags.report ? await writeRunReport(summary.run_dir) : undefined;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const f = summary.final;
    const before = summary.status === 'budget-exhausted' && summary.rounds_completed === 0;
    process.stdout.write(
      `${summary.status}: ${before ? (await budgetError(simulation, flags)).message : summary.reason} in ${(summary.duration_ms / 1000).toFixed(1)}s\n` +
        (f
          ? `final accuracy ${f.accuracy.toFixed(4)}  loss ${f.loss.toFixed(4)}  precision ${f.precision.toFixed(4)}  recall ${f.recall.toFixed(4)}  f1 ${f.f1.toFixed(4)}\n`
          : '') +
        (summary.privacy
          ? `privacy: ε = ${summary.privacy.rdp.toFixed(4)} (RDP), ${summary.privacy.pld.toFixed(4)} (PLD) at δ = ${summary.privacy.delta}${summary.privacy.private ? '' : ' — seeded noise: NOT private'}\n`
          : '') +
        (summary.privacy_audit ? `${describeAudit(summary.privacy_audit)}\n` : '') +
        `run directory: ${summary.run_dir}${report ? ` (plots: ${report})` : ''}\n`,
    );
  }
  const outcome = exitCodeOfOutcome(summary.status);
  process.exitCode = outcome === EXIT_CODES.ok && summary.privacy_audit?.verdict === 'fail' ? EXIT_CODES.auditFailed : outcome;
}

/** A budget that cannot fit round 1, and what would fit instead. */
async function budgetError(simulation: Simulation, flags: Flags): Promise<Error> {
  const [{ CoordinatorError, resolveDp }, { budgetAdvice, spentReleases }] = await Promise.all([
    import('@cohort/coordinator'),
    import('../budget-advice'),
  ]);
  const { config } = simulation;
  const dp = resolveDp(dpSettingsFrom(flags), { sampleRate: config.fraction, rounds: config.rounds, keyDir: config.keyDir });
  if (!dp) return new CoordinatorError('BUDGET_EXHAUSTED', 'the privacy budget is exhausted.');
  return new CoordinatorError('BUDGET_EXHAUSTED', budgetAdvice(dp, spentReleases(join(config.out, 'coordinator.db')), config.rounds));
}

/** report.html beside the run's files; a report that cannot be drawn does not fail the run. */
async function writeRunReport(runDir: string): Promise<string | undefined> {
  const { writeReport } = await import('@cohort/simulations/report');
  const out = join(runDir, 'report.html');
  try {
    writeReport([runDir], out);
    return out;
  } catch (error) {
    process.stderr.write(`cohort simulate: report.html not written: ${(error as Error).message}\n`);
    return undefined;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
