/**
 * Who a connection is, and what its answers must prove. The socket transport asks this policy, in
 * order:
 *
 * 1. `admit(handshake)` — at the socket.io handshake: with enrolment, a signing key is required and
 *    must be enrolled under the id the client claims (KEY_REQUIRED, UNKNOWN_KEY, KEY_ID_MISMATCH).
 * 2. `challenge()` / `checkProof` — a client that presented a key signs a fresh 32-byte nonce bound
 *    to its id, its key and this coordinator's key (`handshakeProofBytes`); no proof, no entry (BAD_PROOF).
 * 3. `bind(identity, current)` — a second connection for a connected id is refused (ID_IN_USE) unless
 *    it proved the same key, in which case it replaces the old one (a reconnect). Without enrolment
 *    (open mode) an id is bound to the first key that proves it, for the coordinator's lifetime.
 * 4. `authenticate` — every answer of a keyed connection must carry its signature over
 *    (`answerSigningBytes`: task, run, round, client, payload hash…): UNSIGNED, BAD_SIGNATURE; a
 *    sealed update is opened with this coordinator's X25519 key (BAD_SEAL), and with `sealUpdates`
 *    an unsealed one is refused (SEAL_REQUIRED). An enrolled weight replaces the claimed example count.
 */
import { randomBytes } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  answerSigningBytes,
  authProofSchema,
  handshakeProofBytes,
  sealAssociatedData,
  type AuthChallenge,
  type EvaluationMessage,
  type Handshake,
  type ModelDescription,
  type Rejection,
  type UpdateMessage,
} from '@cohort/protocol';
import { SignatureVerifier, openPayload, type BoxKeyPair, type SealedPayload } from '@cohort/privacy/identity';
import type { Enrolment } from './enrolment';

/** What a connection is known as. `signingKey` is set once the client presented one (proven after checkProof). */
export interface ConnectionIdentity {
  clientId: string;
  signingKey?: string;
  verifier?: SignatureVerifier;
  /** The enrolled FedAvg weight, if the enrolment fixes one. */
  weight?: number;
}

export type Authenticate = {
  (task: 'fit', message: UpdateMessage): UpdateMessage;
  (task: 'evaluate', message: EvaluationMessage): EvaluationMessage;
};

export interface DeviceAuthOptions {
  /** The enrolled devices; without it any client may join (open mode). */
  enrolment?: Enrolment;
  /** The coordinator's X25519 key pair: updates are sealed to it, proofs cover its public half. */
  coordinatorKey: BoxKeyPair;
  /** Refuse update payloads not sealed to `coordinatorKey`. */
  sealUpdates: boolean;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export class DeviceAuth {
  private readonly coordinatorKeyText: string;
  /** Open mode: the key each id first proved. */
  private readonly firstKeys = new Map<string, string>();

  constructor(private readonly options: DeviceAuthOptions) {
    this.coordinatorKeyText = b64(options.coordinatorKey.publicKey);
  }

  get enrolment(): 'enrolled' | 'open' {
    return this.options.enrolment ? 'enrolled' : 'open';
  }

  /** What clients are told in model:describe. */
  get security(): NonNullable<ModelDescription['security']> {
    return { coordinatorKey: this.coordinatorKeyText, sealUpdates: this.options.sealUpdates, enrolment: this.enrolment };
  }

  admit(handshake: Handshake): ConnectionIdentity | Rejection {
    const { clientId } = handshake;
    // One text per key, so that lookups and comparisons never depend on how the client wrote it.
    const signingKey = handshake.signingKey && Buffer.from(handshake.signingKey, 'base64').toString('base64');
    const { enrolment } = this.options;
    if (!enrolment) return { clientId, ...(signingKey ? { signingKey } : {}) };
    if (!signingKey)
      return {
        code: 'KEY_REQUIRED',
        message: 'this coordinator admits enrolled devices only: connect with a device identity (cohort keygen)',
      };
    const device = enrolment.lookup(signingKey);
    if (!device) return { code: 'UNKNOWN_KEY', message: `this device's key is not enrolled on this coordinator (client ${clientId})` };
    if (device.id !== clientId) return { code: 'KEY_ID_MISMATCH', message: `this key is enrolled as client ${device.id}, not ${clientId}` };
    return { clientId, signingKey, ...(device.weight !== undefined ? { weight: device.weight } : {}) };
  }

  /** Calls `listener` with the signing keys of devices removed from the enrolment. */
  onRevoke(listener: (signingKeys: ReadonlySet<string>) => void): void {
    this.options.enrolment?.onRevoke((removed) => listener(new Set(removed.map((d) => d.signingKey))));
  }

  challenge(): AuthChallenge {
    return { protocolVersion: PROTOCOL_VERSION, nonce: randomBytes(32).toString('base64'), coordinatorKey: this.coordinatorKeyText };
  }

  /** Checks a client's answer to `challenge`; on success the identity carries its verifier. */
  checkProof(identity: ConnectionIdentity, challenge: AuthChallenge, raw: unknown): Rejection | undefined {
    const parsed = authProofSchema.safeParse(raw);
    const signingKey = identity.signingKey!;
    const verifier = new SignatureVerifier(Buffer.from(signingKey, 'base64'));
    const message = handshakeProofBytes({
      nonce: challenge.nonce,
      clientId: identity.clientId,
      signingKey,
      coordinatorKey: challenge.coordinatorKey,
    });
    if (!parsed.success || !verifier.verify(message, Buffer.from(parsed.data.signature, 'base64')))
      return { code: 'BAD_PROOF', message: `client ${identity.clientId} did not prove it holds the key it presented` };
    identity.verifier = verifier;
    return undefined;
  }

  /**
   * Whether `identity` may be the connection of its id, given the one it would replace: 'replace'
   * (same proven key), 'new', or a refusal.
   */
  bind(identity: ConnectionIdentity, current: ConnectionIdentity | undefined): 'new' | 'replace' | Rejection {
    const { clientId, signingKey } = identity;
    if (current) {
      if (signingKey && identity.verifier && current.signingKey === signingKey) return 'replace';
      return {
        code: 'ID_IN_USE',
        message: `client id ${clientId} is already connected${current.signingKey ? ' with another key' : ''}; the connected client stays`,
      };
    }
    // Re-checked here: the device may have been removed from the enrolment while it answered the challenge.
    const { enrolment } = this.options;
    if (enrolment && (!signingKey || enrolment.lookup(signingKey)?.id !== clientId))
      return { code: 'REVOKED', message: `client ${clientId} is no longer enrolled on this coordinator` };
    if (!enrolment) {
      const first = this.firstKeys.get(clientId);
      if (first !== undefined && first !== signingKey)
        return { code: 'KEY_ID_MISMATCH', message: `client id ${clientId} has proved another key on this coordinator` };
      if (signingKey) this.firstKeys.set(clientId, signingKey);
    }
    return 'new';
  }

  /** Opens a payload a client sealed to this coordinator's key, or null. */
  open(sealed: SealedPayload, associatedData: Uint8Array): Uint8Array | null {
    return openPayload(sealed, this.options.coordinatorKey, associatedData);
  }

  /** The checks every answer of this connection passes before it is decoded. */
  authenticator(identity: ConnectionIdentity): Authenticate {
    const { coordinatorKey, sealUpdates } = this.options;
    return ((task: 'fit' | 'evaluate', message: UpdateMessage | EvaluationMessage) => {
      const { signature, ...unsigned } = message;
      if (identity.verifier) {
        if (!signature) throw new ProtocolError('UNSIGNED', `client ${identity.clientId} proved a key, so its answers must be signed`);
        const bytes =
          task === 'fit'
            ? answerSigningBytes('fit', unsigned as UpdateMessage)
            : answerSigningBytes('evaluate', unsigned as EvaluationMessage);
        if (!identity.verifier.verify(bytes, Buffer.from(signature, 'base64')))
          throw new ProtocolError(
            'BAD_SIGNATURE',
            `the signature does not match this ${task} message of client ${identity.clientId} (replayed or altered)`,
          );
      }
      if (task === 'evaluate') return message;
      const update = message as UpdateMessage;
      let payload = update.payload;
      if (update.sealed) {
        const sealed = {
          ephemeralKey: Buffer.from(update.sealed.ephemeralKey, 'base64'),
          nonce: Buffer.from(update.sealed.nonce, 'base64'),
          ciphertext: update.payload,
        };
        const opened = openPayload(sealed, coordinatorKey, sealAssociatedData(update.runId, update.round, update.clientId));
        if (!opened)
          throw new ProtocolError(
            'BAD_SEAL',
            "the sealed payload does not open with this coordinator's key for this run, round and client",
          );
        payload = opened;
      } else if (sealUpdates) {
        throw new ProtocolError('SEAL_REQUIRED', 'this coordinator requires update payloads sealed to its key');
      }
      return { ...update, payload, ...(identity.weight !== undefined ? { numExamples: identity.weight } : {}) };
    }) as Authenticate;
  }
}

export type { Rejection };
