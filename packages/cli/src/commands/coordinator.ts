import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { DpOptions, StrategySettings } from '@cohort/coordinator';
import { COORDINATOR_HEAP_GROWTH_PERCENT, MAX_HEAP_GROWTH_PERCENT, setHeapGrowth } from '@cohort/coordinator/heap-growth';
import type { RunDirectory } from '@cohort/simulations';
import { addStrategyFlags, strategySettingsFrom } from '../strategy-flags';
import { createLogger } from '../logging';
import { addTrainingFlags, serviceFrom, trainingFrom, type TrainingFlags } from '../training-flags';
import { addSecureAggregationFlags, secureAggregationFrom, type SecureAggregationFlags } from '../secure-aggregation-flags';
import { addDpFlags, dpSettingsFrom, type DpFlags } from '../dp-flags';
import { EXIT_CODES, exitCodeOfOutcome, fail, withExitCodes } from '../exit-codes';
import { effectiveConfig, fraction, integer, positive, printConfig, resolveWithConfig } from '../options';
import { runSettings, settingsDifferences } from '../run-settings';

async function schemaShape(path: string): Promise<{ numFeatures: number; numClasses: number }> {
  const { featureWidth, loadSchema } = await import('@cohort/client');
  const schema = await loadSchema(path);
  const label = schema.columns.find((c) => c.role === 'label');
  return { numFeatures: featureWidth(schema), numClasses: label?.classes?.length ?? 2 };
}

interface Flags extends DpFlags, StrategySettings, SecureAggregationFlags, TrainingFlags {
  host: string;
  port: number;
  rounds: number;
  minClients: number;
  fraction: number;
  roundTimeout: number;
  evalEvery: number;
  model: string;
  numFeatures?: number;
  numClasses?: number;
  schema?: string;
  localEpochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  dataDir: string;
  out?: string;
  newRun?: boolean;
  printConfig?: boolean;
  db?: string;
  keyDir?: string;
  logLevel: string;
  json?: boolean;
  enrol?: string;
  sealUpdates: boolean;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
  allowOrigin?: string[];
  maxConnections: number;
  maxConnectionsPerAddress: number;
  handshakeTimeout: number;
  messageRate: number;
  messageBurst: number;
  warningsPerMinute: number;
  heapGrowth: number;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export function coordinatorCommand(): Command {
  const command = new Command('coordinator')
    .description('run the coordinator: a socket.io server that runs training rounds and aggregates updates')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: a free one, printed)', integer(0, 65535), 0)
    .option('--rounds <n>', 'training rounds', integer(1), 10)
    .option('--min-clients <n>', 'fewest updates for a round to be aggregated', integer(1), 2)
    .option('--fraction <f>', 'fraction of connected clients sampled per round', fraction, 1)
    .option('--round-timeout <seconds>', 'how long a round waits for its clients', positive, 120)
    .option('--eval-every <n>', 'federated evaluation every N rounds (0: never)', integer(0), 1)
    .option('--model <name>', 'mlp | mnist-2nn | mnist-cnn | path to a tfjs model.json', 'mlp')
    .option('--num-features <n>', 'input features (required for mlp and model files)', integer(1))
    .option('--num-classes <n>', 'classes (default 10 for mnist models)', integer(2))
    .option('--schema <schema.json>', "size the model from the clients' data schema (encoded feature width and label classes)")
    .option('--local-epochs <n>', 'local epochs per round', integer(1), 1)
    .option('--batch-size <n>', 'local minibatch size', integer(1), 10)
    .option('--lr <rate>', 'local SGD learning rate', positive, 0.1)
    .option('--seed <n>', 'seed of sampling, initialisation and shuffling', integer(0), 0)
    .option(
      '--data-dir <dir>',
      "the federation's directory: state, privacy ledger (ledger.jsonl, ledger-head.json, coordinator.pub) and the final model",
      '.cohort',
    )
    .option(
      '--key-dir <dir>',
      'private directory of the ledger-signing and update-sealing keys (default: DATA_DIR/keys; never where the ledger is published)',
    )
    .option(
      '--enrol <file>',
      'enrolment file of the devices allowed to join (reloaded on change and on SIGHUP); without it anyone may join',
    )
    .option('--no-seal-updates', 'accept update payloads not sealed to the coordinator key (sealing is required by default with --enrol)')
    .option('--tls-cert <file>', 'PEM certificate chain: serve HTTPS/WSS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--insecure', 'listen without TLS on an interface other than loopback')
    .option('--allow-origin <origin...>', 'browser Origins allowed to connect (none by default; Node clients send none)')
    .option('--max-connections <n>', 'socket.io connections open at once', integer(1), 2000)
    .option('--max-connections-per-address <n>', 'connections open at once from one address', integer(1), 1000)
    .option('--handshake-timeout <seconds>', 'drop a connection that has not joined (and proved its key) after this long', positive, 10)
    .option('--message-rate <n>', "each connection's sustained messages per second", positive, 50)
    .option('--message-burst <n>', 'messages a connection may send at once', integer(1), 100)
    .option('--warnings-per-minute <n>', 'log warnings one connection may cause per minute', integer(0), 10)
    .option(
      '--heap-growth <percent>',
      "V8's heap growth factor, in percent over what a full collection left live (0: V8's own estimate, which collects after almost every update of a large model)",
      integer(0, MAX_HEAP_GROWTH_PERCENT),
      COORDINATOR_HEAP_GROWTH_PERCENT,
    )
    .option(
      '--db <path>',
      'SQLite state file (default: DATA_DIR/coordinator.db); an unfinished run in it is resumed when started with the same settings',
    )
    .option(
      '--new-run',
      "end the unfinished run in the data directory, if any, and start a new one; the federation's privacy budget carries over",
    )
    .option('--out <dir>', "where the run's config.json, metrics.jsonl, summary.json and model go (default: DATA_DIR)")
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .option('--json', 'print the run outcome as JSON on stdout')
    .option('--config <file>', "JSON file whose keys mirror these flags (a run's own config.json replays it)")
    .option('--print-config', 'print the effective configuration (defaults, --config file, flags) as JSON and exit');
  return withExitCodes(addDpFlags(addSecureAggregationFlags(addTrainingFlags(addStrategyFlags(command))), { seeded: false })).action(
    async (_opts, command: Command) => {
      const flags = resolveWithConfig<Flags>(command);
      if (printConfig(flags)) return;
      const { RunDirectory } = await import('@cohort/simulations');
      const open = (path: string) => RunDirectory.open(path, { previousRun: 'federation', command: 'cohort coordinator' });
      const dirs: RunDirectory[] = [];
      try {
        // The data directory is locked first: the federation's database and ledger are in it.
        dirs.push(open(flags.dataDir));
        if (flags.out !== undefined && resolve(flags.out) !== resolve(flags.dataDir)) dirs.push(open(flags.out));
        await coordinate(command, flags, dirs.at(-1)!);
      } catch (error) {
        fail(command, error);
      } finally {
        for (const dir of dirs) dir.close();
      }
    },
  );
}

/** The unfinished run in the database, checked against these settings; ended instead with --new-run. */
async function checkUnfinishedRun(command: Command, flags: Flags, dbPath: string, out: RunDirectory): Promise<void> {
  if (!existsSync(dbPath)) return;
  const { CoordinatorError, Store } = await import('@cohort/coordinator');
  const store = new Store(dbPath);
  try {
    const run = store.unfinishedRun();
    if (!run) return;
    const round = store.latestCheckpoint(run.id).round;
    if (flags.newRun) {
      store.finishRun(run.id, 'failed', 'ended by --new-run: a new run took its place');
      process.stderr.write(`cohort coordinator: ended run ${run.id} (unfinished after round ${round}); starting a new run\n`);
      return;
    }
    const stored = run.config['settings'] as Record<string, unknown> | undefined;
    const differences = stored ? settingsDifferences(stored, runSettings(flags), command) : [];
    if (differences.length > 0)
      throw new CoordinatorError(
        'SETTINGS_MISMATCH',
        `${flags.dataDir} holds run ${run.id}, unfinished after round ${round}, started with other settings: ${differences.join('; ')}. ` +
          "Restart with its settings to resume it, or give --new-run to end it and start a new run (the federation's privacy budget carries over).",
      );
    // A resumed run's summary starts from the evaluations it already has.
    out.restoreEvaluations(store.evaluations(run.id), flags.dp !== 'off');
  } finally {
    store.close();
  }
}

async function coordinate(command: Command, flags: Flags, out: RunDirectory): Promise<void> {
  const startedAt = Date.now();
  const dbPath = flags.db ?? join(flags.dataDir, 'coordinator.db');
  await checkUnfinishedRun(command, flags, dbPath, out);
  const [{ Coordinator, resolveDp, resolveStrategy }, { initBackend, initialModel }] = await Promise.all([
    import('@cohort/coordinator'),
    import('@cohort/client'),
  ]);
  const secureAggregation = secureAggregationFrom(flags);
  const strategy = resolveStrategy(strategySettingsFrom(flags), {
    fraction: flags.fraction,
    minClients: flags.minClients,
    seed: flags.seed,
    dp: flags.dp !== 'off',
    secureAggregation: secureAggregation !== undefined,
  });
  const logger = await createLogger('coordinator', flags.logLevel, flags.logFormat);
  const mnist = flags.model.startsWith('mnist');
  const fromSchema = flags.schema ? await schemaShape(flags.schema) : undefined;
  const numFeatures = flags.numFeatures ?? fromSchema?.numFeatures ?? (mnist ? 784 : undefined);
  const numClasses = flags.numClasses ?? fromSchema?.numClasses ?? (mnist ? 10 : undefined);
  if (numFeatures === undefined || numClasses === undefined)
    command.error('--num-features and --num-classes (or --schema) are required for this model.');
  logger.info({ backend: await initBackend() }, 'TensorFlow.js backend for model initialisation');
  const model = await initialModel(flags.model, { numFeatures, numClasses }, flags.seed);
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) command.error('--tls-cert and --tls-key go together.');
  const keyDir = flags.keyDir ?? join(flags.dataDir, 'keys');
  const dp = resolveDp(dpSettingsFrom(flags), { sampleRate: flags.fraction, rounds: flags.rounds, keyDir });
  // Once the modules are loaded: a changed V8 flag turns Node's code cache away from those loaded later.
  setHeapGrowth(flags.heapGrowth);
  logger.info({ heapGrowth: flags.heapGrowth }, `V8 heap growth: ${flags.heapGrowth ? `${flags.heapGrowth} %` : "V8's own estimate"}`);
  const coordinator = new Coordinator({
    host: flags.host,
    port: flags.port,
    keyDir,
    ...optional('secureAggregation', secureAggregation),
    ...optional('enrolPath', flags.enrol),
    ...(flags.sealUpdates === false ? { sealUpdates: false } : {}),
    ...optional('tls', flags.tlsCert && flags.tlsKey ? { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) } : undefined),
    insecure: flags.insecure === true,
    allowedOrigins: flags.allowOrigin ?? [],
    maxConnections: flags.maxConnections,
    maxConnectionsPerAddress: flags.maxConnectionsPerAddress,
    handshakeTimeoutMs: Math.round(flags.handshakeTimeout * 1000),
    messageRate: { perSecond: flags.messageRate, burst: flags.messageBurst },
    warningsPerMinute: flags.warningsPerMinute,
    rounds: flags.rounds,
    minClients: flags.minClients,
    fraction: flags.fraction,
    roundTimeoutMs: flags.roundTimeout * 1000,
    evalEvery: flags.evalEvery,
    strategy,
    fit: { localEpochs: flags.localEpochs, batchSize: flags.batchSize, learningRate: flags.lr, ...trainingFrom(flags) },
    ...serviceFrom(flags),
    seed: flags.seed,
    dbPath,
    model,
    // The run-defining settings are stored with the run: a restart under others is refused, naming them.
    runConfig: { model: flags.model, settings: runSettings(flags) },
    logger,
    ledgerPath: join(flags.dataDir, 'ledger.jsonl'),
    ...optional('dp', dp),
  });
  const stop = () => {
    logger.info('shutting down; the last committed round is kept');
    void coordinator.close();
    // A second signal does not wait for the rounds to wind down.
    process.once('SIGTERM', () => process.exit(EXIT_CODES.interrupted));
    process.once('SIGINT', () => process.exit(EXIT_CODES.interrupted));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('SIGHUP', () => {
    if (coordinator.reloadEnrolment()) logger.info('reloaded the enrolment file');
  });
  const url = await coordinator.start().catch(async (error: unknown) => {
    throw (error as { code?: unknown }).code === 'BUDGET_EXHAUSTED' && dp ? await budgetError(dp, dbPath, flags.rounds) : error;
  });
  out.beginRun(coordinator.runId);
  const { keyDir: _private, ...settings } = effectiveConfig(flags);
  out.writeConfig(settings);
  coordinator.on('round', (report) => out.recordRound(report));
  process.stderr.write(`listening on ${url}\ncoordinator key (clients may pin it with --coordinator-key): ${coordinator.coordinatorKey}\n`);
  const outcome = await coordinator.runRounds();
  // A stopped coordinator is already closed: its last committed model stays in the database.
  if (outcome.status !== 'stopped') coordinator.saveModel(out.modelDir);
  await coordinator.close();
  out.writeSummary(out.summarise(outcome, { model: flags.model, seed: flags.seed, startedAt, dp }));
  const beforeRoundOne = outcome.status === 'budget-exhausted' && outcome.lastRound === 0 && dp;
  const reason = beforeRoundOne ? (await budgetError(dp, dbPath, flags.rounds)).message : outcome.reason;
  if (flags.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  else
    process.stdout.write(
      `${outcome.status}: ${reason}${outcome.finalEvaluation ? `; accuracy ${outcome.finalEvaluation.accuracy.toFixed(4)}` : ''}\n`,
    );
  process.exitCode = exitCodeOfOutcome(outcome.status);
}

/** A budget that cannot fit round 1, and what would fit instead. */
async function budgetError(dp: DpOptions, dbPath: string, rounds: number): Promise<Error> {
  const [{ CoordinatorError }, { budgetAdvice, spentReleases }] = await Promise.all([
    import('@cohort/coordinator'),
    import('../budget-advice'),
  ]);
  return new CoordinatorError('BUDGET_EXHAUSTED', budgetAdvice(dp, spentReleases(dbPath), rounds));
}
