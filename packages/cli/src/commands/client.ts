import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { BackendName } from '@cohort/client';
import { fraction, integer, resolveWithConfig } from '../options';

interface Flags {
  server: string;
  data: string;
  label: string;
  classes?: string;
  id?: string;
  dataDir: string;
  evalFraction: number;
  seed: number;
  backend?: BackendName;
  logLevel: string;
}

export function clientCommand(): Command {
  return new Command('client')
    .description('join a coordinator and train on a local CSV file; only weight updates leave this machine')
    .requiredOption('--server <url>', 'coordinator URL, e.g. http://127.0.0.1:8080')
    .requiredOption('--data <file.csv>', 'local training data')
    .requiredOption('--label <column>', 'label column')
    .option('--classes <list>', 'comma-separated class names, in the order every client uses')
    .option('--id <id>', 'client identity (default: one created on first start, kept in DATA_DIR/client-id)')
    .option('--data-dir <dir>', 'directory for this client\'s identity', '.cohort-client')
    .option('--eval-fraction <f>', 'share of local rows held out for federated evaluation', fraction, 0.2)
    .option('--seed <n>', 'seed of the held-out split', integer(0), 0)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (default: the fastest available)').choices(['tensorflow', 'wasm', 'cpu']))
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .option('--config <file>', 'JSON file whose keys mirror these flags')
    .action(async (_opts, command: Command) => {
      const flags = resolveWithConfig<Flags>(command);
      const [{ pino }, { LocalTrainer, createClient, holdOut, initBackend, loadCsvTable }] = await Promise.all([import('pino'), import('@cohort/client')]);
      const logger = pino({ name: 'client', level: flags.logLevel }, pino.destination(2));
      const backend = await initBackend(flags.backend);
      logger.info({ backend }, `TensorFlow.js backend: ${backend}`);
      const table = await loadCsvTable(flags.data, { label: flags.label, ...(flags.classes ? { classes: flags.classes.split(',') } : {}) });
      const { train, evaluation } = holdOut(table, flags.evalFraction, flags.seed);
      logger.info({ train: train.count, evaluation: evaluation.count, features: table.numFeatures }, `loaded ${table.count} rows from ${flags.data}`);
      const client = createClient({ serverUrl: flags.server, clientId: flags.id ?? persistentId(flags.dataDir), trainer: new LocalTrainer({ train, evaluation }), logger });
      const stop = () => {
        logger.info('shutting down after the round in progress');
        void client.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const reason = await client.finished;
      logger.info(`done: ${reason}`);
      process.exit(0);
    });
}

function persistentId(dir: string): string {
  const file = join(dir, 'client-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const id = `client-${randomUUID()}`;
  writeFileSync(file, `${id}\n`);
  return id;
}
