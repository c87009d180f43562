import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { StrategySettings } from '@cohort/coordinator';
import { addStrategyFlags } from '../strategy-flags';
import { addSecureAggregationFlags, secureAggregationFrom, type SecureAggregationFlags } from '../secure-aggregation-flags';
import { addDpFlags, dpSettingsFrom, type DpFlags } from '../dp-flags';
import { fraction, integer, positive, resolveWithConfig } from '../options';

async function schemaShape(path: string): Promise<{ numFeatures: number; numClasses: number }> {
  const { featureWidth, loadSchema } = await import('@cohort/client');
  const schema = await loadSchema(path);
  const label = schema.columns.find((c) => c.role === 'label');
  return { numFeatures: featureWidth(schema), numClasses: label?.classes?.length ?? 2 };
}

interface Flags extends DpFlags, StrategySettings, SecureAggregationFlags {
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
    .option('--db <path>', 'SQLite state file (default: DATA_DIR/coordinator.db); an unfinished run in it is resumed')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .option('--json', 'print the run outcome as JSON on stdout')
    .option('--config <file>', 'JSON file whose keys mirror these flags');
  return addDpFlags(addSecureAggregationFlags(addStrategyFlags(command)), { seeded: false }).action(async (_opts, command: Command) => {
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
    if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) command.error('--tls-cert and --tls-key go together.');
    const keyDir = flags.keyDir ?? join(flags.dataDir, 'keys');
    const coordinator = new Coordinator({
      host: flags.host,
      port: flags.port,
      keyDir,
      ...optional('secureAggregation', secureAggregationFrom(flags)),
      ...optional('enrolPath', flags.enrol),
      ...(flags.sealUpdates === false ? { sealUpdates: false } : {}),
      ...optional(
        'tls',
        flags.tlsCert && flags.tlsKey ? { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) } : undefined,
      ),
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
          keyDir,
        }),
      ),
    });
    const stop = () => {
      logger.info('shutting down; the last committed round is kept');
      void coordinator.close().then(() => process.exit(130));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', () => {
      if (coordinator.reloadEnrolment()) logger.info('reloaded the enrolment file');
    });
    const url = await coordinator.start();
    process.stderr.write(
      `listening on ${url}\ncoordinator key (clients may pin it with --coordinator-key): ${coordinator.coordinatorKey}\n`,
    );
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
