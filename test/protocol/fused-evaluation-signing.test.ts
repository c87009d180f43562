/**
 * A fused evaluation rides inside a signed update: the coordinator must refuse the update when
 * anyone changed the evaluation it carries, with real ed25519 signatures and the coordinator's own
 * verification (DeviceAuth).
 */
import { describe, expect, it } from 'vitest';
import { DeviceAuth } from '@cohort/coordinator';
import { PROTOCOL_VERSION, type ProtocolError, answerSigningBytes, encodeTensors, type UpdateMessage } from '@cohort/protocol';
import { SignatureVerifier, generateBoxKeyPair, generateDeviceIdentity, signMessage } from '@cohort/privacy/identity';

const device = generateDeviceIdentity('site-a');
const { manifest, payload } = encodeTensors([{ name: 'w', shape: [2], data: Float32Array.of(0.5, -0.5) }]);
const unsigned: Omit<UpdateMessage, 'signature'> = {
  protocolVersion: PROTOCOL_VERSION,
  runId: 'run',
  round: 4,
  clientId: 'site-a',
  numExamples: 10,
  manifest,
  payload,
  evaluation: { numExamples: 4, lossSum: 1.5, confusion: [2, 1, 0, 1], groupConfusion: { a: [1, 0, 0, 1], b: [1, 1, 0, 0] } },
};
const signed: UpdateMessage = {
  ...unsigned,
  signature: Buffer.from(signMessage(answerSigningBytes('fit', unsigned), device.signing.secretKey)).toString('base64'),
};

const authenticate = new DeviceAuth({ coordinatorKey: generateBoxKeyPair(), sealUpdates: false }).authenticator({
  clientId: 'site-a',
  signingKey: Buffer.from(device.signing.publicKey).toString('base64'),
  verifier: new SignatureVerifier(device.signing.publicKey),
});

function refusal(message: UpdateMessage): string | undefined {
  try {
    authenticate('fit', message);
    return undefined;
  } catch (error) {
    return (error as ProtocolError).code;
  }
}

describe('a signed update carrying a fused evaluation', () => {
  it('verifies as sent, whatever the order of its groups', () => {
    expect(refusal(signed)).toBeUndefined();
    const reordered = { ...signed, evaluation: { ...unsigned.evaluation!, groupConfusion: { b: [1, 1, 0, 0], a: [1, 0, 0, 1] } } };
    expect(refusal(reordered)).toBeUndefined();
  });

  it('is refused when its evaluation is altered, removed, replaced by an error, or added to an update signed without one', () => {
    const counts = unsigned.evaluation as Extract<UpdateMessage['evaluation'], { confusion: number[] }>;
    const altered: UpdateMessage['evaluation'][] = [
      { ...counts, confusion: [3, 0, 0, 1] },
      { ...counts, lossSum: 0.1 },
      { ...counts, numExamples: 5 },
      { ...counts, groupConfusion: { a: [1, 0, 0, 1] } },
      { error: 'could not evaluate' },
      undefined,
    ];
    for (const evaluation of altered) {
      const { evaluation: _dropped, ...rest } = signed;
      expect(refusal({ ...rest, ...(evaluation ? { evaluation } : {}) })).toBe('BAD_SIGNATURE');
    }
    const { evaluation: _none, ...withoutEvaluation } = unsigned;
    const signedWithout = {
      ...withoutEvaluation,
      signature: Buffer.from(signMessage(answerSigningBytes('fit', withoutEvaluation), device.signing.secretKey)).toString('base64'),
    };
    expect(refusal(signedWithout)).toBeUndefined();
    expect(refusal({ ...signedWithout, evaluation: counts })).toBe('BAD_SIGNATURE');
  });
});
