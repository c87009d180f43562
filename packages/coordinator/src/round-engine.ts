/**
 * The round engine: runs the remaining rounds of a run against a Transport, with no sockets. A
 * training round is a list of named stages — sample → broadcast → collect → aggregate → commit —
 * run in order on one attempt; secure aggregation will insert its stages between broadcast and
 * aggregate. Strategies return data (per-client instructions, DP releases) and the engine hands
 * every release to the federation's privacy budget. Failures are values: a client that drops,
 * times out or sends a bad answer is recorded with its reason and the round goes on.
 *
 * Fused rounds: the evaluation after round r (the model of round r, on the clients configureEvaluate
 * selects) rides on round r + 1's download — its fit clients evaluate the model they receive before
 * training, the other selected clients get an evaluate-only task — so each contacted client gets the
 * model once per round. Round r's report waits for that evaluation; only the final round's (and a
 * resumed run's last, when it is all that is left) needs an evaluate round of its own. Under secure
 * aggregation (an update leaves only masked) and under DP (a fit client's failure would also remove
 * its evaluation, so the published evaluation would depend on who was sampled) evaluation keeps its
 * own rounds.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { PROTOCOL_VERSION } from '@cohort/protocol';
import type { PrivacyBudget } from './dp/privacy-budget';
import type { EncodedModel, GlobalModel } from './global-model';
import type { ResolvedOptions, RunSecurity } from './options';
import { emptyReport, reportOfRecord, withoutPerClient, type RoundReport, type RunOutcome } from './round-report';
import { RoundInbox, type FusedEvaluationPlan, type InboxContext } from './round-inbox';
import type { RoundRecord, RunRecord, Store } from './store/store';
import type {
  ClassificationMetrics,
  EvaluateResult,
  Failure,
  FitAccumulator,
  FitAggregate,
  FitPlan,
  FitResult,
  FitResultSummary,
  Strategy,
} from './strategy/strategy';
import type { RoundDelivery, RoundTask, Transport } from './transport/transport';
import { modelLength, planSecureRound, SecureRound, type SecureRoundOutcome, type SecureTransport } from './secure-aggregation';
import type { SecAggParams } from '@cohort/privacy/secagg';
import { decodeDistributedDp, type DistributedDpPlan } from '@cohort/privacy/mechanisms';
import { randomBytes } from 'node:crypto';
import { allWithinMagnitude } from './float-kernels';

export interface RoundEngineParts {
  run: RunRecord;
  store: Store;
  model: GlobalModel;
  strategy: Strategy;
  transport: Transport;
  privacy: PrivacyBudget | undefined;
  options: ResolvedOptions;
  inbox: Omit<InboxContext, 'privateParticipation'>;
  log: Logger;
  /** How connections and answers are protected: reported in the run outcome. */
  security: RunSecurity;
}

/** Weights beyond this magnitude mean a broken or poisoned aggregate: it is never committed. */
export const MAX_WEIGHT_MAGNITUDE = 1e6;
/** Without DP, a client whose last this-many fit rounds failed sits out as many rounds. */
export const EXCLUDE_AFTER_FAILURES = 3;

/** One attempt at a training round, as it passes through the stages. */
interface FitAttempt {
  round: number;
  attempt: number;
  started: number;
  population: string[];
  plan: FitPlan;
  inbox: RoundInbox<FitResultSummary> | undefined;
  bytesOut: number;
  /** The accepted updates, sorted by client id; only their summaries when the inbox streams them into an accumulator. */
  results: FitResultSummary[];
  failures: Failure[];
  aggregate: FitAggregate | undefined;
  report: RoundReport | undefined;
  /** A securely aggregated round: its parameters, then what its stages brought back. */
  secure?: { params: SecAggParams; rotationSeed?: Uint8Array; outcome?: SecureRoundOutcome };
  /** The evaluation of the last committed model riding on this attempt (a fused round). */
  evaluation?: FusedEvaluationPlan;
}

/** A stage either lets the attempt go on, or ends it as failed so that the round is tried again. */
type StageResult = 'continue' | 'retry';

interface Stage {
  readonly name: string;
  run(attempt: FitAttempt): Promise<StageResult> | StageResult;
}

export interface EngineEvents {
  /** A round's report, in round order, once its evaluation (if one is due) is in. */
  round: [RoundReport];
  /** A stage starts: one of fitStages' names, or 'evaluate' for an evaluate round of its own. */
  stage: [{ round: number; attempt: number; stage: string }];
}

export class RoundEngine extends EventEmitter<EngineEvents> {
  /**
   * The stages of a training round, in order. With secure aggregation, `collect` gives way to
   * `secure-aggregate` (advertise keys → share keys → masked input → unmask, secure-aggregation.ts):
   * the strategy then sees one result, the contributors' mean update, never a client's own.
   */
  readonly fitStages: readonly Stage[];

  /** Under distributed DP, how clients encode their updates (the same every round). */
  private readonly encoding: DistributedDpPlan | undefined;
  /** What secure aggregation needs of the transport, when the run is securely aggregated. */
  private readonly secureTransport: SecureTransport | undefined;
  /** Consecutive failed fit rounds per client (without DP), and the round of the last one. */
  private readonly failing = new Map<string, { failures: number; lastRound: number }>();
  /** Why the last attempt at a round failed, for the run's end reason. */
  private attemptFailure = '';
  /** Whether evaluations ride on the next fit round (neither secure aggregation nor DP). */
  private readonly fuses: boolean;
  /** The committed round whose evaluation is due and not yet done, with its report, which waits for it. */
  private owed: { round: number; report: RoundReport } | undefined;

  constructor(
    private readonly parts: RoundEngineParts,
    private readonly signal: AbortSignal,
  ) {
    super();
    this.fitStages = [
      { name: 'sample', run: (a) => this.sample(a) },
      { name: 'broadcast', run: (a) => this.broadcast(a) },
      parts.options.secureAggregation
        ? { name: 'secure-aggregate', run: (a) => this.secureAggregate(a) }
        : { name: 'collect', run: (a) => this.collect(a) },
      { name: 'aggregate', run: (a) => this.aggregate(a) },
      { name: 'commit', run: (a) => this.commit(a) },
    ];
    if (parts.options.secureAggregation) {
      this.secureTransport = exchanging(parts.transport);
      this.encoding = parts.strategy.encodingFor?.(modelLength(parts.run.weightSpecs));
    }
    this.fuses = parts.options.evalEvery > 0 && !parts.options.secureAggregation && !parts.privacy;
  }

  /** Runs the remaining rounds. Resolves when the run finishes, fails, runs out of budget, or is stopped. */
  async run(): Promise<RunOutcome> {
    const { store, run, model, privacy, options, log } = this.parts;
    const { rounds } = options;
    this.owed = this.owedOnStart();
    while (model.round < rounds && !this.signal.aborted) {
      if (this.owed && !this.fuses) await this.evaluateOwed();
      if (this.signal.aborted) break;
      const budgetStop = privacy?.budgetStop();
      if (budgetStop) {
        const when = model.round === 0 ? 'before round 1' : `after round ${model.round}`;
        const reason = `privacy budget exhausted ${when}: ${budgetStop}`;
        log.warn({ round: model.round }, reason);
        return this.end('budget-exhausted', reason);
      }
      const round = model.round + 1;
      const report = await this.fitRound(round);
      if (!report) {
        if (this.signal.aborted) break;
        const attempts = store.failedAttempts(run.id, round);
        const reason = `round ${round} failed ${attempts} time${attempts === 1 ? '' : 's'}: ${this.attemptFailure}`;
        log.error({ round }, reason);
        return this.end('failed', reason);
      }
      if (!this.evaluationDue(round)) this.emit('round', report);
      else {
        this.owed = { round, report };
        if (!this.fuses || round === rounds) await this.evaluateOwed();
      }
    }
    if (this.owed && !this.signal.aborted) await this.evaluateOwed();
    if (this.signal.aborted) {
      privacy?.publishHead(run.id, 'stopped', model.encoded.sha256);
      return this.outcome('stopped', 'the coordinator was stopped');
    }
    return this.end('finished', `completed ${rounds} rounds`);
  }

  /** Whether the evaluation after `round` is due: the initial model, every evalEvery rounds, and the last. */
  private evaluationDue(round: number): boolean {
    const { evalEvery, rounds } = this.parts.options;
    return evalEvery > 0 && (round % evalEvery === 0 || round === rounds);
  }

  /**
   * The last committed round's evaluation when it is due and not stored: the initial model's, or the
   * one a restart interrupted (its report was never emitted, so it is rebuilt from the round's row).
   */
  private owedOnStart(): { round: number; report: RoundReport } | undefined {
    const { store, run, model, privacy } = this.parts;
    const round = model.round;
    if (!this.evaluationDue(round) || store.evaluation(run.id, round)) return undefined;
    if (round === 0) return { round, report: emptyReport(0) };
    const record = store.rounds(run.id).find((r) => r.round === round && r.status === 'committed');
    return record && { round, report: reportOfRecord(record, privacy ? privacy.accounting.report() : null) };
  }

  /** The owed evaluation in an evaluate round of its own; then its round's report goes out. */
  private async evaluateOwed(): Promise<void> {
    const { round } = this.owed!;
    const evaluation = await this.evaluate(round);
    if (!this.signal.aborted) this.settleOwed(evaluation);
  }

  /** Emits the report that waited for its evaluation (the initial model's only when it has one). */
  private settleOwed(evaluation: ClassificationMetrics | null): void {
    const { round, report } = this.owed!;
    this.owed = undefined;
    if (round > 0 || evaluation) this.emit('round', { ...report, evaluation });
  }

  /**
   * Runs attempts at one training round until one commits; undefined if all fail. Without DP an
   * attempt with fewer than minClients answers is tried again. Under DP a round is never redrawn
   * because of its own size, which would condition the sample: it commits with whatever the Poisson
   * sample delivered (a dropout adds zero to the sum), and the minimum applies to the population
   * before sampling.
   */
  private async fitRound(round: number): Promise<RoundReport | undefined> {
    const { store, run, privacy, options } = this.parts;
    const failed = store.failedAttempts(run.id, round);
    const first = privacy ? privacy.nextAttempt(run.id, round, failed) : failed + 1;
    const last = privacy ? first : options.maxRoundAttempts;
    attempts: for (let number = first; number <= last; number++) {
      await this.parts.transport.waitForClients(options.minClients, this.signal);
      if (this.signal.aborted) return undefined;
      const attempt: FitAttempt = {
        round,
        attempt: number,
        started: Date.now(),
        population: [],
        plan: { clients: [] },
        inbox: undefined,
        bytesOut: 0,
        results: [],
        failures: [],
        aggregate: undefined,
        report: undefined,
      };
      for (const stage of this.fitStages) {
        this.emit('stage', { round, attempt: number, stage: stage.name });
        const result = await stage.run(attempt);
        if (this.signal.aborted) return undefined;
        if (result === 'retry') continue attempts;
      }
      return attempt.report;
    }
    return undefined;
  }

  /**
   * Draws the cohort. Without DP, a client whose last EXCLUDE_AFTER_FAILURES fit rounds all failed
   * (timeout, disconnect, rejection, local error) sits out that many rounds, so that a few broken or
   * hostile sockets cannot make every round wait out its timeout. Under DP nobody is excluded: who
   * failed depends on who was sampled, and the population is published.
   */
  private sample(a: FitAttempt): StageResult {
    const connected = this.parts.transport.clients();
    a.population = this.parts.privacy ? connected : connected.filter((id) => !this.sittingOut(id, a.round));
    a.plan = this.parts.strategy.configureFit(a.round, a.population);
    if (this.fuses && this.owed) {
      const selected = this.parts.strategy.configureEvaluate(this.owed.round, connected);
      const training = new Set(a.plan.clients.map((c) => c.clientId));
      a.evaluation = { round: this.owed.round, selected, fused: new Set(selected.filter((id) => training.has(id))) };
    }
    return 'continue';
  }

  private sittingOut(clientId: string, round: number): boolean {
    const record = this.failing.get(clientId);
    return record !== undefined && record.failures >= EXCLUDE_AFTER_FAILURES && round <= record.lastRound + EXCLUDE_AFTER_FAILURES;
  }

  /** Counts consecutive failed fit rounds per client; an answer (a contribution to the secure sum) resets the count. */
  private noteFailures(a: FitAttempt): void {
    for (const id of this.participants(a)) this.failing.delete(id);
    for (const f of a.failures) {
      const previous = this.failing.get(f.clientId);
      this.failing.set(f.clientId, { failures: (previous?.failures ?? 0) + 1, lastRound: a.round });
    }
  }

  /** Local DP releases as soon as clients answer: its entry is committed before the round goes out. */
  private broadcast(a: FitAttempt): StageResult {
    const { privacy, store, model, run, options } = this.parts;
    if (options.secureAggregation) {
      try {
        const params = planSecureRound(options.secureAggregation, a.plan.clients.length, run.weightSpecs, this.encoding);
        // The rotation's signs are public, fresh each round, and the same for every client of it.
        a.secure = { params, ...(this.encoding ? { rotationSeed: randomBytes(32) } : {}) };
      } catch (error) {
        return this.failAttempt(a, `secure aggregation cannot run with ${a.plan.clients.length} clients: ${(error as Error).message}`);
      }
    }
    const release = a.plan.release;
    if (release) {
      if (!privacy) throw new Error(`strategy ${this.parts.strategy.name} releases under DP, but the coordinator has no DP options.`);
      const prepared = privacy.prepare(release, { runId: run.id, round: a.round, attempt: a.attempt, modelSha256: model.encoded.sha256 });
      store.appendLedgerEntry(prepared.entry);
      privacy.committed(prepared.entry, prepared.step);
      privacy.publishHead(run.id, 'running', model.encoded.sha256);
    }
    const clientIds = a.plan.clients.map((c) => c.clientId);
    this.participationLog(
      a.round,
      `fit round ${a.round} started`,
      { task: 'fit', selected: clientIds.length },
      ` with ${clientIds.length} clients`,
    );
    a.inbox = this.openInbox<FitResultSummary>('fit', a.round, clientIds, a.evaluation, this.fitAccumulator(a.round, clientIds));
    const task = this.task('fit', a.round);
    if (a.secure) {
      const { params, rotationSeed } = a.secure;
      const distributedDp =
        this.encoding && rotationSeed ? { ...this.encoding, rotationSeed: Buffer.from(rotationSeed).toString('base64') } : undefined;
      task.config = { ...task.config, secureAggregation: { ...params, ...(distributedDp ? { distributedDp } : {}) } };
    }
    a.bytesOut = this.parts.transport.startRound(this.deliveries(a, task), a.inbox);
    return 'continue';
  }

  /** Who is sent what: in a fused round, fit + evaluate, fit alone, or evaluate alone — one model each. */
  private deliveries(a: FitAttempt, fit: RoundTask): RoundDelivery[] {
    if (!a.evaluation) return [{ task: fit, clients: a.plan.clients }];
    const { round, selected, fused } = a.evaluation;
    this.parts.log.info(
      { round, task: 'evaluate', selected: selected.length, fused: fused.size },
      `evaluation of round ${round} rides on fit round ${a.round}: ${selected.length} clients, ${fused.size} of them training`,
    );
    return [
      { task: { ...fit, evaluate: true }, clients: a.plan.clients.filter((c) => fused.has(c.clientId)) },
      { task: fit, clients: a.plan.clients.filter((c) => !fused.has(c.clientId)) },
      { task: this.task('evaluate', round), clients: selected.filter((id) => !fused.has(id)).map((clientId) => ({ clientId })) },
    ];
  }

  /** The stages of secure aggregation; the clients' own reports of local failure (round:error) join its failures. */
  private async secureAggregate(a: FitAttempt): Promise<StageResult> {
    const { transport, run, options } = this.parts;
    const clientIds = a.plan.clients.map((c) => c.clientId);
    const { params, rotationSeed } = a.secure!;
    const encoding = this.encoding;
    // Under distributed DP the sum is of the clients' noised encodings, decoded back through the rotation.
    const decode = encoding && rotationSeed ? (sum: Uint32Array) => decodeDistributedDp(sum, encoding, rotationSeed) : undefined;
    const secure = new SecureRound(
      this.secureTransport!,
      run.id,
      a.round,
      params,
      clientIds,
      run.weightSpecs,
      a.started + options.roundTimeoutMs,
      decode,
      this.minContributors(clientIds.length),
      options.secureAggregation!.stageTimeoutMs ?? Math.min(10_000, Math.max(1_000, options.roundTimeoutMs / 4)),
    );
    const outcome = await secure.run();
    transport.closeRound();
    a.inbox!.abort();
    a.secure!.outcome = outcome;
    const reported = [...a.inbox!.collector.failures.values()].filter((f) => f.kind === 'client-error');
    const failed = new Map([...outcome.failures, ...reported].map((f) => [f.clientId, f]));
    a.failures = sortedById(failed.values());
    const mean: FitResult | undefined = outcome.mean && {
      clientId: SECURE_SUM,
      numExamples: outcome.contributors.length,
      delta: outcome.mean,
    };
    a.results = mean ? [mean] : [];
    this.noteFailures(a);
    if (outcome.mean && outcome.contributors.length >= options.minClients) return 'continue';
    return this.failAttempt(
      a,
      outcome.failed ?? `${outcome.contributors.length} of ${options.minClients} required clients contributed to the secure sum`,
    );
  }

  /**
   * The fewest contributors whose sum may be unmasked: `minClients`, and under distributed DP as many
   * more as may collude with the coordinator (the corruption fraction of the cohort, rounded up) —
   * colluders know their own noise shares, so only the others' shares count.
   */
  private minContributors(cohort: number): number {
    const { minClients, secureAggregation } = this.parts.options;
    return minClients + (this.encoding ? Math.ceil((secureAggregation?.corruptionFraction ?? 0.1) * cohort) : 0);
  }

  /**
   * Records the attempt as failed for `reason`; the round is tried again while attempts remain. Under
   * DP the reason goes to the debug log only (it may count or name who took part) and the run's end
   * says only that the secure sum was not unmasked.
   */
  private failAttempt(a: FitAttempt, reason: string): StageResult {
    const { store, log, privacy } = this.parts;
    store.recordFailedRound({ ...this.record(a), durationMs: Date.now() - a.started });
    log.debug({ round: a.round, attempt: a.attempt }, `round ${a.round} attempt ${a.attempt} failed: ${reason}`);
    this.attemptFailure = privacy
      ? 'the secure sum was not unmasked (too few clients contributed for its noise, or a stage of secure aggregation failed)'
      : reason;
    log.warn({ round: a.round, attempt: a.attempt }, `round ${a.round} attempt ${a.attempt} failed: ${this.attemptFailure}`);
    return 'retry';
  }

  private async collect(a: FitAttempt): Promise<StageResult> {
    const inbox = a.inbox!;
    await inbox.done;
    this.parts.transport.closeRound();
    if (this.signal.aborted) return 'continue';
    // The fused evaluation is final whatever becomes of this attempt: the model it evaluated stays.
    if (inbox.evaluation) this.settleOwed(this.aggregateEvaluation(inbox.evaluation.round, inbox.evaluation));
    a.results = sortedById(inbox.collector.results.values());
    a.failures = sortedById(inbox.collector.failures.values());
    this.noteFailures(a);
    if (this.parts.privacy || a.results.length >= this.parts.options.minClients || this.signal.aborted) return 'continue';
    this.parts.store.recordFailedRound({ ...this.record(a), durationMs: Date.now() - a.started });
    this.attemptFailure = `fewer than ${this.parts.options.minClients} clients answered`;
    this.parts.log.warn(
      { round: a.round, attempt: a.attempt, failures: a.failures },
      `round ${a.round} attempt ${a.attempt} failed: ${a.results.length} of ${this.parts.options.minClients} required updates`,
    );
    return 'retry';
  }

  /**
   * Aggregates — finishing the streaming aggregate the inbox fed, or handing every update to
   * aggregateFit — then checks the result before anything is committed: a model with a non-finite
   * weight, or one beyond ±MAX_WEIGHT_MAGNITUDE, is never committed — the attempt fails (and,
   * without DP, is tried again with a new cohort).
   */
  private aggregate(a: FitAttempt): StageResult {
    const { strategy, model } = this.parts;
    const accumulator = a.inbox?.accumulator;
    a.aggregate = accumulator
      ? accumulator.finish(a.results, a.failures)
      : strategy.aggregateFit(a.round, withDeltas(a.results), a.failures, model.weights);
    const problem = implausible(a.aggregate.weights);
    if (!problem) return 'continue';
    this.parts.store.recordFailedRound({ ...this.record(a), durationMs: Date.now() - a.started });
    this.attemptFailure = `the aggregate was not committed (${problem})`;
    this.parts.log.error(
      { round: a.round, attempt: a.attempt },
      `round ${a.round} attempt ${a.attempt}: the aggregate was not committed: ${problem}`,
    );
    return 'retry';
  }

  /** The new model, the round's row, its ledger entry and the strategy's state, in one transaction. */
  private commit(a: FitAttempt): StageResult {
    const { store, model, privacy, run, strategy, transport } = this.parts;
    const aggregate = a.aggregate!;
    const encoded: EncodedModel = model.encode(aggregate.weights);
    const record: RoundRecord = {
      ...this.record(a),
      status: 'committed',
      trainLoss: aggregate.trainLoss,
      trainAccuracy: aggregate.trainAccuracy,
      durationMs: Date.now() - a.started,
    };
    if (aggregate.release && !privacy)
      throw new Error(`strategy ${strategy.name} releases under DP, but the coordinator has no DP options.`);
    const release =
      aggregate.release &&
      privacy!.prepare(aggregate.release, { runId: run.id, round: a.round, attempt: a.attempt, modelSha256: encoded.sha256 });
    store.commitRound(record, { round: a.round, sha256: encoded.sha256, payload: encoded.payload }, release?.entry, strategy.saveState?.());
    if (release) privacy!.committed(release.entry, release.step);
    privacy?.publishHead(run.id, 'running', encoded.sha256);
    model.commit(a.round, aggregate.weights, encoded);
    const clientIds = a.plan.clients.map((c) => c.clientId);
    transport.endRound({ protocolVersion: PROTOCOL_VERSION, runId: run.id, round: a.round, status: 'committed' }, clientIds);
    this.participationLog(a.round, `round ${a.round} committed`, {
      participants: this.participants(a).length,
      failures: a.failures.length,
    });
    a.report = {
      round: a.round,
      population: a.population.length,
      participation: privacy
        ? null
        : {
            selected: clientIds.length,
            participants: this.participants(a).length,
            failures: a.failures,
            bytesIn: a.inbox!.bytesIn + secureBytes(a, 'bytesIn'),
            bytesOut: a.bytesOut + secureBytes(a, 'bytesOut'),
            ...(a.secure?.outcome ? { secureAggregation: a.secure.outcome.stages } : {}),
          },
      trainLoss: aggregate.trainLoss,
      trainAccuracy: aggregate.trainAccuracy,
      evaluation: null,
      durationMs: record.durationMs,
      privacy: privacy ? privacy.accounting.report() : null,
    };
    return 'continue';
  }

  private record(a: FitAttempt): RoundRecord {
    const { bytesIn } = a.inbox ?? { bytesIn: 0 };
    return {
      runId: this.parts.run.id,
      round: a.round,
      attempt: a.attempt,
      status: 'failed',
      startedAt: new Date(a.started).toISOString(),
      durationMs: 0,
      population: a.population.length,
      selected: a.plan.clients.map((c) => c.clientId),
      participants: this.participants(a),
      failures: a.failures,
      trainLoss: null,
      trainAccuracy: null,
      bytesIn: bytesIn + secureBytes(a, 'bytesIn'),
      bytesOut: a.bytesOut + secureBytes(a, 'bytesOut'),
    };
  }

  /** Who contributed: the clients whose updates were aggregated (inside the secure sum, when there is one). */
  private participants(a: FitAttempt): string[] {
    return a.secure?.outcome ? a.secure.outcome.contributors : a.results.map((r) => r.clientId);
  }

  private async evaluate(round: number): Promise<ClassificationMetrics | null> {
    const { transport, strategy, options, log } = this.parts;
    await transport.waitForClients(options.minClients, this.signal);
    if (this.signal.aborted) return null;
    this.emit('stage', { round, attempt: 1, stage: 'evaluate' });
    const selected = strategy.configureEvaluate(round, transport.clients());
    log.info({ round, task: 'evaluate', selected: selected.length }, `evaluate round ${round} started with ${selected.length} clients`);
    const inbox = this.openInbox<EvaluateResult>('evaluate', round, selected);
    transport.startRound([{ task: this.task('evaluate', round), clients: selected.map((clientId) => ({ clientId })) }], inbox);
    await inbox.done;
    transport.closeRound();
    return this.signal.aborted ? null : this.aggregateEvaluation(round, inbox.collector);
  }

  /** Aggregates and stores an evaluation's answers; null when nobody answered. */
  private aggregateEvaluation(round: number, answers: RoundInbox<EvaluateResult>['collector']): ClassificationMetrics | null {
    const { strategy, store, run, privacy, log } = this.parts;
    const results = sortedById(answers.results.values());
    const failures = sortedById(answers.failures.values());
    if (results.length === 0) return null;
    const metrics = strategy.aggregateEvaluate(round, results, failures, run.numClasses);
    store.saveEvaluation({ runId: run.id, round, metrics, participants: results.map((r) => r.clientId), failures });
    // Under DP no single client's figure is published (the spread's min and max are one client's accuracy).
    const published = privacy ? withoutPerClient(metrics) : metrics;
    log.info({ round, ...published }, `evaluation after round ${round}: accuracy ${metrics.accuracy.toFixed(4)}`);
    return published;
  }

  /** Records how the run ended, signs the ledger's final head and tells every client. */
  private end(status: 'finished' | 'budget-exhausted' | 'failed', reason: string): RunOutcome {
    const { store, run, privacy, model, transport } = this.parts;
    store.finishRun(run.id, status === 'failed' ? 'failed' : 'finished', reason);
    privacy?.publishHead(run.id, status, model.encoded.sha256);
    transport.endRun({ protocolVersion: PROTOCOL_VERSION, runId: run.id, reason });
    return this.outcome(status, reason);
  }

  private outcome(status: RunOutcome['status'], reason: string): RunOutcome {
    const { store, run, model, privacy } = this.parts;
    const evaluations = store.evaluations(run.id);
    const last = evaluations[evaluations.length - 1];
    return {
      runId: run.id,
      status,
      reason,
      lastRound: model.round,
      finalEvaluation: last ? (privacy ? withoutPerClient(last.metrics) : last.metrics) : null,
      modelSha256: model.encoded.sha256,
      privacy: privacy && privacy.accounting.rounds > 0 ? privacy.accounting.report() : null,
      security: this.parts.security,
    };
  }

  private openInbox<T extends FitResultSummary | EvaluateResult>(
    task: 'fit' | 'evaluate',
    round: number,
    selected: readonly string[],
    fusedEvaluation?: FusedEvaluationPlan,
    accumulator?: FitAccumulator,
  ): RoundInbox<T> {
    const context = { ...this.parts.inbox, privateParticipation: this.parts.privacy !== undefined };
    return new RoundInbox<T>(task, round, selected, this.parts.options.roundTimeoutMs, context, fusedEvaluation, accumulator);
  }

  /**
   * The strategy's streaming aggregate for a fit round, if it has one: updates are then taken in as
   * they arrive instead of all being held until `aggregate`. Not under DP (the wrappers clip and
   * noise the whole cohort) nor under secure aggregation (no update arrives alone).
   */
  private fitAccumulator(round: number, clientIds: readonly string[]): FitAccumulator | undefined {
    const { strategy, privacy, options, model } = this.parts;
    if (privacy || options.secureAggregation) return undefined;
    return strategy.fitAccumulator?.(round, clientIds, model.weights);
  }

  private task(task: 'fit' | 'evaluate', round: number): RoundTask {
    const { manifest, payload } = this.parts.model.encoded;
    const { fit, seed } = this.parts.options;
    return { protocolVersion: PROTOCOL_VERSION, runId: this.parts.run.id, round, task, config: { ...fit, seed }, manifest, payload };
  }

  /**
   * Logs a round's event with what depends on who took part (`facts`, and `detail` appended to the
   * message): at info without DP; under DP, where a log reader must not learn whether a given client
   * took part in a given round, the event alone at info and its participation facts at debug.
   */
  private participationLog(round: number, message: string, facts: Record<string, unknown>, detail = ''): void {
    const { log, privacy } = this.parts;
    if (privacy) log.info({ round }, message);
    log[privacy ? 'debug' : 'info']({ round, ...facts }, `${message}${detail}`);
  }
}

/** The id the secure sum goes by when handed to the strategy as its one result. */
export const SECURE_SUM = '(secure-sum)';

function secureBytes(a: FitAttempt, direction: 'bytesIn' | 'bytesOut'): number {
  const stages = a.secure?.outcome?.stages;
  return stages ? Object.values(stages).reduce((n, s) => n + s[direction], 0) : 0;
}

/** The transport's exchange; the coordinator refuses secure aggregation on a transport without it. */
function exchanging(transport: Transport): SecureTransport {
  if (!transport.exchange || !transport.openSealed) throw new Error('this transport cannot run secure aggregation (no exchange).');
  return {
    exchange: transport.exchange.bind(transport),
    openSealed: transport.openSealed.bind(transport),
    ...(transport.signingKey ? { signingKey: transport.signingKey.bind(transport) } : {}),
  };
}

/** Why a candidate model must not be committed, or undefined when it may. */
function implausible(weights: readonly Float32Array[]): string | undefined {
  // The SIMD check first (every new model passes it); the scan that names the weight only when it fails.
  if (allWithinMagnitude(weights, MAX_WEIGHT_MAGNITUDE)) return undefined;
  for (const [t, tensor] of weights.entries()) {
    for (let i = 0; i < tensor.length; i++) {
      const w = tensor[i]!;
      // One comparison per weight: false for NaN and ±Infinity as for magnitudes beyond the bound.
      if (Math.abs(w) <= MAX_WEIGHT_MAGNITUDE) continue;
      if (!Number.isFinite(w)) return `tensor ${t} has a non-finite weight at index ${i}`;
      return `tensor ${t} has a weight of ${w} at index ${i}, beyond ±${MAX_WEIGHT_MAGNITUDE}`;
    }
  }
  return undefined;
}

/** Results that still carry their deltas: what aggregateFit is handed when no accumulator took them in. */
function withDeltas(results: readonly FitResultSummary[]): FitResult[] {
  return results.map((r) => {
    if (!('delta' in r)) throw new Error(`the update of ${r.clientId} was taken into an accumulator and cannot be aggregated again.`);
    return r as FitResult;
  });
}

function sortedById<T extends { clientId: string }>(values: Iterable<T>): T[] {
  return [...values].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
}
