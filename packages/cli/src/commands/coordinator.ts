import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { StrategySettings } from '@cohort/coordinator';
import { addStrategyFlags } from '../strategy-flags';
import { addDpFlags, dpSettingsFrom, type DpFlags } from '../dp-flags';
import { fraction, integer, positive, resolveWithConfig } from '../options';

async function schemaShape(path: string): Promise<{ numFeatures: number; numClasses: number }> {
  const { featureWidth, loadSchema } = await import('@cohort/client');
  const schema = await loadSchema(path);
  const label = schema.columns.find((c) => c.role === 'label');
  return { numFeatures: featureWidth(schema), numClasses: label?.classes?.length ?? 2 };
}

interface Flags extends DpFlags, StrategySettings {
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
  db?: string;
  keyDir?: string;
  logLevel: string;
  json?: boolean;
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
    .option('--key-dir <dir>', 'private directory of the ledger-signing key (default: DATA_DIR/keys; never where the ledger is published)')
    .option('--db <path>', 'SQLite state file (default: DATA_DIR/coordinator.db); an unfinished run in it is resumed')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .option('--json', 'print the run outcome as JSON on stdout')
    .option('--config <file>', 'JSON file whose keys mirror these flags');
  return addDpFlags(addStrategyFlags(command), { seeded: false }).action(async (_opts, command: Command) => {
    const flags = resolveWithConfig<Flags>(command);
    const [{ pino }, { Coordinator, resolveDp, resolveStrategy }, { initBackend, initialModel }] = await Promise.all([
      import('pino'),
      import('@cohort/coordinator'),
      import('@cohort/client'),
    ]);
    const strategy = resolveStrategy(flags, {
      fraction: flags.fraction,
      minClients: flags.minClients,
      seed: flags.seed,
      dp: flags.dp !== 'off',
    });
    const logger = pino({ name: 'coordinator', level: flags.logLevel }, pino.destination(2));
    const mnist = flags.model.startsWith('mnist');
    const fromSchema = flags.schema ? await schemaShape(flags.schema) : undefined;
    const numFeatures = flags.numFeatures ?? fromSchema?.numFeatures ?? (mnist ? 784 : undefined);
    const numClasses = flags.numClasses ?? fromSchema?.numClasses ?? (mnist ? 10 : undefined);
    if (numFeatures === undefined || numClasses === undefined)
      command.error('--num-features and --num-classes (or --schema) are required for this model.');
    logger.info({ backend: await initBackend() }, 'TensorFlow.js backend for model initialisation');
    const model = await initialModel(flags.model, { numFeatures, numClasses }, flags.seed);
    const coordinator = new Coordinator({
      host: flags.host,
      port: flags.port,
      rounds: flags.rounds,
      minClients: flags.minClients,
      fraction: flags.fraction,
      roundTimeoutMs: flags.roundTimeout * 1000,
      evalEvery: flags.evalEvery,
      strategy,
      fit: { localEpochs: flags.localEpochs, batchSize: flags.batchSize, learningRate: flags.lr },
      seed: flags.seed,
      dbPath: flags.db ?? join(flags.dataDir, 'coordinator.db'),
      model,
      runConfig: { model: flags.model },
      logger,
      ledgerPath: join(flags.dataDir, 'ledger.jsonl'),
      ...optional(
        'dp',
        resolveDp(dpSettingsFrom(flags), {
          sampleRate: flags.fraction,
          rounds: flags.rounds,
          keyDir: flags.keyDir ?? join(flags.dataDir, 'keys'),
        }),
      ),
    });
    const stop = () => {
      logger.info('shutting down; the last committed round is kept');
      void coordinator.close().then(() => process.exit(130));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const url = await coordinator.start();
    process.stderr.write(`listening on ${url}\n`);
    const outcome = await coordinator.runRounds();
    coordinator.saveModel(join(flags.dataDir, 'model'));
    await coordinator.close();
    if (flags.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    else
      process.stdout.write(
        `${outcome.status}: ${outcome.reason}${outcome.finalEvaluation ? `; accuracy ${outcome.finalEvaluation.accuracy.toFixed(4)}` : ''}\n`,
      );
    if (outcome.status === 'failed' || outcome.status === 'stopped') process.exitCode = 1;
  });
}
