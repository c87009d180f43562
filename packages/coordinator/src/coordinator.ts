/**
 * The coordinator: opens the federation's state, guards its privacy budget, listens for clients and
 * runs the remaining rounds through the round engine. A restart on the same database resumes after
 * the last committed round.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { PROTOCOL_VERSION, encodeTensors, specsOf, type TensorSpec } from '@cohort/protocol';
import { withDifferentialPrivacy } from './dp/dp-settings';
import { assertDatabaseBesideLedger, assertPrivateFederation, assertResumeSettings, recordedDp } from './dp/federation-guard';
import { LedgerExport } from './dp/ledger-export';
import { PrivacyBudget } from './dp/privacy-budget';
import { CoordinatorError } from './errors';
import { createDashboard, type Dashboard } from './dashboard/dashboard';
import { GlobalModel, sha256 } from './global-model';
import { writeLayersModel } from './model-files';
import { resolveOptions, type CoordinatorOptions, type ResolvedOptions, type RunSecurity } from './options';
import { RoundEngine, type EngineEvents } from './round-engine';
import type { RoundReport, RunOutcome } from './round-report';
import { Store, type RunRecord } from './store/store';
import { DistributedDp } from './dp/distributed-dp';
import { FedAvg } from './strategy/fed-avg';
import { ServerOptimiser } from './strategy/server-optimiser';
import type { Strategy } from './strategy/strategy';
import { SocketTransport } from './transport/socket-transport';
import { DeviceAuth } from './trust/device-auth';
import { Enrolment } from './trust/enrolment';
import { generateBoxKeyPair, readOrCreateBoxKeyPair } from '@cohort/privacy/identity';
import type { Transport } from './transport/transport';

interface CoordinatorEvents {
  round: [RoundReport];
  stage: EngineEvents['stage'];
  listening: [{ url: string }];
}

/** What exists only between start() and close(). */
interface Started {
  store: Store;
  run: RunRecord;
  model: GlobalModel;
  engine: RoundEngine;
  enrolment: Enrolment | undefined;
  auth: DeviceAuth;
  /** The rounds in progress, if runRounds was called. */
  running?: Promise<RunOutcome>;
}

export class Coordinator extends EventEmitter<CoordinatorEvents> {
  readonly options: ResolvedOptions;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly strategy: Strategy;
  private readonly transport: Transport;
  private readonly dashboard: Dashboard | undefined;
  private started: Started | undefined;

  constructor(options: CoordinatorOptions) {
    super();
    this.options = resolveOptions(options);
    this.log = options.logger ?? pino({ name: 'coordinator' }, pino.destination(2));
    const inner =
      options.strategy ?? new FedAvg({ fraction: this.options.fraction, minFitClients: this.options.minClients, seed: this.options.seed });
    const { dp, dpStrategy } = this.options;
    this.strategy = dp
      ? (dpStrategy ?? withDifferentialPrivacy(inner, dp, this.log, { min: this.options.minClients, max: this.options.maxConnections }))
      : inner;
    // Under secure aggregation the strategy sees one result, the contributors' mean: FedAvg, or a server
    // optimiser stepping on that mean, with no wrapper but distributed DP's.
    const meanBased = inner instanceof FedAvg || inner instanceof ServerOptimiser;
    if (this.options.secureAggregation && !(meanBased && (this.strategy === inner || this.strategy instanceof DistributedDp)))
      throw new CoordinatorError(
        'INVALID_OPTION',
        `secure aggregation works with FedAvg and the server optimisers only (the coordinator sees the sum, never an update); strategy ${this.strategy.name} needs each update.`,
      );
    // Under secure aggregation the bounds would apply to the one sum, not to each update: refuse rather than pretend.
    if (this.options.secureAggregation && meanBased && Object.keys(inner.bounds).length > 0)
      throw new CoordinatorError(
        'INVALID_OPTION',
        'maxExamples and clipNorm bound each update; under secure aggregation the coordinator sees only the sum, so they cannot be enforced (each client clips to secureAggregation.clipNorm itself, unverifiably).',
      );
    // Under DP and secure aggregation no update is added on its own: an order to add them in would do nothing.
    if (inner instanceof FedAvg && inner.aggregationOrder === 'arrival' && (dp || this.options.secureAggregation))
      throw new CoordinatorError(
        'INVALID_OPTION',
        `FedAvg's aggregationOrder 'arrival' adds updates as they arrive; under ${dp ? 'DP' : 'secure aggregation'} they are never added one by one (the round aggregates them all at its end), so it would do nothing. Leave it unset.`,
      );
    // The transport takes its own settings (host, port, connection and message limits) from the options.
    this.transport = options.transport ?? new SocketTransport({ ...this.options, log: this.log });
    if (this.options.secureAggregation && (!this.transport.exchange || !this.transport.openSealed))
      throw new CoordinatorError(
        'INVALID_OPTION',
        'secure aggregation needs a transport that can exchange stage messages (the socket transport).',
      );
    this.dashboard = this.options.dashboard ? createDashboard(this, this.transport, this.options, this.log) : undefined;
  }

  get runId(): string {
    return this.require().run.id;
  }

  get topology(): Record<string, unknown> {
    return this.require().run.topology;
  }

  /** The X25519 key (base64) clients seal updates to and may pin (`cohort client --coordinator-key`). */
  get coordinatorKey(): string {
    return this.require().auth.security.coordinatorKey;
  }

  get weightSpecs(): TensorSpec[] {
    return this.require().run.weightSpecs;
  }

  /**
   * Opens the store (resuming an unfinished run), then listens. Resolves with the server's URL.
   * Refuses to start when that would break the federation's privacy budget: a database missing
   * beside a ledger, a resume under other DP settings, a run without DP after DP releases, or a new
   * run whose first round would already exceed the budget.
   */
  async start(): Promise<string> {
    const { dbPath, ledgerPath, dp } = this.options;
    assertDatabaseBesideLedger(dbPath, ledgerPath);
    const store = new Store(dbPath);
    let run: RunRecord;
    let privacy: PrivacyBudget | undefined;
    try {
      const entries = store.ledger();
      const exported = ledgerPath ? new LedgerExport(ledgerPath) : undefined;
      exported?.reconcile(entries);
      const unfinished = store.unfinishedRun();
      if (unfinished) assertResumeSettings(unfinished, dp);
      assertPrivateFederation(entries, dp);
      // The accountant is rebuilt from every run's releases: neither a restart nor a new run resets the budget.
      privacy = dp && new PrivacyBudget(dp, entries, exported, this.options.enrolPath ? 'enrolled-keys' : 'open');
      const refusal = unfinished ? undefined : privacy?.budgetStop();
      if (refusal) throw new CoordinatorError('BUDGET_EXHAUSTED', `refusing to start a new run: ${refusal}.`);
      run = unfinished ?? this.createRun(store);
      // A saved state of another strategy, or a damaged one, refuses the start (and closes the store).
      const saved = store.strategyState(run.id);
      if (saved !== undefined) this.strategy.loadState?.(saved);
    } catch (error) {
      store.close();
      throw error;
    }
    const checkpoint = store.latestCheckpoint(run.id);
    const model = new GlobalModel(run.weightSpecs, checkpoint);
    if (checkpoint.round > 0)
      this.log.info({ runId: run.id, round: checkpoint.round }, `resuming run ${run.id} after committed round ${checkpoint.round}`);
    privacy?.publishHead(run.id, 'running', checkpoint.sha256);

    const { auth, enrolment, security } = this.trust(store);
    const maxMessageBytes = this.options.maxMessageBytes ?? 2 * model.byteLength + 64 * 1024;
    const description = {
      protocolVersion: PROTOCOL_VERSION,
      runId: run.id,
      topology: run.topology,
      weightSpecs: run.weightSpecs,
      numClasses: run.numClasses,
      security: auth.security,
    };
    const compression = this.options.fit.compression;
    const inbox = {
      runId: run.id,
      weightSpecs: run.weightSpecs,
      numClasses: run.numClasses,
      maxMessageBytes,
      ...(compression ? { compression } : {}),
      log: this.log,
    };
    const engine = new RoundEngine(
      {
        run,
        store,
        model,
        strategy: this.strategy,
        transport: this.transport,
        privacy,
        options: this.options,
        inbox,
        log: this.log,
        security,
      },
      this.abort.signal,
    );
    engine.on('round', (report) => this.emit('round', report));
    engine.on('stage', (stage) => this.emit('stage', stage));
    this.started = { store, run, model, engine, enrolment, auth };
    const url = await this.transport.listen({ description, maxMessageBytes, privateParticipation: privacy !== undefined, auth });
    this.log.info({ url, runId: run.id }, `coordinator listening on ${url}`);
    this.dashboard?.open(store, run.id, url);
    this.emit('listening', { url });
    return url;
  }

  /** Runs the remaining rounds. Resolves when the run finishes, fails, runs out of budget, or the coordinator stops. */
  runRounds(): Promise<RunOutcome> {
    const started = this.require();
    started.running = started.engine.run();
    started.running.then((outcome) => this.dashboard?.ended(outcome.status)).catch(() => undefined);
    return started.running;
  }

  /** Writes the current global model as a tfjs Layers model (model.json + weights.bin) in `dir`. */
  saveModel(dir: string): void {
    const { run, model } = this.require();
    writeLayersModel(dir, run.topology, run.weightSpecs, model.encoded.payload);
  }

  /** Re-reads the enrolment file now (the CLI calls it on SIGHUP); devices no longer listed are disconnected. */
  reloadEnrolment(): boolean {
    return this.started?.enrolment?.reload() ?? false;
  }

  /** Stops rounds, disconnects clients and closes the server and the database. */
  async close(): Promise<void> {
    this.abort.abort();
    this.started?.enrolment?.close();
    this.dashboard?.close();
    await this.transport.close();
    const started = this.started;
    this.started = undefined;
    // The engine records how the run stopped before the store goes.
    await started?.running?.catch(() => undefined);
    started?.store.close();
  }

  /** Who may join and what answers must prove; an open coordinator says so. */
  private trust(store: Store): { auth: DeviceAuth; enrolment: Enrolment | undefined; security: RunSecurity } {
    const { enrolPath, keyDir, tls } = this.options;
    let enrolment: Enrolment | undefined;
    try {
      enrolment = enrolPath
        ? new Enrolment(enrolPath, (error) => this.log.error(`kept the previous enrolment: ${error.message}`))
        : undefined;
    } catch (error) {
      store.close();
      throw error;
    }
    const sealUpdates = this.options.sealUpdates ?? enrolment !== undefined;
    const coordinatorKey = keyDir ? readOrCreateBoxKeyPair(keyDir) : generateBoxKeyPair();
    const auth = new DeviceAuth({ coordinatorKey, sealUpdates, ...(enrolment ? { enrolment } : {}) });
    if (enrolment) {
      enrolment.watch();
      this.log.info({ devices: enrolment.size, enrolPath }, `${enrolment.size} devices enrolled (${enrolPath})`);
    } else if (this.options.ownClients) {
      this.log.info('open mode: this process runs the clients (no enrolment)');
    } else {
      this.log.warn('open mode: any client that can connect may join (no enrolment); for local simulations only');
    }
    const security: RunSecurity = {
      enrolment: auth.enrolment,
      tls: tls !== undefined,
      signedAnswers: enrolment ? 'required' : 'keyed-clients',
      sealedUpdates: sealUpdates,
      secureAggregation: this.options.secureAggregation !== undefined,
    };
    return { auth, enrolment, security };
  }

  private createRun(store: Store): RunRecord {
    const { model } = this.options;
    const weightSpecs = specsOf(model.weights);
    const encoded = encodeTensors(model.weights);
    const run = {
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      config: {
        ...this.options.runConfig,
        rounds: this.options.rounds,
        seed: this.options.seed,
        fit: this.options.fit,
        strategy: this.strategy.name,
        dp: recordedDp(this.options.dp),
      },
      topology: model.topology,
      weightSpecs,
      numClasses: model.numClasses,
    };
    store.createRun(run, { round: 0, sha256: sha256(encoded.payload), payload: encoded.payload });
    this.log.info({ runId: run.id }, `created run ${run.id}`);
    return { ...run, status: 'running', endReason: null };
  }

  private require(): Started {
    if (!this.started) throw new CoordinatorError('NOT_RUNNING', 'the coordinator has not started or is closed.');
    return this.started;
  }
}

export type { RoundParticipation, RoundReport, RunOutcome } from './round-report';
