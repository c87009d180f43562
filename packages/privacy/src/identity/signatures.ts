/**
 * Detached ed25519 signatures of devices, by node:crypto: the same signatures as tweetnacl's (a
 * known-answer test checks RFC 8032's), about 90 times faster to make and 60 to verify (figures in
 * `npm run bench -- edge-trust`), which is what lets a thousand devices sign every answer. The key is
 * kept in tweetnacl's 64-byte form; node-keys.ts caches its key object. A `SignatureVerifier` holds
 * one peer's key object, so that a connection verifies each answer without rebuilding it.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { PrivacyError } from '../errors';
import { ed25519PrivateKey } from './node-keys';

export const SIGNATURE_BYTES = 64;

/** A detached signature of `message` by a 64-byte tweetnacl secret key. */
export function signMessage(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 64)
    throw new PrivacyError('INVALID_ARGUMENT', 'bad secret key size: expected 64 bytes.');
  return new Uint8Array(sign(null, message, ed25519PrivateKey(secretKey)));
}

export class SignatureVerifier {
  private readonly key: KeyObject | null;

  /** `publicKey`: 32 bytes; one that is not a curve point verifies nothing. */
  constructor(readonly publicKey: Uint8Array) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
      throw new PrivacyError('INVALID_ARGUMENT', 'bad public key size: expected 32 bytes.');
    let key: KeyObject | null = null;
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    } catch {
      // not a valid point: nothing verifies
    }
    this.key = key;
  }

  /** Whether `signature` is this key's signature of `message`; a malformed signature is false. */
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (this.key === null || !(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
    return verify(null, message, this.key, signature);
  }
}
