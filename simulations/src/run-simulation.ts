/**
 * A whole federated run on one machine: a real coordinator on loopback, one real socket.io client
 * per virtual party, and training in a pool of worker_threads.
 */
import { EventEmitter, once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import {
  Coordinator,
  resolveDp,
  Store,
  type CoordinatorOptions,
  type DpOptions,
  type DpSettings,
  type EvaluationRecord,
  type RoundReport,
  type SecureAggregationOptions,
  type Strategy,
} from '@cohort/coordinator';
import { createClient, type CohortClient } from '@cohort/client/connection';
import type { ModelDescriptionData } from '@cohort/client/training';
import type { CohortApp } from './app';
import { generateDeviceIdentity } from '@cohort/privacy/identity';
import { decodeTensors, manifestOf, type Compression, type TensorSpec } from '@cohort/protocol';
import { CanaryTrainer, drawCanaries, elementsOf } from './canaries';
import { auditCanaries } from './empirical-audit';
import type { Dataset } from './data/dataset';
import { loadDataset } from './data/load-dataset';
import { SimulationError } from './errors';
import { parsePartition, partition, type PartitionSpec } from './partition/index';
import { createRng, type Rng } from './rng';
import { PII_DATASET_NAMES } from './data/pii/pii-names';
import { PooledTrainer } from './pooled-trainer';
import { RunDirectory, RunDirectoryError, defaultRunPath, type PreviousRun, type RunSummary } from './run-directory';
import { WorkerPool } from './worker-pool';

const CLIENT_DRAIN_MS = 5_000;

export interface SimulationOptions {
  /** 'mnist', 'synthetic', 'synthetic-credit', 'synthetic-health' or 'csv:PATH'. @default 'mnist' */
  dataset?: string;
  /** PII datasets: how much group B's label rule departs from the others' (0 = none). @default 0 */
  groupBias?: number;
  /** Label column of a CSV dataset. */
  label?: string;
  /** A preset (mlp, mnist-2nn, mnist-cnn) or a tfjs model.json. @default mnist-2nn for mnist, else mlp */
  model?: string;
  /** Virtual clients. @default 10 */
  clients?: number;
  /** @default 10 */
  rounds?: number;
  /** 'iid', 'dirichlet:ALPHA' or 'shards:K'. @default 'iid' */
  partition?: string;
  /** Fraction of clients sampled per round. @default 1 */
  fraction?: number;
  /** Fewest updates for a round to count. @default min(2, clients) */
  minClients?: number;
  /** @default 1 */
  localEpochs?: number;
  /** @default 10 */
  batchSize?: number;
  /** SGD learning rate. @default 0.1 */
  lr?: number;
  /** Seeds partition, sampling, initialisation and local shuffling. @default 0 */
  seed?: number;
  /** Federated evaluation every this many rounds; 0 disables. @default 1 */
  evalEvery?: number;
  /** Training threads. @default the number of cores */
  workers?: number;
  /** Secure aggregation (SecAgg+): the coordinator learns only the sum of the clients' updates. @default off */
  secureAggregation?: SecureAggregationOptions | undefined;
  /** Per-round timeout in milliseconds. @default 300000 */
  roundTimeoutMs?: number;
  /** Run directory. @default runs/<timestamp> */
  out?: string;
  /**
   * A previous run in `out`: refuse it, resume it (the same settings; metrics.jsonl gains only the
   * rounds it lacks, the ledger continues), or move it aside to OUT.replaced-TIMESTAMP and start afresh.
   * @default 'refuse'
   */
  previousRun?: Exclude<PreviousRun, 'federation'>;
  /** What config.json records: the settings as the caller states them (the CLI's flags, for `--config`). @default this.config */
  settings?: Record<string, unknown>;
  /** The clients' optimiser (`sgd`, `momentum` with β `momentum`, `adam`) and FedProx's μ. @default plain SGD, μ = 0 */
  training?: Pick<CoordinatorOptions['fit'], 'optimizer' | 'momentum' | 'proximalMu'>;
  /** Updates sent as 8-bit stochastic quantisation (`q8`); not with DP or secure aggregation. @default float32 */
  compression?: Compression;
  /** Serve the coordinator's live dashboard (GET /dashboard), on loopback unless `dashboardPublic`. @default false */
  dashboard?: boolean;
  dashboardPublic?: boolean;
  /** A researcher's app (`cohort simulate --app`): its dataset loader and model builder replace `dataset` and `model`. */
  app?: Pick<CohortApp, 'dataset' | 'model'>;
  /** Differential privacy (`--dp central|local`); with it, clients are Poisson-sampled at rate `fraction`. */
  dp?: DpSettings;
  /**
   * Directory of the ledger-signing key, outside the run directory so that a published run never
   * carries the key that could re-sign its ledger. @default $COHORT_KEY_DIR, else ~/.cohort/keys
   */
  keyDir?: string;
  /**
   * Canary clients for an empirical privacy audit (needs `dp`): each of this many canaries is
   * inserted with probability ½; the run directory gets privacy-audit.json. @default 0
   */
  canaries?: number;
  /**
   * Builds the DP strategy from the resolved DP options instead of the built-in wrappers (a custom
   * mechanism, or a deliberately faulty one to show that the audit catches it). @default built-in
   */
  dpStrategy?: (dp: DpOptions) => Strategy;
  /**
   * Builds the aggregation strategy (without DP; under DP the DP wrapper wraps it, and only its
   * applyDelta is used) from the run's sampling. @default FedAvg
   */
  strategy?: (plan: { fraction: number; minClients: number; seed: number }) => Strategy;
  logger?: Logger;
}

/** summary.json of a simulation: every run's summary (a simulation runs the coordinator in open mode), and the federation it simulated. */
export interface SimulationSummary extends RunSummary {
  dataset: string;
  clients: number;
  partition: string;
  backend: string;
  workers: number;
  /** The empirical audit's headline figures (details in privacy-audit.json), with --canaries. */
  privacy_audit: { canaries: number; epsilon_lower: number; epsilon_estimate: number; verdict: 'pass' | 'fail'; reasons: string[] } | null;
}

interface SimulationEvents {
  started: [
    {
      url: string;
      backend: string;
      runDir: string;
      rounds: number;
      clients: number;
      /** The last committed round of the run resumed, if this run is a resumption. */
      resumedFrom: number | undefined;
      /** Where a previous run's files were moved, if they were. */
      replacedTo: string | undefined;
    },
  ];
  round: [RoundReport];
}

/** Where a run to resume stands: its last committed round and recorded evaluations. */
interface ResumePoint {
  round: number;
  evaluations: EvaluationRecord[];
}

export class Simulation extends EventEmitter<SimulationEvents> {
  readonly config: Required<
    Omit<
      SimulationOptions,
      | 'label'
      | 'logger'
      | 'dp'
      | 'dpStrategy'
      | 'strategy'
      | 'secureAggregation'
      | 'previousRun'
      | 'settings'
      | 'training'
      | 'compression'
      | 'dashboard'
      | 'dashboardPublic'
      | 'app'
    >
  > & {
    label: string | undefined;
    dp: DpSettings;
    secureAggregation: SecureAggregationOptions | undefined;
  };

  /** Set while the run's coordinator is up, so that stop() can end it. */
  private coordinator: Coordinator | undefined;

  constructor(private readonly options: SimulationOptions = {}) {
    super();
    const dataset = options.dataset ?? 'mnist';
    const clients = options.clients ?? 10;
    this.config = {
      dataset,
      label: options.label,
      model: options.model ?? (dataset === 'mnist' ? 'mnist-2nn' : 'mlp'),
      clients,
      rounds: options.rounds ?? 10,
      partition: options.partition ?? 'iid',
      fraction: options.fraction ?? 1,
      minClients: options.minClients ?? Math.min(2, clients),
      localEpochs: options.localEpochs ?? 1,
      batchSize: options.batchSize ?? 10,
      lr: options.lr ?? 0.1,
      seed: options.seed ?? 0,
      evalEvery: options.evalEvery ?? 1,
      workers: options.workers ?? availableParallelism(),
      roundTimeoutMs: options.roundTimeoutMs ?? 300_000,
      out: options.out ?? defaultRunPath(),
      dp: options.dp ?? { mode: 'off' },
      groupBias: options.groupBias ?? 0,
      keyDir: options.keyDir ?? process.env['COHORT_KEY_DIR'] ?? join(homedir(), '.cohort', 'keys'),
      canaries: options.canaries ?? 0,
      secureAggregation: options.secureAggregation,
    };
    if (!Number.isInteger(clients) || clients < 1)
      throw new SimulationError('INVALID_OPTION', `clients must be an integer of at least 1, got ${clients}.`);
    const { canaries } = this.config;
    if (!Number.isInteger(canaries) || canaries < 0)
      throw new SimulationError('INVALID_OPTION', `canaries must be an integer of at least 0, got ${canaries}.`);
    if (canaries > 0 && (this.config.dp.mode ?? 'off') === 'off') {
      throw new SimulationError(
        'INVALID_OPTION',
        'canaries audit a differentially private run: give --dp central or --dp local with them.',
      );
    }
    if (!Number.isInteger(this.config.workers) || this.config.workers < 1) {
      throw new SimulationError('INVALID_OPTION', `workers must be an integer of at least 1, got ${this.config.workers}.`);
    }
    if (canaries > 0 && options.previousRun === 'resume')
      throw new SimulationError(
        'INVALID_OPTION',
        "a canary audit cannot be resumed: the canaries' secret coin flips are not kept. Start afresh (--force) or audit another run.",
      );
  }

  /**
   * Stops the rounds, abandoning the one in progress: the committed rounds stay, summary.json says
   * 'stopped', and the run can be resumed (previousRun 'resume'). False when there was nothing to stop yet.
   */
  stop(): boolean {
    if (!this.coordinator) return false;
    void this.coordinator.close();
    return true;
  }

  /** The unfinished run in the directory's database, when resuming; refuses when the run there has ended. */
  private resumePoint(dir: RunDirectory): ResumePoint | undefined {
    if (this.options.previousRun !== 'resume') return undefined;
    if (!existsSync(dir.dbPath)) {
      // Records of a run without its database: resuming would start a new run over them.
      if (['run.json', 'metrics.jsonl', 'ledger.jsonl'].some((name) => existsSync(join(dir.path, name))))
        throw new RunDirectoryError(
          'NOTHING_TO_RESUME',
          `${dir.path} holds a run's records but not its database (coordinator.db): it cannot be resumed; give --force to move it aside and start afresh.`,
        );
      return undefined;
    }
    const store = new Store(dir.dbPath);
    try {
      const run = store.unfinishedRun();
      if (!run) {
        if (store.runCount() === 0) return undefined;
        throw new RunDirectoryError(
          'NOTHING_TO_RESUME',
          `the run in ${dir.path} has ended, there is nothing to resume: give --force to start afresh, or another --out.`,
        );
      }
      return { round: store.latestCheckpoint(run.id).round, evaluations: store.evaluations(run.id) };
    } finally {
      store.close();
    }
  }

  /** Loads the dataset and deals it out: PII datasets go through each device's own pipeline. */
  private async federate(spec: PartitionSpec, rng: Rng): Promise<{ dataset: Dataset; trainParts: Int32Array[]; evalParts: Int32Array[] }> {
    const { config } = this;
    const app = this.options.app;
    if (app?.dataset) {
      const dataset = await app.dataset(config.seed);
      return {
        dataset,
        trainParts: partition(dataset.train.y, config.clients, spec, rng.fork('train')),
        evalParts: partition(dataset.test.y, config.clients, { kind: 'iid' }, rng.fork('evaluation')),
      };
    }
    if ((PII_DATASET_NAMES as readonly string[]).includes(config.dataset)) {
      // Loaded only for these datasets: the generators bring faker, the devices' pipeline zod and the masking code.
      const { preparePiiFederation } = await import('./data/pii/federated-pii');
      return preparePiiFederation(config.dataset, {
        seed: config.seed,
        clients: config.clients,
        partition: spec,
        rng: rng.fork('pii'),
        groupBias: config.groupBias,
      });
    }
    const dataset = await loadDataset(config.dataset, { seed: config.seed, label: config.label });
    return {
      dataset,
      trainParts: partition(dataset.train.y, config.clients, spec, rng.fork('train')),
      evalParts: partition(dataset.test.y, config.clients, { kind: 'iid' }, rng.fork('evaluation')),
    };
  }

  /** Every model of the run, round 0 first, flattened: what the canaries are scored against. */
  private models(dbPath: string, runId: string, specs: readonly TensorSpec[]): Float64Array[] {
    const store = new Store(dbPath);
    try {
      const bounds = { maxBytes: Number.MAX_SAFE_INTEGER, maxTensors: specs.length, expected: specs };
      return [...store.checkpoints(runId)].map((c) => {
        const tensors = decodeTensors(manifestOf(specs), c.payload, bounds);
        const flat = new Float64Array(elementsOf(specs));
        let offset = 0;
        for (const t of tensors) {
          flat.set(t.data as Float32Array, offset);
          offset += t.data.length;
        }
        return flat;
      });
    } finally {
      store.close();
    }
  }

  /**
   * The model of round 0, seeded: a preset or model.json (`model`) is built by a worker, so that this
   * thread never loads TensorFlow.js; an app's model is built here, where its code runs.
   */
  private async initialModel(dataset: Dataset, pool: WorkerPool): Promise<ModelDescriptionData> {
    const shape = { numFeatures: dataset.numFeatures, numClasses: dataset.numClasses };
    const build = this.options.app?.model;
    if (!build) return pool.describe(this.config.model, shape, this.config.seed);
    const { describeModel, initBackend } = await import('@cohort/client/training');
    await initBackend();
    const model = await build({ ...shape, inputShape: dataset.inputShape }, this.config.seed);
    try {
      return describeModel(model, dataset.numClasses);
    } finally {
      model.dispose();
    }
  }

  async run(): Promise<SimulationSummary> {
    const spec = parsePartition(this.config.partition);
    const dir = RunDirectory.open(this.config.out, { previousRun: this.options.previousRun ?? 'refuse', command: 'cohort simulate' });
    try {
      return await this.runIn(dir, spec);
    } finally {
      dir.close();
    }
  }

  private async runIn(dir: RunDirectory, spec: PartitionSpec): Promise<SimulationSummary> {
    const started = Date.now();
    const { config } = this;
    const log = this.options.logger ?? pino({ name: 'simulate', level: 'warn' }, pino.destination(2));
    const resumed = this.resumePoint(dir);
    if (resumed) dir.restoreEvaluations(resumed.evaluations, (this.config.dp.mode ?? 'off') !== 'off');
    const rng = createRng(config.seed);
    const { dataset, trainParts, evalParts } = await this.federate(spec, rng);
    const dp = resolveDp(config.dp, { sampleRate: config.fraction, rounds: config.rounds, keyDir: config.keyDir });
    const { keyDir: _keyDir, ...recorded } = config;
    // The settings, then what they resolved to: `--config` reads the first back and passes over the second.
    dir.writeConfig({
      ...(this.options.settings ?? recorded),
      dpResolved: dp ? { ...dp, keyDir: undefined } : null,
      numFeatures: dataset.numFeatures,
      numClasses: dataset.numClasses,
      trainExamples: dataset.train.count,
      testExamples: dataset.test.count,
    });

    const pool = new WorkerPool(config.workers, {
      numFeatures: dataset.numFeatures,
      train: dataset.train,
      test: dataset.test,
      trainParts,
      evalParts,
      ...(dataset.groupNames ? { groupNames: dataset.groupNames } : {}),
    });
    let model: ModelDescriptionData;
    try {
      model = await this.initialModel(dataset, pool);
    } catch (error) {
      await pool.close();
      throw error;
    }
    const coordinator = new Coordinator({
      rounds: config.rounds,
      minClients: config.minClients,
      fraction: config.fraction,
      roundTimeoutMs: config.roundTimeoutMs,
      evalEvery: config.evalEvery,
      fit: { localEpochs: config.localEpochs, batchSize: config.batchSize, learningRate: config.lr, ...this.options.training },
      ...(this.options.compression ? { compression: this.options.compression } : {}),
      ...(this.options.dashboard ? { dashboard: true } : {}),
      ...(this.options.dashboardPublic ? { dashboardPublic: true } : {}),
      seed: config.seed,
      dbPath: dir.dbPath,
      model,
      runConfig: { dataset: config.dataset, partition: config.partition, clients: config.clients },
      ledgerPath: dir.ledgerPath,
      // Every virtual client (and canary) connects from loopback: the per-address limit must admit them all.
      maxConnections: Math.max(2_000, config.clients + config.canaries + 16),
      maxConnectionsPerAddress: Math.max(1_000, config.clients + config.canaries + 16),
      ...(dp ? { dp } : {}),
      ...(config.secureAggregation ? { secureAggregation: config.secureAggregation } : {}),
      ...(dp && this.options.dpStrategy ? { dpStrategy: this.options.dpStrategy(dp) } : {}),
      ...(this.options.strategy
        ? { strategy: this.options.strategy({ fraction: config.fraction, minClients: config.minClients, seed: config.seed }) }
        : {}),
      logger: log.child({ component: 'coordinator' }),
      ownClients: true,
    });
    let clients: CohortClient[] = [];
    this.coordinator = coordinator;
    try {
      const [backend, url] = await Promise.all([pool.ready, coordinator.start()]);
      dir.beginRun(coordinator.runId);
      this.emit('started', {
        url,
        backend,
        runDir: dir.path,
        rounds: config.rounds,
        clients: config.clients,
        resumedFrom: resumed?.round,
        replacedTo: dir.replacedTo,
      });
      coordinator.on('round', (report) => {
        dir.recordRound(report);
        this.emit('round', report);
      });
      clients = Array.from({ length: config.clients }, (_, i) =>
        createClient({
          serverUrl: url,
          // Each simulated party has its own device key, so its answers are signed as a real device's.
          identity: generateDeviceIdentity(clientName(i, config.clients)),
          trainer: new PooledTrainer(pool, i),
          logger: log.child({ component: 'client', client: i }),
          // A seeded DP simulation is reproducible by request, and labelled not private everywhere.
          allowSeededNoise: config.dp.seed !== undefined,
        }),
      );
      const canaries = drawCanaries(config.canaries, elementsOf(coordinator.weightSpecs));
      clients.push(
        ...canaries
          .filter((c) => c.inserted)
          .map((canary) =>
            createClient({
              serverUrl: url,
              clientId: `canary-${canary.index}`,
              trainer: new CanaryTrainer(canary),
              logger: log.child({ component: 'client', canary: canary.index }),
              allowSeededNoise: config.dp.seed !== undefined,
            }),
          ),
      );
      // Every party is registered before round 1, so early cohorts are drawn from the whole population.
      await Promise.all(clients.map((c) => (c.ready ? undefined : once(c, 'ready'))));
      const outcome = await coordinator.runRounds();
      const audit =
        outcome.status !== 'stopped' && dp && canaries.length > 0 && outcome.privacy
          ? auditCanaries(canaries, this.models(dir.dbPath, outcome.runId, coordinator.weightSpecs), {
              delta: dp.delta,
              accountant: outcome.privacy,
            })
          : undefined;
      if (audit) dir.writePrivacyAudit(audit);
      // Let the clients take in the coordinator's last acknowledgements and its run:end (a stopped run sends none).
      if (outcome.status !== 'stopped')
        await Promise.race([Promise.allSettled(clients.map((c) => c.finished)), delay(CLIENT_DRAIN_MS, undefined, { ref: false })]);
      // A stopped coordinator is closed; its committed model is kept in the database, for the resumed run.
      if (outcome.status !== 'stopped') coordinator.saveModel(dir.modelDir);
      const summary: SimulationSummary = {
        ...dir.summarise(outcome, { model: config.model, seed: config.seed, startedAt: started, dp }),
        dataset: config.dataset,
        clients: config.clients,
        partition: config.partition,
        backend,
        workers: config.workers,
        privacy_audit: audit
          ? {
              canaries: audit.canaries,
              epsilon_lower: audit.lowerBound.epsilon,
              epsilon_estimate: audit.estimate.epsilon,
              verdict: audit.verdict,
              reasons: audit.reasons,
            }
          : null,
      };
      dir.writeSummary(summary);
      return summary;
    } finally {
      this.coordinator = undefined;
      await Promise.all(clients.map((c) => c.close()));
      await coordinator.close();
      await pool.close();
    }
  }
}

export function runSimulation(options: SimulationOptions = {}): Promise<SimulationSummary> {
  return new Simulation(options).run();
}

function clientName(index: number, total: number): string {
  return `sim-${String(index).padStart(String(total - 1).length, '0')}`;
}

export type { Dataset };
