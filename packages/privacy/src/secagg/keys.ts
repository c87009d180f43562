/**
 * Key agreement for secure aggregation: each client's two X25519 key pairs per round (c for encrypting
 * shares, s for the pairwise masks; Bonawitz et al. 2017, §4), the shared key of a pair — tweetnacl's
 * `nacl.box.before`, X25519 then HSalsa20, bit for bit — and the pairwise mask key derived from it by
 * HKDF-SHA256 bound to (runId, round, sorted pair of ids).
 *
 * X25519 key generation and agreement run in node:crypto (native, ~10× faster than tweetnacl's, which
 * matters for the 2k agreements of a client and the d·n·k of a coordinator recovering dropped clients);
 * HSalsa20 is tweetnacl's, so the result equals `nacl.box.before` (the tests open the shares with `nacl.box.open`).
 * A public key of small order (whose agreement would be all zeros) is refused. Secret bytes enter
 * node:crypto through zeroed DER buffers, never through strings; the `KeyObject`s themselves live in
 * OpenSSL's memory, which it clears when they are collected. Not guaranteed: erasure of copies the
 * JavaScript engine or OpenSSL may have made.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { PrivacyError } from '../errors';
import { encodeFields } from './encoding';

export const KEY_BYTES = 32;

const PKCS8_X25519 = Uint8Array.from(Buffer.from('302e020100300506032b656e04220420', 'hex'));
const SPKI_X25519 = Uint8Array.from(Buffer.from('302a300506032b656e032100', 'hex'));
const SIGMA = new TextEncoder().encode('expand 32-byte k');
const ZERO_NONCE16 = new Uint8Array(16);
const PAIR_TAG = 'cohort/secagg/pairwise-mask/v1';
const PAIR_INFO = new TextEncoder().encode(PAIR_TAG);

interface NaclLowLevel {
  crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, key: Uint8Array, constant: Uint8Array): number;
}
// tweetnacl exports its core functions as `lowlevel`, absent from its type declarations.
const lowlevel = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel;

export interface KeyPair {
  publicKey: Uint8Array;
  /** The raw 32 secret bytes (what Shamir shares); the caller zeroes them. */
  secretKey: Uint8Array;
  /** node:crypto's handle on the same secret, for the agreements. */
  privateKey: KeyObject;
}

/**
 * A fresh X25519 key pair from node:crypto (OpenSSL's CSPRNG), the same keys as `nacl.box.keyPair()` gives
 * (clamped scalar, u-coordinate) at a fraction of the cost; the exported DER holding the secret is zeroed.
 */
export function freshKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const secretKey = Uint8Array.from(der.subarray(der.length - KEY_BYTES));
  der.fill(0);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey: Uint8Array.from(spki.subarray(spki.length - KEY_BYTES)), secretKey, privateKey };
}

/** node:crypto's handle on a 32-byte X25519 secret key; the DER buffer holding it is zeroed. */
export function privateKeyObject(secretKey: Uint8Array): KeyObject {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== KEY_BYTES)
    throw new PrivacyError('INVALID_ARGUMENT', 'bad secret key size: expected 32 bytes.');
  const der = new Uint8Array(PKCS8_X25519.length + KEY_BYTES);
  der.set(PKCS8_X25519);
  der.set(secretKey, PKCS8_X25519.length);
  try {
    return createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** The 32-byte public key of a secret key held by node:crypto. */
export function publicKeyOf(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Uint8Array.from(spki.subarray(spki.length - KEY_BYTES));
}

/**
 * `nacl.box.before(publicKey, secretKey)`: HSalsa20 of the X25519 shared point, 32 bytes the caller must zero.
 * @throws PrivacyError('PROTOCOL_VIOLATION') when `publicKey` is not 32 bytes or is of small order.
 */
export function boxBefore(privateKey: KeyObject, publicKey: Uint8Array, owner: string): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== KEY_BYTES)
    throw new PrivacyError('PROTOCOL_VIOLATION', `the public key of ${owner} is not 32 bytes.`);
  const spki = new Uint8Array(SPKI_X25519.length + KEY_BYTES);
  spki.set(SPKI_X25519);
  spki.set(publicKey, SPKI_X25519.length);
  let point: Buffer;
  try {
    const peer = createPublicKey({ key: Buffer.from(spki.buffer), format: 'der', type: 'spki' });
    point = diffieHellman({ privateKey, publicKey: peer });
  } catch (error) {
    throw new PrivacyError('PROTOCOL_VIOLATION', `the public key of ${owner} is not a usable X25519 key (small order or malformed).`, {
      cause: error,
    });
  }
  const shared = new Uint8Array(KEY_BYTES);
  lowlevel.crypto_core_hsalsa20(shared, ZERO_NONCE16, point, SIGMA);
  point.fill(0);
  return shared;
}

/**
 * s_uv: HKDF-SHA256 of `nacl.box.before` of two masking keys, salt = (tag, runId, round, lower id, higher id), so that
 * the key of a pair differs across runs, rounds and pairs even if key pairs were ever reused. 32 bytes the caller must zero.
 */
export function pairwiseMaskKey(
  privateKey: KeyObject,
  peerPublicKey: Uint8Array,
  runId: string,
  round: number,
  self: string,
  peer: string,
): Uint8Array {
  const shared = boxBefore(privateKey, peerPublicKey, peer);
  const [low, high] = self < peer ? [self, peer] : [peer, self];
  const salt = encodeFields([PAIR_TAG, runId, round, low, high]);
  try {
    return new Uint8Array(hkdfSync('sha256', shared, salt, PAIR_INFO, KEY_BYTES));
  } finally {
    shared.fill(0);
  }
}
