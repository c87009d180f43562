/**
 * The exact bytes a device signs, so that the coordinator and the client cannot disagree on them.
 * Each is the SHA-256 of a domain tag and a JSON array of the fields in a fixed order (arrays, not
 * objects, so key order never matters), which keeps one kind of signature from being replayed as
 * another.
 *
 * - Handshake: the coordinator's fresh nonce, the client id, the client's signing key and the
 *   coordinator's key. A proof is good for one connection to one coordinator.
 * - Answers: the task, run, round and client id, every other field, and the SHA-256 of the payload
 *   as sent (the ciphertext when sealed). A signed update replayed into another round, run or task,
 *   or presented by another client, no longer verifies; nor does one whose fused evaluation or
 *   declared compression was altered.
 */
import { createHash } from 'node:crypto';
import type { EvaluationMessage, FusedEvaluation, UpdateMessage } from './schemas';

function digest(tag: string, fields: unknown[]): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${tag}\0`).update(JSON.stringify(fields)).digest());
}

export function handshakeProofBytes(proof: { nonce: string; clientId: string; signingKey: string; coordinatorKey: string }): Uint8Array {
  return digest('cohort-handshake-v1', [proof.nonce, proof.clientId, proof.signingKey, proof.coordinatorKey]);
}

type Unsigned<M> = Omit<M, 'signature'>;

export function answerSigningBytes(task: 'fit', message: Unsigned<UpdateMessage>): Uint8Array;
export function answerSigningBytes(task: 'evaluate', message: Unsigned<EvaluationMessage>): Uint8Array;
export function answerSigningBytes(task: 'fit' | 'evaluate', message: Unsigned<UpdateMessage> | Unsigned<EvaluationMessage>): Uint8Array {
  const head = [message.protocolVersion, task, message.runId, message.round, message.clientId, message.numExamples];
  if (task === 'fit') {
    const m = message as Unsigned<UpdateMessage>;
    const payloadSha256 = createHash('sha256').update(m.payload).digest('hex');
    const manifest = m.manifest.map((e) => [e.name, e.shape, e.dtype, e.offset]);
    const sealed = m.sealed ? [m.sealed.ephemeralKey, m.sealed.nonce] : null;
    const metrics = m.metrics ? [m.metrics.loss, m.metrics.accuracy] : null;
    const fused = m.evaluation ? fusedEvaluationFields(m.evaluation) : null;
    return digest('cohort-answer-v1', [...head, metrics, manifest, sealed, payloadSha256, fused, m.compression ?? null]);
  }
  const m = message as Unsigned<EvaluationMessage>;
  return digest('cohort-answer-v1', [...head, m.lossSum, m.confusion, sortedGroups(m.groupConfusion)]);
}

function fusedEvaluationFields(evaluation: FusedEvaluation): unknown[] {
  if ('error' in evaluation) return ['error', evaluation.error];
  return ['counts', evaluation.numExamples, evaluation.lossSum, evaluation.confusion, sortedGroups(evaluation.groupConfusion)];
}

/** Groups in name order, so that the key order of the object never matters. */
function sortedGroups(groups: Record<string, number[]> | undefined): [string, number[]][] | null {
  return groups ? Object.entries(groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null;
}

/** What a sealed update's ciphertext is bound to: the run, round and sender it answers. */
export function sealAssociatedData(runId: string, round: number, clientId: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(['cohort-update-v1', runId, round, clientId]));
}
