/**
 * The client's side of the trust model: proving its key on the coordinator's challenge, and signing
 * (and, when the coordinator asks, sealing) what it sends. Pure functions over the device identity;
 * client.ts calls them.
 */
import {
  answerSigningBytes,
  authChallengeSchema,
  handshakeProofBytes,
  parseMessage,
  sealAssociatedData,
  type AuthProof,
  type EvaluationMessage,
  type ModelDescription,
  type UpdateMessage,
} from '@cohort/protocol';
import { sealPayload, signMessage, type DeviceIdentity } from '@cohort/privacy/identity';
import { ClientError } from './errors';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The signature of a challenge, after checking that it comes from the pinned coordinator key, if any. */
export function proveKey(identity: DeviceIdentity, raw: unknown, pinnedCoordinatorKey: string | undefined): AuthProof {
  const challenge = parseMessage(authChallengeSchema, raw, 'auth:challenge');
  checkPin(challenge.coordinatorKey, pinnedCoordinatorKey);
  const bytes = handshakeProofBytes({
    nonce: challenge.nonce,
    clientId: identity.id,
    signingKey: b64(identity.signing.publicKey),
    coordinatorKey: challenge.coordinatorKey,
  });
  return { signature: b64(signMessage(bytes, identity.signing.secretKey)) };
}

/** Throws UNTRUSTED_COORDINATOR when a pinned key is not the one the coordinator presents. */
export function checkPin(presented: string | undefined, pinned: string | undefined): void {
  if (pinned !== undefined && presented !== pinned)
    throw new ClientError(
      'UNTRUSTED_COORDINATOR',
      `the coordinator presented key ${presented ?? '(none)'}, not the pinned ${pinned}: refusing to talk to it`,
    );
}

type Unsigned<M> = Omit<M, 'signature'>;

/**
 * An update as it leaves: its payload sealed to the coordinator's key whenever the coordinator has
 * one (not only when it says it requires it: a proxy that rewrote that flag would otherwise read the
 * update), unless `seal` is false; signed when this client has a key.
 */
export function protectUpdate(
  message: Unsigned<UpdateMessage>,
  identity: DeviceIdentity | undefined,
  security: ModelDescription['security'],
  seal = true,
): UpdateMessage {
  let sent: Unsigned<UpdateMessage> = message;
  if (security && seal) {
    const sealed = sealPayload(
      message.payload,
      Buffer.from(security.coordinatorKey, 'base64'),
      sealAssociatedData(message.runId, message.round, message.clientId),
    );
    sent = { ...message, payload: sealed.ciphertext, sealed: { ephemeralKey: b64(sealed.ephemeralKey), nonce: b64(sealed.nonce) } };
  }
  if (!identity) return sent;
  return { ...sent, signature: b64(signMessage(answerSigningBytes('fit', sent), identity.signing.secretKey)) };
}

export function protectEvaluation(message: Unsigned<EvaluationMessage>, identity: DeviceIdentity | undefined): EvaluationMessage {
  if (!identity) return message;
  return { ...message, signature: b64(signMessage(answerSigningBytes('evaluate', message), identity.signing.secretKey)) };
}
