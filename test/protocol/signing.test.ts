/** The bytes devices sign: every field of an answer, and the binding of a handshake proof, is covered. */
import { describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  answerSigningBytes,
  encodeTensors,
  handshakeProofBytes,
  type EvaluationMessage,
  type UpdateMessage,
} from '@cohort/protocol';

const { manifest, payload } = encodeTensors([{ name: 'w', shape: [4], data: new Float32Array([1, 2, 3, 4]) }]);
const update: UpdateMessage = {
  protocolVersion: PROTOCOL_VERSION,
  runId: 'run',
  round: 3,
  clientId: 'site-a',
  numExamples: 10,
  metrics: { loss: 0.5, accuracy: 0.9 },
  manifest,
  payload,
};
const evaluation: EvaluationMessage = {
  protocolVersion: PROTOCOL_VERSION,
  runId: 'run',
  round: 3,
  clientId: 'site-a',
  numExamples: 4,
  lossSum: 1.5,
  confusion: [2, 0, 1, 1],
  groupConfusion: { a: [1, 0, 0, 1], b: [1, 0, 1, 0] },
};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('answerSigningBytes', () => {
  it('changes with every field of an update, the payload included, and with the task', () => {
    const base = hex(answerSigningBytes('fit', update));
    const changed: Array<Partial<UpdateMessage>> = [
      { runId: 'other' },
      { round: 4 },
      { clientId: 'site-b' },
      { numExamples: 11 },
      { metrics: { loss: 0.5, accuracy: 0.8 } },
      { metrics: undefined },
      { manifest: [{ ...manifest[0]!, name: 'v' }] },
      { payload: Uint8Array.from(payload, (b, i) => (i === 5 ? b ^ 1 : b)) },
      { sealed: { ephemeralKey: `${'A'.repeat(43)}=`, nonce: 'A'.repeat(16) } },
      { protocolVersion: PROTOCOL_VERSION + 1 },
    ];
    const digests = changed.map((c) => hex(answerSigningBytes('fit', { ...update, ...c })));
    expect(new Set([base, ...digests]).size).toBe(changed.length + 1);
    expect(hex(answerSigningBytes('evaluate', { ...evaluation }))).not.toBe(base);
  });

  it('covers every field of an evaluation, and does not depend on the order of groups', () => {
    const base = hex(answerSigningBytes('evaluate', evaluation));
    for (const change of [{ lossSum: 1.6 }, { confusion: [1, 1, 1, 1] }, { groupConfusion: { a: [1, 0, 0, 1] } }, { numExamples: 5 }]) {
      expect(hex(answerSigningBytes('evaluate', { ...evaluation, ...change }))).not.toBe(base);
    }
    const reordered = { ...evaluation, groupConfusion: { b: [1, 0, 1, 0], a: [1, 0, 0, 1] } };
    expect(hex(answerSigningBytes('evaluate', reordered))).toBe(base);
  });
});

describe('handshakeProofBytes', () => {
  it('binds the nonce, the client id, its key and the coordinator key', () => {
    const proof = { nonce: 'n', clientId: 'c', signingKey: 'k', coordinatorKey: 'K' };
    const base = hex(handshakeProofBytes(proof));
    for (const field of Object.keys(proof) as Array<keyof typeof proof>) {
      expect(hex(handshakeProofBytes({ ...proof, [field]: `${proof[field]}x` }))).not.toBe(base);
    }
    // Field boundaries are unambiguous: moving a character from one field to the next changes the bytes.
    expect(hex(handshakeProofBytes({ ...proof, nonce: 'nc', clientId: '' }))).not.toBe(
      hex(handshakeProofBytes({ ...proof, nonce: 'n', clientId: 'c' })),
    );
  });
});
