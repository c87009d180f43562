/**
 * The coordinator: a socket.io server that runs training rounds, aggregates with a Strategy and
 * commits every round to SQLite, so that a restart on the same database resumes where it stopped.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Server } from 'socket.io';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  clientErrorSchema,
  decodeTensors,
  encodeTensors,
  manifestOf,
  handshakeSchema,
  parseMessage,
  specsOf,
  type Ack,
  type ManifestEntry,
  type ClientToServerEvents,
  type NamedTensor,
  type ServerToClientEvents,
  type TensorSpec,
} from '@cohort/protocol';
import { ClientRegistry, type ClientSocket } from './client-registry';
import { writeLayersModel } from './model-files';
import { CoordinatorError } from './errors';
import { resolveOptions, type CoordinatorOptions, type ResolvedOptions } from './options';
import type { EpsilonReport } from './privacy-accounting';
import { LedgerExport } from './ledger-export';
import { assertDatabaseBesideLedger, assertPrivateFederation, assertResumeSettings, recordedDp } from './federation-guard';
import { RoundCollector } from './round-collector';
import { RunPrivacy } from './run-privacy';
import { Store, type RoundRecord, type RunRecord } from './store/store';
import type { CentralDp } from './strategy/central-dp';
import { dpInstruction, withDifferentialPrivacy } from './dp-settings';
import { FedAvg } from './strategy/fed-avg';
import type { LocalDpFixedClipping } from './strategy/local-dp';
import type { ClassificationMetrics, EvaluateResult, Failure, FitResult, Strategy } from './strategy/strategy';
import { validateEvaluation, validateUpdate } from './update-validation';

/** Who and how many took part in a round: the coordinator's own records, published only without DP. */
export interface RoundParticipation {
  /** Clients drawn for the round. */
  selected: number;
  participants: number;
  failures: Failure[];
  bytesIn: number;
  bytesOut: number;
}

/**
 * What one round produced, as reported to listeners and written to metrics.jsonl. Under DP it holds
 * nothing from which a reader could tell whether a given client took part: no participation facts,
 * no training metrics, no single client's evaluation figures.
 */
export interface RoundReport {
  round: number;
  /** Clients connected when the cohort was drawn (public: DP protects participation, not presence). */
  population: number;
  /** null under differential privacy. */
  participation: RoundParticipation | null;
  trainLoss: number | null;
  trainAccuracy: number | null;
  evaluation: ClassificationMetrics | null;
  durationMs: number;
  /** ε of the federation after this round by RDP and PLD, when differential privacy is on. */
  privacy: EpsilonReport | null;
}

export interface RunOutcome {
  runId: string;
  status: 'finished' | 'budget-exhausted' | 'failed' | 'stopped';
  reason: string;
  lastRound: number;
  finalEvaluation: ClassificationMetrics | null;
  modelSha256: string;
  privacy: EpsilonReport | null;
}

interface CoordinatorEvents {
  round: [RoundReport];
  listening: [{ url: string }];
}

export class Coordinator extends EventEmitter<CoordinatorEvents> {
  readonly options: ResolvedOptions;
  private readonly log: Logger;
  private readonly registry = new ClientRegistry();
  private readonly abort = new AbortController();
  private store: Store | undefined;
  private http: HttpServer | undefined;
  private io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { clientId: string }> | undefined;
  private run: RunRecord | undefined;
  private strategy: Strategy;
  private privacy: RunPrivacy | undefined;
  private dpStrategy: CentralDp | LocalDpFixedClipping | undefined;
  private global: Float32Array[] = [];
  /** The global model as sent on the wire and stored, encoded once per committed round. */
  private encodedGlobal: { manifest: ManifestEntry[]; payload: Uint8Array; sha256: string } | undefined;
  private lastRound = 0;
  private collector: RoundCollector<FitResult | EvaluateResult> | undefined;
  private maxMessageBytes = 0;
  private bytesIn = 0;

  constructor(options: CoordinatorOptions) {
    super();
    this.options = resolveOptions(options);
    this.log = options.logger ?? pino({ name: 'coordinator' }, pino.destination(2));
    const inner = options.strategy ?? new FedAvg({ fraction: this.options.fraction, minFitClients: this.options.minClients, seed: this.options.seed });
    this.dpStrategy = this.options.dp ? withDifferentialPrivacy(inner, this.options.dp, this.log) : undefined;
    this.strategy = this.dpStrategy ?? inner;
  }

  get runId(): string {
    if (!this.run) throw new CoordinatorError('NOT_RUNNING', 'the coordinator has not started.');
    return this.run.id;
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
    try {
      const entries = store.ledger();
      const exported = ledgerPath ? new LedgerExport(ledgerPath) : undefined;
      exported?.reconcile(entries);
      const unfinished = store.unfinishedRun();
      if (unfinished) assertResumeSettings(unfinished, dp);
      assertPrivateFederation(entries, dp);
      // The accountant is rebuilt from every run's releases: neither a restart nor a new run resets the budget.
      this.privacy = dp && new RunPrivacy(dp, entries, exported);
      const refusal = unfinished ? undefined : this.privacy?.budgetStop();
      if (refusal) throw new CoordinatorError('BUDGET_EXHAUSTED', `refusing to start a new run: ${refusal}.`);
      this.run = unfinished ?? this.createRun(store);
    } catch (error) {
      store.close();
      throw error;
    }
    this.store = store;
    const checkpoint = store.latestCheckpoint(this.run.id);
    this.global = decodeModel(checkpoint.payload, this.run.weightSpecs);
    this.encodedGlobal = { manifest: manifestOf(this.run.weightSpecs), payload: checkpoint.payload, sha256: checkpoint.sha256 };
    this.lastRound = checkpoint.round;
    const modelBytes = this.global.reduce((n, t) => n + t.byteLength, 0);
    this.maxMessageBytes = this.options.maxMessageBytes ?? 2 * modelBytes + 64 * 1024;
    if (checkpoint.round > 0) this.log.info({ runId: this.run.id, round: checkpoint.round }, `resuming run ${this.run.id} after committed round ${checkpoint.round}`);
    const saved = store.strategyState(this.run.id);
    if (saved !== undefined) this.strategy.loadState?.(saved);
    this.privacy?.ledger.publishHead(this.run.id, 'running', checkpoint.sha256);

    this.http = createServer();
    this.io = new Server(this.http, { maxHttpBufferSize: 2 * this.maxMessageBytes, serveClient: false });
    this.io.use((socket, next) => {
      try {
        socket.data.clientId = parseMessage(handshakeSchema, socket.handshake.auth, 'handshake').clientId;
        next();
      } catch (error) {
        const rejection = error instanceof ProtocolError ? error : new ProtocolError('INVALID_MESSAGE', String(error));
        this.log.warn({ code: rejection.code }, `refused a connection: ${rejection.message}`);
        next(Object.assign(new Error(rejection.message), { data: rejection.toWire() }));
      }
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(this.options.port, this.options.host, resolve);
    });
    const { port } = this.http.address() as AddressInfo;
    const url = `http://${this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host}:${port}`;
    this.log.info({ url, runId: this.run.id }, `coordinator listening on ${url}`);
    this.emit('listening', { url });
    return url;
  }

  /** Runs the remaining rounds. Resolves when the run finishes, fails, or the coordinator stops. */
  async runRounds(): Promise<RunOutcome> {
    const store = this.requireStore();
    const run = this.run!;
    const { rounds, evalEvery } = this.options;
    if (this.lastRound === 0 && evalEvery > 0 && !store.evaluation(run.id, 0)) {
      const evaluation = await this.evaluate(0);
      if (evaluation) this.emit('round', { ...emptyReport(0), evaluation });
    }
    while (this.lastRound < rounds && !this.abort.signal.aborted) {
      const budgetStop = this.privacy?.budgetStop();
      if (budgetStop) {
        const reason = `privacy budget exhausted after round ${this.lastRound}: ${budgetStop}`;
        this.log.warn({ round: this.lastRound }, reason);
        return this.endRun('budget-exhausted', reason);
      }
      const round = this.lastRound + 1;
      const report = await this.fitRound(round);
      if (!report) {
        if (this.abort.signal.aborted) break;
        const reason = `round ${round} failed ${this.options.maxRoundAttempts} times: fewer than ${this.options.minClients} clients answered`;
        this.log.error({ round }, reason);
        return this.endRun('failed', reason);
      }
      if (evalEvery > 0 && (round % evalEvery === 0 || round === rounds)) report.evaluation = await this.evaluate(round);
      this.emit('round', report);
    }
    if (this.abort.signal.aborted) {
      this.privacy?.ledger.publishHead(run.id, 'stopped', this.encodedGlobal!.sha256);
      return this.outcome('stopped', 'the coordinator was stopped');
    }
    return this.endRun('finished', `completed ${rounds} rounds`);
  }

  /** Records how the run ended, signs the ledger's final head and tells every client, which then disconnect. */
  private endRun(status: 'finished' | 'budget-exhausted' | 'failed', reason: string): RunOutcome {
    const run = this.run!;
    this.requireStore().finishRun(run.id, status === 'failed' ? 'failed' : 'finished', reason);
    this.privacy?.ledger.publishHead(run.id, status, this.encodedGlobal!.sha256);
    this.io?.emit('run:end', { protocolVersion: PROTOCOL_VERSION, runId: run.id, reason });
    return this.outcome(status, reason);
  }

  /** The current global model as named tensors. */
  globalModel(): NamedTensor[] {
    return this.namedTensors(this.global);
  }

  /** Writes the current global model as a tfjs Layers model (model.json + weights.bin) in `dir`. */
  saveModel(dir: string): void {
    writeLayersModel(dir, this.run!.topology, this.run!.weightSpecs, this.encodedGlobal!.payload);
  }

  get topology(): Record<string, unknown> {
    return this.run!.topology;
  }

  get weightSpecs(): TensorSpec[] {
    return this.run!.weightSpecs;
  }

  /** Stops rounds, disconnects clients and closes the server and the database. */
  async close(): Promise<void> {
    this.abort.abort();
    this.collector?.abort();
    this.io?.disconnectSockets(true);
    await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
    this.store?.close();
    this.store = undefined;
  }

  private createRun(store: Store): RunRecord {
    const { model } = this.options;
    const weightSpecs = specsOf(model.weights);
    const encoded = encodeTensors(model.weights);
    const run = {
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      config: { ...this.options.runConfig, rounds: this.options.rounds, seed: this.options.seed, fit: this.options.fit, strategy: this.strategy.name, dp: recordedDp(this.options.dp) },
      topology: model.topology,
      weightSpecs,
      numClasses: model.numClasses,
    };
    store.createRun(run, { round: 0, sha256: sha256(encoded.payload), payload: encoded.payload });
    this.log.info({ runId: run.id }, `created run ${run.id}`);
    return { ...run, status: 'running', endReason: null };
  }

  private onConnection(socket: ClientSocket): void {
    const { clientId } = socket.data;
    const previous = this.registry.add(socket);
    if (previous) previous.disconnect(true);
    this.log.info({ clientId, clients: this.registry.size }, `client ${clientId} connected`);
    const run = this.run!;
    socket.emit('model:describe', { protocolVersion: PROTOCOL_VERSION, runId: run.id, topology: run.topology, weightSpecs: run.weightSpecs, numClasses: run.numClasses });

    socket.on('round:update', (raw, ack) => this.receive(socket, raw, ack, 'fit'));
    socket.on('round:evaluation', (raw, ack) => this.receive(socket, raw, ack, 'evaluate'));
    socket.on('round:error', (raw) => {
      try {
        const report = parseMessage(clientErrorSchema, raw, 'round:error');
        const collector = this.collector;
        if (report.clientId === clientId && report.runId === this.run!.id && collector?.round === report.round && collector.isPending(clientId)) {
          collector.fail({ clientId, kind: 'client-error', reason: report.message.slice(0, 500) });
        }
      } catch (error) {
        this.log.warn({ clientId }, `ignored a malformed round:error from ${clientId}: ${(error as Error).message}`);
      }
    });
    socket.on('disconnect', (reason) => {
      if (!this.registry.remove(socket)) return;
      this.log.info({ clientId, reason }, `client ${clientId} disconnected: ${reason}`);
      this.collector?.fail({ clientId, kind: 'disconnected', reason });
    });
  }

  private receive(socket: ClientSocket, raw: unknown, ack: unknown, task: 'fit' | 'evaluate'): void {
    const reply = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined;
    const { clientId } = socket.data;
    const collector = this.collector;
    this.bytesIn += payloadBytes(raw);
    try {
      const ctx = { runId: this.run!.id, clientId, collector };
      const result = task === 'fit' ? validateUpdate(raw, ctx, { maxMessageBytes: this.maxMessageBytes, weightSpecs: this.run!.weightSpecs }) : validateEvaluation(raw, ctx, this.run!.numClasses);
      collector!.accept(clientId, result);
      reply({ ok: true });
    } catch (error) {
      const rejection = error instanceof ProtocolError ? error : new ProtocolError('INVALID_MESSAGE', 'malformed message', { cause: error });
      // Under DP, naming the client would tell a log reader it was sampled: debug only.
      this.log[this.privacy ? 'debug' : 'warn']({ clientId, code: rejection.code }, `rejected ${task} message from ${clientId}: ${rejection.message}`);
      reply({ ok: false, ...rejection.toWire() });
      // A late answer to an earlier round is honest; anything else ends this client's round.
      const claimed = (raw as { round?: unknown } | null)?.round;
      const late = rejection.code === 'WRONG_ROUND' && typeof claimed === 'number' && collector !== undefined && claimed < collector.round;
      if (collector?.isPending(clientId) && !late) collector.fail({ clientId, kind: 'rejected', reason: `${rejection.code}: ${rejection.message}` });
    }
  }

  /**
   * Runs attempts at one training round until one commits; undefined if all fail. Without DP an
   * attempt with fewer than minClients answers is redrawn. Under DP a round is never redrawn because
   * of its own size, which would condition the sample: it commits with whatever the Poisson sample
   * delivered (a dropout adds zero to the sum), and the minimum applies to the population before sampling.
   */
  private async fitRound(round: number): Promise<RoundReport | undefined> {
    const store = this.requireStore();
    const runId = this.run!.id;
    const privacy = this.privacy;
    const failed = store.failedAttempts(runId, round);
    const first = privacy ? privacy.nextAttempt(runId, round, failed) : failed + 1;
    const last = privacy ? first : this.options.maxRoundAttempts;
    for (let attempt = first; attempt <= last; attempt++) {
      await this.waitForClients(round);
      if (this.abort.signal.aborted) return undefined;
      const started = Date.now();
      const available = this.registry.ids();
      const selected = this.strategy.configureFit(round, available);
      const facts = { runId, round, attempt, population: available.length, clipNorm: this.dpStrategy?.clipNorm ?? 0, expectedCohortSize: this.dpStrategy ? this.options.dp!.sampleRate * available.length : 0 };
      if (privacy?.accountsBeforeBroadcast) {
        const release = privacy.prepare({ ...facts, modelSha256: this.encodedGlobal!.sha256 });
        store.appendLedgerEntry(release.entry);
        privacy.committed(release.entry, release.step);
        privacy.ledger.publishHead(runId, 'running', this.encodedGlobal!.sha256);
      }
      const { results, failures, bytesIn, bytesOut } = await this.collect<FitResult>('fit', round, selected);
      if (this.abort.signal.aborted) return undefined;
      const record: RoundRecord = {
        runId, round, attempt, status: 'failed', startedAt: new Date(started).toISOString(), durationMs: 0, population: available.length, selected,
        participants: results.map((r) => r.clientId), failures, trainLoss: null, trainAccuracy: null, bytesIn, bytesOut,
      };
      if (!privacy && results.length < this.options.minClients) {
        record.durationMs = Date.now() - started;
        store.recordFailedRound(record);
        this.log.warn({ round, attempt, failures }, `round ${round} attempt ${attempt} failed: ${results.length} of ${this.options.minClients} required updates`);
        continue;
      }
      const aggregate = this.strategy.aggregateFit(round, results, failures, this.global);
      const encoded = encodeTensors(this.namedTensors(aggregate.weights));
      const modelSha256 = sha256(encoded.payload);
      Object.assign(record, { status: 'committed', trainLoss: aggregate.trainLoss, trainAccuracy: aggregate.trainAccuracy, durationMs: Date.now() - started });
      const release = privacy && !privacy.accountsBeforeBroadcast ? privacy.prepare({ ...facts, modelSha256 }) : undefined;
      store.commitRound(record, { round, sha256: modelSha256, payload: encoded.payload }, release?.entry, this.strategy.saveState?.());
      if (release) privacy!.committed(release.entry, release.step);
      privacy?.ledger.publishHead(runId, 'running', modelSha256);
      this.global = aggregate.weights;
      this.encodedGlobal = { ...encoded, sha256: modelSha256 };
      this.lastRound = round;
      const endedFor = selected.map((id) => this.registry.get(id)?.id).filter((id): id is string => id !== undefined);
      if (endedFor.length > 0) this.io?.to(endedFor).emit('round:end', { protocolVersion: PROTOCOL_VERSION, runId, round, status: 'committed' });
      this.participationLog({ round, participants: results.length, failures: failures.length }, `round ${round} committed`);
      const participation = privacy ? null : { selected: selected.length, participants: results.length, failures, bytesIn, bytesOut };
      return {
        round, population: available.length, participation, trainLoss: aggregate.trainLoss, trainAccuracy: aggregate.trainAccuracy, evaluation: null,
        durationMs: record.durationMs, privacy: privacy ? privacy.accounting.report() : null,
      };
    }
    return undefined;
  }

  /**
   * Logs what depends on who took part (cohort sizes, failures): at info without DP, at debug under
   * DP, where a log reader must not learn whether a given client took part in a given round.
   */
  private participationLog(facts: Record<string, unknown>, message: string): void {
    if (this.privacy) this.log.info({ round: facts['round'] }, message.replace(/ with \d+ clients$/, ''));
    this.log[this.privacy ? 'debug' : 'info'](facts, message);
  }

  private async evaluate(round: number): Promise<ClassificationMetrics | null> {
    await this.waitForClients(round);
    if (this.abort.signal.aborted) return null;
    const selected = this.strategy.configureEvaluate(round, this.registry.ids());
    const { results, failures } = await this.collect<EvaluateResult>('evaluate', round, selected);
    if (this.abort.signal.aborted || results.length === 0) return null;
    const metrics = this.strategy.aggregateEvaluate(round, results, failures, this.run!.numClasses);
    this.requireStore().saveEvaluation({ runId: this.run!.id, round, metrics, participants: results.map((r) => r.clientId), failures });
    // Under DP no single client's figure is published (the spread's min and max are one client's accuracy).
    const published = this.privacy ? withoutPerClient(metrics) : metrics;
    this.log.info({ round, ...published }, `evaluation after round ${round}: accuracy ${metrics.accuracy.toFixed(4)}`);
    return published;
  }

  private async collect<T extends FitResult | EvaluateResult>(task: 'fit' | 'evaluate', round: number, selected: string[]) {
    const collector = new RoundCollector<T>(task, round, selected, this.options.roundTimeoutMs);
    this.collector = collector as RoundCollector<FitResult | EvaluateResult>;
    this.bytesIn = 0;
    const { manifest, payload } = this.encodedGlobal!;
    const socketIds: string[] = [];
    for (const clientId of selected) {
      const socket = this.registry.get(clientId);
      if (socket) socketIds.push(socket.id);
      else collector.fail({ clientId, kind: 'disconnected', reason: 'left before the round started' });
    }
    if (task === 'fit') this.participationLog({ round, task, selected: selected.length }, `${task} round ${round} started with ${selected.length} clients`);
    else this.log.info({ round, task, selected: selected.length }, `${task} round ${round} started with ${selected.length} clients`);
    const config = { ...this.options.fit, seed: this.options.seed, ...(this.options.dp && this.dpStrategy ? { dp: dpInstruction(this.options.dp, this.dpStrategy.clipNorm) } : {}) };
    // socket.io's to([]) addresses every client: an empty cohort must not be broadcast at all.
    if (socketIds.length > 0) this.io!.to(socketIds).emit('round:start', { protocolVersion: PROTOCOL_VERSION, runId: this.run!.id, round, task, config, manifest, payload });
    await collector.done;
    this.collector = undefined;
    const byId = (a: { clientId: string }, b: { clientId: string }) => (a.clientId < b.clientId ? -1 : 1);
    return {
      results: [...collector.results.values()].sort(byId),
      failures: [...collector.failures.values()].sort(byId),
      bytesIn: this.bytesIn,
      bytesOut: socketIds.length * (payload.byteLength + JSON.stringify(manifest).length),
    };
  }

  private async waitForClients(round: number): Promise<void> {
    const needed = this.options.minClients;
    if (this.registry.size >= needed) return;
    this.log.info({ round, connected: this.registry.size, needed }, `round ${round}: waiting for ${needed} clients (${this.registry.size} connected)`);
    await this.registry.waitFor(needed, this.abort.signal);
  }

  private namedTensors(weights: readonly Float32Array[]): NamedTensor[] {
    return this.run!.weightSpecs.map((spec, i) => ({ name: spec.name, shape: spec.shape, data: weights[i]! }));
  }

  private outcome(status: RunOutcome['status'], reason: string): RunOutcome {
    const evaluations = this.store?.evaluations(this.run!.id) ?? [];
    const last = evaluations[evaluations.length - 1];
    return {
      runId: this.run!.id,
      status,
      reason,
      lastRound: this.lastRound,
      finalEvaluation: last?.metrics ?? null,
      modelSha256: this.encodedGlobal!.sha256,
      privacy: this.privacy && this.privacy.accounting.rounds > 0 ? this.privacy.accounting.report() : null,
    };
  }

  private requireStore(): Store {
    if (!this.store) throw new CoordinatorError('NOT_RUNNING', 'the coordinator has not started or is closed.');
    return this.store;
  }
}

function decodeModel(payload: Uint8Array, specs: readonly TensorSpec[]): Float32Array[] {
  const bounds = { maxBytes: Number.MAX_SAFE_INTEGER, maxTensors: specs.length, expected: specs };
  return decodeTensors(manifestOf(specs), payload, bounds).map((t) => t.data as Float32Array);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function payloadBytes(raw: unknown): number {
  const payload = (raw as { payload?: unknown } | null)?.payload;
  return payload instanceof Uint8Array ? payload.byteLength : 0;
}

function emptyReport(round: number): RoundReport {
  return { round, population: 0, participation: null, trainLoss: null, trainAccuracy: null, evaluation: null, durationMs: 0, privacy: null };
}

function withoutPerClient(metrics: ClassificationMetrics): ClassificationMetrics {
  const { perClientAccuracy: _perClient, ...rest } = metrics;
  return rest;
}
