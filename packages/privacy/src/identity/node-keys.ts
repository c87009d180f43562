/**
 * Raw tweetnacl-format keys as node:crypto key objects, for the operations node:crypto does natively
 * and far faster than tweetnacl's JavaScript (`npm run bench -- edge-trust`: Ed25519 signing ~90×,
 * X25519 ~12×). The DER buffers that carry secret bytes into node:crypto are zeroed at once; the key
 * objects themselves live in OpenSSL's memory, which JavaScript cannot zero, so each secret key gets
 * one, cached for as long as its `Uint8Array` lives.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';

const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

const privateKeys = new WeakMap<Uint8Array, { check: Buffer; key: KeyObject }>();

function cachedPrivateKey(secret: Uint8Array, seed: Uint8Array, prefix: Buffer): KeyObject {
  const check = Buffer.from(secret.subarray(secret.length - 8));
  const cached = privateKeys.get(secret);
  // The last bytes change if the caller zeroed or reused the array: then the key is made again.
  if (cached?.check.equals(check)) return cached.key;
  const der = Buffer.concat([prefix, seed]);
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    privateKeys.set(secret, { check, key });
    return key;
  } finally {
    der.fill(0);
  }
}

/** The node:crypto private key of a 64-byte tweetnacl signing secret key (seed ‖ public key). */
export function ed25519PrivateKey(secretKey: Uint8Array): KeyObject {
  return cachedPrivateKey(secretKey, secretKey.subarray(0, 32), ED25519_PKCS8);
}

/** The X25519 shared secret of a 32-byte secret key and a 32-byte public key (RFC 7748). */
export function x25519(secretKey: Uint8Array, publicKey: Uint8Array): Buffer {
  const privateKey = cachedPrivateKey(secretKey, secretKey, X25519_PKCS8);
  return diffieHellman({
    privateKey,
    publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, publicKey]), format: 'der', type: 'spki' }),
  });
}

/** A fresh X25519 key pair whose secret never leaves node:crypto; returns the raw public key and the shared secret with `peer`. */
export function ephemeralX25519(peer: Uint8Array): { publicKey: Uint8Array; shared: Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length));
  const shared = diffieHellman({
    privateKey,
    publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, peer]), format: 'der', type: 'spki' }),
  });
  return { publicKey: raw, shared };
}
