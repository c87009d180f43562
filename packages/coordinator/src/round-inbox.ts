/**
 * The answers of one open round, whatever transport carries them: every message is validated in
 * full against the round it claims to answer (schema, run, round, client, shapes, finite values,
 * size) and acknowledged with a typed verdict. A late answer to an earlier round is honest and only
 * refused; any other bad answer ends that client's round as a failure. Both transports feed this
 * one class, so the binding rules are unit-tested without sockets.
 */
import { ProtocolError, clientErrorSchema, parseMessage, type Ack, type TensorSpec } from '@cohort/protocol';
import type { Logger } from 'pino';
import { RoundCollector } from './round-collector';
import type { EvaluateResult, FitResult } from './strategy/strategy';
import type { Authenticate } from './trust/device-auth';
import { validateEvaluation, validateUpdate } from './update-validation';

export type AnswerEvent = 'round:update' | 'round:evaluation';

export interface InboxContext {
  runId: string;
  weightSpecs: readonly TensorSpec[];
  numClasses: number;
  maxMessageBytes: number;
  log: Logger;
  /** Under DP, who sent what must not reach info-level logs. */
  privateParticipation: boolean;
  /** The connection's signature and seal checks, when it has any. */
  authenticate?: Authenticate;
}

export class RoundInbox<T extends FitResult | EvaluateResult = FitResult | EvaluateResult> {
  readonly collector: RoundCollector<T>;
  bytesIn = 0;

  constructor(
    task: 'fit' | 'evaluate',
    round: number,
    selected: readonly string[],
    timeoutMs: number,
    private readonly ctx: InboxContext,
  ) {
    this.collector = new RoundCollector<T>(task, round, selected, timeoutMs);
  }

  get done(): Promise<void> {
    return this.collector.done;
  }

  /** A client's own report that its round failed locally (training error, refused by its privacy budget). */
  clientError(clientId: string, raw: unknown): void {
    try {
      const report = parseMessage(clientErrorSchema, raw, 'round:error');
      const { collector } = this;
      if (
        report.clientId === clientId &&
        report.runId === this.ctx.runId &&
        collector.round === report.round &&
        collector.isPending(clientId)
      ) {
        collector.fail({ clientId, kind: 'client-error', reason: report.message.slice(0, 500) });
      }
    } catch (error) {
      this.ctx.log[this.ctx.privateParticipation ? 'debug' : 'warn'](
        { clientId },
        `ignored a malformed round:error from ${clientId}: ${(error as Error).message}`,
      );
    }
  }

  disconnected(clientId: string, reason: string): void {
    this.collector.fail({ clientId, kind: 'disconnected', reason });
  }

  abort(): void {
    this.collector.abort();
  }
}

/** Answers a message: to the open round's inbox, or (with none open) with the refusal it deserves. */
export function answer(ctx: InboxContext, clientId: string, event: AnswerEvent, raw: unknown, inbox: RoundInbox | undefined): Ack {
  const collector = inbox?.collector;
  if (inbox) inbox.bytesIn += payloadBytes(raw);
  const task = event === 'round:update' ? 'fit' : 'evaluate';
  try {
    const binding = { runId: ctx.runId, clientId, collector, ...(ctx.authenticate ? { authenticate: ctx.authenticate } : {}) };
    const result =
      task === 'fit'
        ? validateUpdate(raw, binding, { maxMessageBytes: ctx.maxMessageBytes, weightSpecs: ctx.weightSpecs })
        : validateEvaluation(raw, binding, ctx.numClasses);
    collector!.accept(clientId, result);
    return { ok: true };
  } catch (error) {
    const rejection = error instanceof ProtocolError ? error : new ProtocolError('INVALID_MESSAGE', 'malformed message', { cause: error });
    // Under DP, naming the client would tell a log reader it was sampled: debug only.
    ctx.log[ctx.privateParticipation ? 'debug' : 'warn'](
      { clientId, code: rejection.code },
      `rejected ${task} message from ${clientId}: ${rejection.message}`,
    );
    const claimed = (raw as { round?: unknown } | null)?.round;
    const late = rejection.code === 'WRONG_ROUND' && typeof claimed === 'number' && collector !== undefined && claimed < collector.round;
    if (collector?.isPending(clientId) && !late)
      collector.fail({ clientId, kind: 'rejected', reason: `${rejection.code}: ${rejection.message}` });
    return { ok: false, ...rejection.toWire() };
  }
}

function payloadBytes(raw: unknown): number {
  const payload = (raw as { payload?: unknown } | null)?.payload;
  return payload instanceof Uint8Array ? payload.byteLength : 0;
}
