import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import type { BackendName, Examples } from '@cohort/client';
import {
  DEVICE_SECRET_FILE,
  generateDeviceIdentity,
  readDeviceIdentity,
  writeDeviceIdentity,
  type DeviceIdentity,
} from '@cohort/privacy/identity';
import { createLogger, logFormatOption, type LogFormat } from '../logging';
import { fraction, integer, positive, resolveWithConfig } from '../options';

interface Flags {
  server: string;
  data: string;
  label?: string;
  schema?: string;
  policy?: string;
  maskKey?: string;
  classes?: string;
  id?: string;
  identity?: string;
  coordinatorKey?: string;
  ca?: string;
  insecure?: boolean;
  secureAggregation?: boolean;
  dataDir: string;
  evalFraction: number;
  seed: number;
  maxConnectAttempts: number;
  backend?: BackendName;
  logLevel: string;
  logFormat?: LogFormat;
  budgetEpsilon?: number;
  delta: number;
  privacyState?: string;
}

export function clientCommand(): Command {
  return new Command('client')
    .description('join a coordinator and train on a local CSV file; only weight updates leave this machine')
    .addHelpText(
      'after',
      `
Privacy budget (local DP): with --budget-epsilon, this client accounts every update it sends under
local DP itself (RDP, no amplification by sampling, noise multiplier = noise std / clip) and records
it in --privacy-state before the update leaves, so it need not trust the coordinator's count. A fit
round that would exceed the budget, or whose update would leave without local noise (no DP or
central DP), is refused and reported to the coordinator; evaluation rounds go on. The state file
survives restarts; a corrupt one stops the client rather than starting again from zero. Rounds
asking for seeded (reproducible, hence not private) noise are always refused.

The client reconnects with backoff when the connection drops, and exits when the run ends:
  0  the run finished (or the client was stopped with SIGTERM/SIGINT)
  1  the run ended for another reason
  2  refused by the coordinator (protocol version, unknown or revoked key, client id in use,
     connection limits), disconnected by it, its TLS certificate or key cannot be trusted, or
     this client's data does not fit the model (number of features or classes)
  3  the run failed
  4  the coordinator's privacy budget is exhausted
  5  the coordinator could not be reached (--max-connect-attempts tries in a row)
Every non-zero exit prints one line saying why on stderr.`,
    )
    .requiredOption('--server <url>', 'coordinator URL: https://host:port (http:// only on loopback, or with --insecure)')
    .requiredOption('--data <file>', 'local training data: CSV, or JSON lines with --schema')
    .option('--label <column>', 'label column of a plain numeric CSV (without --schema)')
    .option('--schema <schema.json>', 'column types and roles: the data then goes through validate → clean → mask → encode on this device')
    .option('--policy <policy.json>', 'masking policy applied before encoding (required with --schema)')
    .option('--mask-key <file>', 'device-local masking key (created on first use; default DATA_DIR/mask.key)')
    .option('--classes <list>', 'comma-separated class names, in the order every client uses')
    .option('--id <id>', "client id (default: the identity's; a new identity takes this id)")
    .option('--identity <dir>', 'device identity from cohort keygen (default: DATA_DIR/identity, made on first start)')
    .option('--coordinator-key <base64>', "the coordinator's X25519 key to insist on (printed by cohort coordinator at start)")
    .option('--ca <file>', "PEM CA certificate the coordinator's TLS certificate must chain to")
    .option('--insecure', 'allow plain http:// to a host other than loopback (updates then cross the network unencrypted)')
    .option('--secure-aggregation', 'send updates only in securely aggregated rounds (others are refused)')
    .option('--data-dir <dir>', "directory for this client's identity and privacy budget state", '.cohort-client')
    .option('--eval-fraction <f>', 'share of local rows held out for federated evaluation', fraction, 0.2)
    .option('--seed <n>', 'seed of the held-out split', integer(0), 0)
    .option('--max-connect-attempts <n>', 'give up after this many failed connection attempts in a row (exit 5)', integer(1), 20)
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend (default: the fastest available)').choices(['tensorflow', 'wasm', 'cpu']),
    )
    .option('--budget-epsilon <eps>', "this client's own ε budget under local DP: refuse to send updates beyond it", positive)
    .option('--delta <d>', "δ at which the client's ε is computed", fraction, 1e-5)
    .option('--privacy-state <file>', 'file recording the ε this client has spent (default DATA_DIR/privacy-budget.json)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .addOption(logFormatOption())
    .option('--config <file>', 'JSON file whose keys mirror these flags')
    .action(async (_opts, command: Command) => {
      const flags = resolveWithConfig<Flags>(command);
      await lockDataDir(flags.dataDir);
      const [logger, { LocalTrainer, createClient, holdOut, initBackend }] = await Promise.all([
        createLogger('client', flags.logLevel, flags.logFormat),
        import('@cohort/client'),
      ]);
      const backend = await initBackend(flags.backend);
      logger.info({ backend }, `TensorFlow.js backend: ${backend}`);
      const table = flags.schema ? await maskedExamples(flags, logger) : await plainExamples(flags, command);
      const { train, evaluation } = holdOut(table, flags.evalFraction, flags.seed);
      logger.info(
        { train: train.count, evaluation: evaluation.count, features: table.numFeatures },
        `loaded ${table.count} rows from ${flags.data}`,
      );
      if (flags.budgetEpsilon === undefined && flags.privacyState !== undefined) command.error('--privacy-state needs --budget-epsilon.');
      const privacyBudget =
        flags.budgetEpsilon === undefined
          ? undefined
          : {
              epsilon: flags.budgetEpsilon,
              delta: flags.delta,
              statePath: flags.privacyState ?? join(flags.dataDir, 'privacy-budget.json'),
            };
      const identity = deviceIdentity(flags, command);
      const client = createClient({
        serverUrl: flags.server,
        identity,
        ...(flags.coordinatorKey ? { coordinatorKey: flags.coordinatorKey } : {}),
        ...(flags.ca ? { ca: readFileSync(flags.ca, 'utf8') } : {}),
        ...(flags.insecure ? { insecure: true } : {}),
        ...(flags.secureAggregation ? { requireSecureAggregation: true } : {}),
        trainer: new LocalTrainer({ train, evaluation }),
        maxConnectAttempts: flags.maxConnectAttempts,
        logger,
        ...(privacyBudget ? { privacyBudget } : {}),
      });
      const taken = { fit: 0, evaluate: 0 };
      client.on('round', (done) => {
        if (done.accepted) taken[done.task]++;
        const loss = done.loss === undefined ? '' : `, loss ${done.loss.toFixed(4)}`;
        const time = done.durationMs === undefined ? '' : `, ${(done.durationMs / 1000).toFixed(1)} s`;
        const what = done.task === 'fit' ? 'trained on' : 'evaluated';
        const verdict = done.accepted ? '' : ` — refused by the coordinator (${done.rejection?.code}): ${done.rejection?.message}`;
        logger[done.accepted ? 'info' : 'warn'](
          { ...done },
          `round ${done.round}: ${what} ${done.numExamples ?? '?'} examples${loss}${time}${verdict}`,
        );
      });
      const stop = () => {
        logger.info('shutting down after the round in progress');
        void client.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      let reason: string;
      try {
        reason = await client.finished;
      } catch (error) {
        // Refused at the handshake (version, identity, connection limits, data that does not fit the
        // model), disconnected by the coordinator, or never reached.
        process.stderr.write(`cohort client: ${(error as Error).message}\n`);
        process.exit((error as { code?: string }).code === 'UNREACHABLE' ? EXIT.unreachable : EXIT.refused);
      }
      const ending = runEnding(reason);
      logger.info(
        `done: ${reason}; this client trained in ${taken.fit} round${taken.fit === 1 ? '' : 's'} and answered ${taken.evaluate} evaluation round${taken.evaluate === 1 ? '' : 's'}`,
      );
      if (ending.code !== EXIT.finished) process.stderr.write(`cohort client: ${ending.line}\n`);
      process.exit(ending.code);
    });
}

/** Exit codes of `cohort client`, by how its run ended. */
export const EXIT = { finished: 0, other: 1, refused: 2, failed: 3, budgetExhausted: 4, unreachable: 5 } as const;

/**
 * The exit code and one-line reason for a run:end reason. The coordinator's reasons start with
 * 'completed N rounds', 'round N failed …' or 'privacy budget exhausted …'; 'closed' is this client
 * stopping by itself (SIGTERM, SIGINT).
 */
export function runEnding(reason: string): { code: number; line: string } {
  if (/^completed \d+ rounds/.test(reason) || reason === 'closed') return { code: EXIT.finished, line: reason };
  if (/^round \d+ failed/.test(reason)) return { code: EXIT.failed, line: `the run failed: ${reason}` };
  if (reason.startsWith('privacy budget exhausted'))
    return { code: EXIT.budgetExhausted, line: `the run ended early, the coordinator's privacy budget is exhausted: ${reason}` };
  return { code: EXIT.other, line: `the run ended: ${reason}` };
}

async function plainExamples(flags: Flags, command: Command): Promise<Examples> {
  if (!flags.label) command.error('--label is required without --schema.');
  const { loadCsvTable } = await import('@cohort/client');
  return loadCsvTable(flags.data, { label: flags.label, ...(flags.classes ? { classes: flags.classes.split(',') } : {}) });
}

/** Records go through the on-device pipeline; only encoded features of masked records leave it. */
async function maskedExamples(flags: Flags, logger: Logger): Promise<Examples> {
  const [{ loadSchema, runPipeline }, { maskRecords, parseMaskingPolicy, readOrCreateMaskingKey }] = await Promise.all([
    import('@cohort/client'),
    import('@cohort/privacy'),
  ]);
  if (!flags.policy) throw new Error('--policy is required with --schema: records are masked before they are encoded.');
  const schema = await loadSchema(flags.schema!);
  const policy = parseMaskingPolicy(JSON.parse(readFileSync(flags.policy, 'utf8')));
  const secretKey = readOrCreateMaskingKey(flags.maskKey ?? join(flags.dataDir, 'mask.key'));
  try {
    const result = await runPipeline({ path: flags.data }, schema, {
      mask: (records) => maskRecords(records, policy, { secretKey }),
      seed: flags.seed,
    });
    logger.info({ masking: result.report }, 'records validated, cleaned, masked and encoded on this device');
    return { ...result.examples, groups: result.groups, groupNames: result.groupNames };
  } finally {
    secretKey.fill(0);
  }
}

/**
 * One client per data directory: two clients sharing one would be one device (one identity, one
 * privacy budget), the second taking over the first's connection.
 */
async function lockDataDir(dir: string): Promise<void> {
  const { DirectoryLock, DirectoryInUseError } = await import('@cohort/simulations/directory-lock');
  mkdirSync(dir, { recursive: true });
  try {
    DirectoryLock.acquire(dir, 'cohort client');
  } catch (error) {
    if (!(error instanceof DirectoryInUseError)) throw error;
    throw new DirectoryInUseError(`${error.message} Give each client on this machine its own --data-dir.`);
  }
}

/**
 * The device identity: --identity DIR, or DATA_DIR/identity made on first start (taking --id, or the
 * id an older client kept in DATA_DIR/client-id, or one derived from the key).
 */
function deviceIdentity(flags: Flags, command: Command): DeviceIdentity {
  const dir = flags.identity ?? join(flags.dataDir, 'identity');
  if (!flags.identity && !existsSync(join(dir, DEVICE_SECRET_FILE))) {
    const legacy = join(flags.dataDir, 'client-id');
    const id = flags.id ?? (existsSync(legacy) ? readFileSync(legacy, 'utf8').trim() : undefined);
    writeDeviceIdentity(dir, generateDeviceIdentity(id));
  }
  const identity = readDeviceIdentity(dir);
  if (flags.id !== undefined && flags.id !== identity.id)
    command.error(`the identity in ${dir} is client ${identity.id}, not ${flags.id}: drop --id, or use another --identity or --data-dir.`);
  return identity;
}
