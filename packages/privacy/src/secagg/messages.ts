/**
 * What each stage of secure aggregation sends, in binary (base64 is the transport's business), and the
 * checks of their shape. The stages are those of Bonawitz et al. 2017, §4: advertise keys, share keys,
 * masked input, unmask (the consistency-check round of the malicious model is not part of this layer).
 */
import { PrivacyError } from '../errors';
import { encodeFields } from './encoding';
import { KEY_BYTES } from './keys';

export interface SecAggAdvertisement {
  clientId: string;
  /** X25519 c_pk, fresh per round: the key neighbours encrypt their shares to. */
  encryptionKey: Uint8Array;
  /** X25519 s_pk, fresh per round: the key of the pairwise masks. */
  maskingKey: Uint8Array;
  /** ed25519 over advertisementBytes(runId, round, clientId, c_pk, s_pk), or empty when the client has no identity. */
  signature: Uint8Array;
}

export interface EncryptedShare {
  from: string;
  to: string;
  /** tweetnacl box (nonce ‖ box) from `from`'s c_sk to `to`'s c_pk, of (from, to, selfMaskShare, maskingKeyShare). */
  ciphertext: Uint8Array;
}

export interface UnmaskRequest {
  dropped: string[];
  survived: string[];
}

export interface UnmaskResponse {
  clientId: string;
  /** For survived neighbours: their self-mask seed's share. */
  selfMaskShares: Record<string, Uint8Array>;
  /** For dropped neighbours: their masking secret key's share. */
  maskingKeyShares: Record<string, Uint8Array>;
}

/** Checks an advertisement's signature: `bytes` are `advertisementBytes(runId, round, clientId, …)` of its claimed fields. */
export type AdvertisementVerifier = (clientId: string, bytes: Uint8Array, signature: Uint8Array) => boolean;

const ADVERTISEMENT_TAG = 'cohort/secagg/advertisement/v1';

/** The bytes a client signs to vouch for its round keys: (tag, runId, round, clientId, c_pk, s_pk), length-prefixed. */
export function advertisementBytes(
  runId: string,
  round: number,
  clientId: string,
  encryptionKey: Uint8Array,
  maskingKey: Uint8Array,
): Uint8Array {
  requireString('runId', runId);
  requireRound(round);
  requireString('clientId', clientId);
  if (!isKey(encryptionKey) || !isKey(maskingKey)) throw new PrivacyError('INVALID_ARGUMENT', 'bad key size: expected 32 bytes.');
  return encodeFields([ADVERTISEMENT_TAG, runId, round, clientId, encryptionKey, maskingKey]);
}

export function isKey(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === KEY_BYTES;
}

/** Why an advertisement is malformed, or null when its fields have the right types and sizes. */
export function advertisementProblem(advert: unknown): string | null {
  if (typeof advert !== 'object' || advert === null) return 'not an object';
  const { clientId, encryptionKey, maskingKey, signature } = advert as Partial<SecAggAdvertisement>;
  if (typeof clientId !== 'string' || clientId.length === 0) return 'clientId is not a non-empty string';
  if (!isKey(encryptionKey)) return 'encryptionKey is not 32 bytes';
  if (!isKey(maskingKey)) return 'maskingKey is not 32 bytes';
  if (!(signature instanceof Uint8Array)) return 'signature is not a Uint8Array';
  return null;
}

export function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new PrivacyError('INVALID_ARGUMENT', `${field} must be a non-empty string.`);
  return value;
}

export function requireRound(round: unknown): number {
  if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0)
    throw new PrivacyError('INVALID_ARGUMENT', `round must be an integer ≥ 0; got ${String(round)}.`);
  return round;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
