/**
 * The answers of one open round, whatever transport carries them: every message is validated in
 * full against the round it claims to answer (schema, run, round, client, shapes, finite values,
 * size) and acknowledged with a typed verdict — at once, or for the finite values of an update a
 * streaming aggregate checks, once it has added it (below). A late answer to an earlier round is
 * honest and only refused; any other bad answer ends that client's round as a failure. Both
 * transports feed this one class, so the binding rules are unit-tested without sockets.
 *
 * With a streaming aggregate (Strategy.fitAccumulator), an accepted update goes into it at once and
 * only its summary is kept, so that the round does not hold every update until it ends. Its values
 * are then checked where the aggregate adds them, not in a pass of their own: the update's verdict
 * (its ack) comes when it is added, and one refused there (NON_FINITE) turns from an answer into a
 * failure before the round's answers are read.
 *
 * A fused round also collects the evaluation of the previous round's model: from the fit clients
 * it asked, inside their updates (signed with them), and from the others as evaluate-only answers.
 * A bad or missing fused evaluation fails that client's evaluation only; a failed fit fails both.
 */
import {
  PROTOCOL_VERSION,
  ProtocolError,
  clientErrorSchema,
  parseMessage,
  type Ack,
  type Compression,
  type TensorSpec,
  type UpdateMessage,
} from '@cohort/protocol';
import type { Logger } from 'pino';
import { RoundCollector } from './round-collector';
import type { EvaluateResult, Failure, FitAccumulator, FitResult, FitResultSummary, NonFiniteValue } from './strategy/strategy';
import type { Authenticate } from './trust/device-auth';
import { validateEvaluation, validateUpdate } from './update-validation';

export type AnswerEvent = 'round:update' | 'round:evaluation';

type FusedEvaluation = NonNullable<UpdateMessage['evaluation']>;

export interface InboxContext {
  runId: string;
  weightSpecs: readonly TensorSpec[];
  numClasses: number;
  maxMessageBytes: number;
  /** The encoding clients were asked for: an update in another one is refused. @default float32 */
  compression?: Compression;
  log: Logger;
  /** Under DP, who sent what must not reach info-level logs. */
  privateParticipation: boolean;
  /** The connection's signature and seal checks, when it has any. */
  authenticate?: Authenticate;
}

/** The evaluation of the last committed model that rides on a fit round. */
export interface FusedEvaluationPlan {
  /** The round whose model is evaluated: the fit round − 1. */
  round: number;
  /** Every client the evaluation plan selected. */
  selected: readonly string[];
  /** Those of them that also train: they evaluate inside their fit task; the rest get an evaluate-only task. */
  fused: ReadonlySet<string>;
}

export class RoundInbox<T extends FitResultSummary | EvaluateResult = FitResultSummary | EvaluateResult> {
  readonly collector: RoundCollector<T>;
  /** A fused round's evaluation of the previous model. */
  readonly evaluation: RoundCollector<EvaluateResult> | undefined;
  /** Settles when every selected client, of the round and of its fused evaluation, answered or failed. */
  readonly done: Promise<void>;
  /** The update encoding this round asked for (float32 when absent). */
  readonly compression: Compression | undefined;
  bytesIn = 0;
  private readonly fused: ReadonlySet<string>;

  constructor(
    task: 'fit' | 'evaluate',
    round: number,
    selected: readonly string[],
    timeoutMs: number,
    private readonly ctx: InboxContext,
    fusedEvaluation?: FusedEvaluationPlan,
    /** A fit round's streaming aggregate: accepted updates go into it, and only their summaries are kept. */
    readonly accumulator?: FitAccumulator,
  ) {
    this.compression = ctx.compression;
    const skip = accumulator && ((failure: Failure) => accumulator.skip(failure.clientId));
    this.collector = new RoundCollector<T>(task, round, selected, timeoutMs, skip);
    this.evaluation = fusedEvaluation && new RoundCollector('evaluate', fusedEvaluation.round, fusedEvaluation.selected, timeoutMs);
    this.fused = fusedEvaluation?.fused ?? new Set();
    // Once every client has answered or failed, the aggregate takes in what still waits: every verdict is given.
    const verdicts = this.collector.done.then(() => accumulator?.flush());
    this.done = Promise.all([verdicts, this.evaluation?.done]).then(() => undefined);
  }

  /** A client's own report that its round failed locally (training error, refused by its privacy budget). */
  clientError(clientId: string, raw: unknown): void {
    try {
      const report = parseMessage(clientErrorSchema, raw, 'round:error');
      if (report.clientId !== clientId || report.runId !== this.ctx.runId) return;
      const failure: Failure = { clientId, kind: 'client-error', reason: report.message.slice(0, 500) };
      if (report.round === this.collector.round && this.collector.isPending(clientId)) this.fail(failure);
      else if (report.round === this.evaluation?.round) this.evaluation.fail(failure);
    } catch (error) {
      this.ctx.log[this.ctx.privateParticipation ? 'debug' : 'warn'](
        { clientId },
        `ignored a malformed round:error from ${clientId}: ${(error as Error).message}`,
      );
    }
  }

  disconnected(clientId: string, reason: string): void {
    this.collector.fail({ clientId, kind: 'disconnected', reason });
    this.evaluation?.fail({ clientId, kind: 'disconnected', reason });
  }

  abort(): void {
    this.collector.abort();
    this.evaluation?.abort();
  }

  /** Ends a client's round as failed, and with it the evaluation it was to carry. */
  fail(failure: Failure): void {
    this.collector.fail(failure);
    if (this.fused.has(failure.clientId)) this.evaluation?.fail(failure);
  }

  /**
   * Accepts an update that passed validation, with the fused evaluation it carries. Without a
   * streaming aggregate it is kept whole and accepted at once; with one, only its summary is kept and
   * the verdict comes once the aggregate has added it and checked its values.
   */
  acceptUpdate(result: FitResult, carried: FusedEvaluation | undefined): Ack | Promise<Ack> {
    const { clientId } = result;
    const accumulator = this.accumulator;
    const { delta: _taken, ...summary } = result;
    this.collector.accept(clientId, (accumulator ? summary : result) as T);
    this.acceptFused(clientId, carried);
    if (!accumulator) return { ok: true };
    // Its values checked on arrival, an update is accepted now; else its verdict may come within add
    // (the update completes a batch), or later.
    let settle: ((ack: Ack) => void) | undefined;
    const verdict = accumulator.checksValues ? new Promise<Ack>((resolve) => (settle = resolve)) : undefined;
    try {
      accumulator.add(result, (refusal) => settle?.(refusal ? this.refuse(clientId, refusal) : { ok: true }));
    } catch (error) {
      // A broken accumulator: the update is not counted, and answer() tells the client so.
      this.collector.refuse({ clientId, kind: 'rejected', reason: `INVALID_MESSAGE: ${(error as Error).message}` });
      throw error;
    }
    return verdict ?? { ok: true };
  }

  /** Whether the values of an update are left to the streaming aggregate, which checks them as it adds them. */
  get aggregateChecksValues(): boolean {
    return this.accumulator?.checksValues === true;
  }

  /** An update the aggregate refused for a value that is not finite: a rejected answer, and with it the evaluation it carried. */
  private refuse(clientId: string, { tensor, index }: NonFiniteValue): Ack {
    const name = this.ctx.weightSpecs[tensor]?.name ?? String(tensor);
    const rejection = new ProtocolError('NON_FINITE', `tensor ${name} has a non-finite value at index ${index}`);
    this.ctx.log.warn({ clientId, code: rejection.code }, `rejected fit message from ${clientId}: ${rejection.message}`);
    const failure: Failure = { clientId, kind: 'rejected', reason: `${rejection.code}: ${rejection.message}` };
    this.collector.refuse(failure);
    if (this.fused.has(clientId)) this.evaluation?.refuse(failure);
    return { ok: false, ...rejection.toWire() };
  }

  /**
   * The fused evaluation an accepted update carries. Its signature was checked with the update's
   * (answerSigningBytes covers it); its counts are checked as an evaluate-only answer's would be.
   */
  private acceptFused(clientId: string, carried: FusedEvaluation | undefined): void {
    const evaluation = this.evaluation;
    if (!evaluation || !this.fused.has(clientId) || !evaluation.isPending(clientId)) return;
    if (!carried) {
      evaluation.fail({ clientId, kind: 'rejected', reason: 'INVALID_MESSAGE: the update carries no evaluation of the model it was sent' });
    } else if ('error' in carried) {
      evaluation.fail({ clientId, kind: 'client-error', reason: carried.error.slice(0, 500) });
    } else {
      const message = { protocolVersion: PROTOCOL_VERSION, runId: this.ctx.runId, round: evaluation.round, clientId, ...carried };
      try {
        evaluation.accept(
          clientId,
          validateEvaluation(message, { runId: this.ctx.runId, clientId, collector: evaluation }, this.ctx.numClasses),
        );
      } catch (error) {
        const rejection = asRejection(error);
        this.ctx.log[this.ctx.privateParticipation ? 'debug' : 'warn'](
          { clientId, code: rejection.code },
          `rejected the fused evaluation from ${clientId}: ${rejection.message}`,
        );
        evaluation.fail({ clientId, kind: 'rejected', reason: `${rejection.code}: ${rejection.message}` });
      }
    }
  }
}

/** Answers a message: to the open round's inbox, or (with none open) with the refusal it deserves. */
export function answer(
  ctx: InboxContext,
  clientId: string,
  event: AnswerEvent,
  raw: unknown,
  inbox: RoundInbox | undefined,
): Ack | Promise<Ack> {
  if (inbox) inbox.bytesIn += payloadBytes(raw);
  const task = event === 'round:update' ? 'fit' : 'evaluate';
  // Evaluate-only answers of a fused round go to its evaluation.
  const collector = task === 'evaluate' && inbox?.evaluation ? inbox.evaluation : inbox?.collector;
  try {
    const binding = { runId: ctx.runId, clientId, collector, ...(ctx.authenticate ? { authenticate: ctx.authenticate } : {}) };
    if (task === 'fit') {
      // validateUpdate refuses a client that is not pending: an update is kept (and taken in) once.
      // A streaming aggregate checks the values as it adds them (RoundInbox.acceptUpdate).
      const update = validateUpdate(raw, binding, {
        maxMessageBytes: ctx.maxMessageBytes,
        weightSpecs: ctx.weightSpecs,
        ...(inbox?.compression ? { compression: inbox.compression } : {}),
        valuesChecked: inbox?.aggregateChecksValues ? 'when-aggregated' : 'now',
      });
      return inbox!.acceptUpdate(update, (raw as { evaluation?: FusedEvaluation }).evaluation);
    }
    collector!.accept(clientId, validateEvaluation(raw, binding, ctx.numClasses));
    return { ok: true };
  } catch (error) {
    const rejection = asRejection(error);
    // Under DP, naming the client would tell a log reader it was sampled: debug only.
    ctx.log[ctx.privateParticipation ? 'debug' : 'warn'](
      { clientId, code: rejection.code },
      `rejected ${task} message from ${clientId}: ${rejection.message}`,
    );
    const claimed = (raw as { round?: unknown } | null)?.round;
    const late = rejection.code === 'WRONG_ROUND' && typeof claimed === 'number' && collector !== undefined && claimed < collector.round;
    if (collector?.isPending(clientId) && !late) {
      const failure: Failure = { clientId, kind: 'rejected', reason: `${rejection.code}: ${rejection.message}` };
      if (collector === inbox?.collector) inbox.fail(failure);
      else collector.fail(failure);
    }
    return { ok: false, ...rejection.toWire() };
  }
}

function asRejection(error: unknown): ProtocolError {
  return error instanceof ProtocolError ? error : new ProtocolError('INVALID_MESSAGE', 'malformed message', { cause: error });
}

function payloadBytes(raw: unknown): number {
  const payload = (raw as { payload?: unknown } | null)?.payload;
  return payload instanceof Uint8Array ? payload.byteLength : 0;
}
