/** Checks an incoming update or evaluation against the round it claims to answer. */
import {
  ProtocolError,
  decodeUpdateTensors,
  evaluationSchema,
  findNonFinite,
  parseMessage,
  updateSchema,
  type Compression,
  type TensorSpec,
} from '@cohort/protocol';
import { allFinite } from './float-kernels';
import type { RoundCollector } from './round-collector';
import type { Authenticate } from './trust/device-auth';
import type { EvaluateResult, FitResult } from './strategy/strategy';

const MAX_GROUPS = 64;

export interface RoundContext {
  runId: string;
  /** The client id bound to the socket at its handshake. */
  clientId: string;
  collector: RoundCollector<unknown> | undefined;
  /** Signature, seal and enrolled-weight checks of the connection's answers (trust/device-auth.ts). */
  authenticate?: Authenticate;
}

export interface UpdateBounds {
  maxMessageBytes: number;
  weightSpecs: readonly TensorSpec[];
  /** The encoding the round asked for (float32 when absent); an update in another is refused. */
  compression?: Compression;
  /**
   * Whether the values are checked here ('now'), or left to a streaming aggregate that checks them
   * as it adds them ('when-aggregated': FitAccumulator). @default 'now'
   */
  valuesChecked?: 'now' | 'when-aggregated';
}

export function validateUpdate(raw: unknown, ctx: RoundContext, bounds: UpdateBounds): FitResult {
  const received = parseMessage(updateSchema, raw, 'round:update');
  checkBinding(received, ctx, 'fit');
  const message = ctx.authenticate ? ctx.authenticate('fit', received) : received;
  // A run under DP or secure aggregation never asks for q8: an update that chose it anyway is refused.
  if ((message.compression ?? 'float32') !== (bounds.compression ?? 'float32'))
    throw new ProtocolError(
      'INVALID_MESSAGE',
      `update encoded as ${message.compression ?? 'float32'}, but this run asked for ${bounds.compression ?? 'float32'}`,
    );
  // Float32 or q8, the same checks: shapes equal the model's, layout, size of the bytes as sent.
  const tensors = decodeUpdateTensors(message, {
    maxBytes: bounds.maxMessageBytes,
    maxTensors: bounds.weightSpecs.length,
    expected: bounds.weightSpecs,
  });
  if ((bounds.valuesChecked ?? 'now') === 'now') {
    // The SIMD check first (every value of every update passes it); the scan that finds the index only when it fails.
    const floats = tensors.flatMap((t) => (t.data instanceof Float32Array ? [t.data] : []));
    const bad = allFinite(floats) ? undefined : findNonFinite(tensors);
    if (bad) throw new ProtocolError('NON_FINITE', `tensor ${bad.tensor} has a non-finite value at index ${bad.index}`);
  }
  if (message.metrics && !Number.isFinite(message.metrics.loss)) throw new ProtocolError('NON_FINITE', 'training loss is not finite');
  return {
    clientId: message.clientId,
    numExamples: message.numExamples,
    ...(message.metrics ? { metrics: message.metrics } : {}),
    delta: tensors.map((t) => t.data as Float32Array),
  };
}

export function validateEvaluation(raw: unknown, ctx: RoundContext, numClasses: number): EvaluateResult {
  const received = parseMessage(evaluationSchema, raw, 'round:evaluation');
  checkBinding(received, ctx, 'evaluate');
  const message = ctx.authenticate ? ctx.authenticate('evaluate', received) : received;
  if (message.confusion.length !== numClasses * numClasses) {
    throw new ProtocolError(
      'SHAPE_MISMATCH',
      `confusion matrix has ${message.confusion.length} cells; expected ${numClasses}×${numClasses}`,
    );
  }
  const counted = message.confusion.reduce((a, b) => a + b, 0);
  if (counted !== message.numExamples) {
    throw new ProtocolError('INVALID_MESSAGE', `confusion matrix counts ${counted} examples but numExamples is ${message.numExamples}`);
  }
  if (!Number.isFinite(message.lossSum)) throw new ProtocolError('NON_FINITE', 'evaluation loss is not finite');
  const groups = Object.entries(message.groupConfusion ?? {});
  if (groups.length > MAX_GROUPS)
    throw new ProtocolError('INVALID_MESSAGE', `${groups.length} sensitive groups exceed the limit of ${MAX_GROUPS}`);
  for (const [group, counts] of groups) {
    if (counts.length !== numClasses * numClasses)
      throw new ProtocolError(
        'SHAPE_MISMATCH',
        `group ${group}: confusion matrix has ${counts.length} cells; expected ${numClasses}×${numClasses}`,
      );
  }
  if (groups.reduce((n, [, counts]) => n + counts.reduce((a, b) => a + b, 0), 0) > message.numExamples) {
    throw new ProtocolError('INVALID_MESSAGE', `per-group counts exceed numExamples (${message.numExamples})`);
  }
  return {
    clientId: message.clientId,
    numExamples: message.numExamples,
    lossSum: message.lossSum,
    confusion: message.confusion,
    ...(message.groupConfusion ? { groupConfusion: message.groupConfusion } : {}),
  };
}

function checkBinding(message: { runId: string; round: number; clientId: string }, ctx: RoundContext, task: 'fit' | 'evaluate'): void {
  if (message.clientId !== ctx.clientId) {
    throw new ProtocolError('CLIENT_ID_MISMATCH', `message names client ${message.clientId} but this connection is client ${ctx.clientId}`);
  }
  if (message.runId !== ctx.runId)
    throw new ProtocolError('WRONG_RUN', `message is for run ${message.runId}; the current run is ${ctx.runId}`);
  const collector = ctx.collector;
  if (!collector || collector.task !== task || collector.round !== message.round) {
    const open = collector ? `${collector.task} round ${collector.round}` : 'no round';
    throw new ProtocolError('WRONG_ROUND', `message answers ${task} round ${message.round}, but ${open} is open`);
  }
  if (!collector.wasSelected(ctx.clientId))
    throw new ProtocolError('NOT_SELECTED', `client ${ctx.clientId} was not selected for round ${message.round}`);
  if (!collector.isPending(ctx.clientId))
    throw new ProtocolError('DUPLICATE', `client ${ctx.clientId} has already answered round ${message.round}`);
}
