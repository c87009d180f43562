/**
 * Detached ed25519 signatures of devices: signing with tweetnacl (the secret key stays a zeroable
 * `Uint8Array`), verification with node:crypto's Ed25519, the same algorithm and far faster (figures
 * in `npm run bench -- edge-trust`). A `SignatureVerifier` holds one peer's key object, so that a
 * connection verifies each of its answers without rebuilding it.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { PrivacyError } from '../errors';

export const SIGNATURE_BYTES = 64;

/** A detached signature of `message` by a 64-byte tweetnacl secret key. */
export function signMessage(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 64)
    throw new PrivacyError('INVALID_ARGUMENT', 'bad secret key size: expected 64 bytes.');
  return nacl.sign.detached(message, secretKey);
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
