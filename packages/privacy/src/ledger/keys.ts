/**
 * The coordinator's ed25519 signing key for the ledger, over tweetnacl: generation, base64 text form
 * and fingerprint of the public key, key files, and detached signatures with every length checked.
 * Misuse (a key or signature of the wrong size) throws a `PrivacyError`; a signature that fails to
 * verify is `false`, never an exception.
 *
 * Keys are made by tweetnacl (a plain 64-byte `Uint8Array` the caller can zero); signing and
 * verification go through identity/signatures.ts (node:crypto's Ed25519, the same algorithm and far
 * faster, which matters to an auditor checking thousands of entries).
 *
 * Key files in a directory: `coordinator.key` holds the 64-byte tweetnacl secret key as raw bytes
 * (mode 0600, never as a string, so no immutable copy of it lingers), `coordinator.pub` the 32-byte
 * public key as base64 text, which is what an auditor is given. Buffers holding secret bytes that
 * this module makes are zeroed once used; the key pair handed back belongs to the caller, who
 * should `secretKey.fill(0)` when done.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { PrivacyError } from '../errors';
import { SignatureVerifier, signMessage } from '../identity/signatures';
import { createSecretFile } from '../secret-file';

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;
/** Secret key file name inside a key directory. */
export const SECRET_KEY_FILE = 'coordinator.key';
/** Public key file name inside a key directory (base64 text). */
export const PUBLIC_KEY_FILE = 'coordinator.pub';

export interface SigningKeyPair {
  /** 32-byte ed25519 public key. */
  publicKey: Uint8Array;
  /** 64-byte tweetnacl secret key (seed ‖ public key). */
  secretKey: Uint8Array;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function requireBytes(field: string, value: unknown, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    throw new PrivacyError('INVALID_ARGUMENT', `bad ${field} size: expected a Uint8Array of ${length} bytes; got ${got}.`);
  }
  return value;
}

/** A fresh key pair from tweetnacl's CSPRNG (which throws when none is available). */
export function generateSigningKeyPair(): SigningKeyPair {
  return nacl.sign.keyPair();
}

export function publicKeyToText(publicKey: Uint8Array): string {
  return Buffer.from(requireBytes('public key', publicKey, PUBLIC_KEY_BYTES)).toString('base64');
}

/**
 * The key's fingerprint as OpenSSH prints it: `SHA256:` and the unpadded base64 of the SHA-256 of
 * the 32 raw key bytes. Short enough to read out over the phone, which is how an auditor learns
 * which key to expect from somewhere other than the files it is handed.
 */
export function publicKeyFingerprint(publicKey: Uint8Array): string {
  const digest = createHash('sha256')
    .update(requireBytes('public key', publicKey, PUBLIC_KEY_BYTES))
    .digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** Parses base64 text (surrounding whitespace ignored) into a 32-byte public key. */
export function publicKeyFromText(text: string): Uint8Array {
  const trimmed = String(text).trim();
  if (!BASE64.test(trimmed)) throw new PrivacyError('INVALID_ARGUMENT', 'a public key must be base64 text.');
  const bytes = Uint8Array.from(Buffer.from(trimmed, 'base64'));
  if (bytes.length !== PUBLIC_KEY_BYTES) {
    throw new PrivacyError('INVALID_ARGUMENT', `bad public key size: expected ${PUBLIC_KEY_BYTES} bytes; got ${bytes.length}.`);
  }
  return bytes;
}

/** base64 detached ed25519 signature of `message`. */
export function signDetached(message: Uint8Array, secretKey: Uint8Array): string {
  requireBytes('secret key', secretKey, SECRET_KEY_BYTES);
  return Buffer.from(signMessage(message, secretKey)).toString('base64');
}

/** The verifier of the last key used (an audit verifies thousands of entries under one key). */
let lastVerifier: SignatureVerifier | undefined;

/** Whether `signature` (base64) is a valid signature of `message` by `publicKey`; malformed → false. */
export function verifyDetached(message: Uint8Array, signature: string, publicKey: Uint8Array): boolean {
  requireBytes('public key', publicKey, PUBLIC_KEY_BYTES);
  if (typeof signature !== 'string' || !BASE64.test(signature)) return false;
  if (!lastVerifier || !Buffer.from(lastVerifier.publicKey).equals(publicKey))
    lastVerifier = new SignatureVerifier(Uint8Array.from(publicKey));
  return lastVerifier.verify(message, Buffer.from(signature, 'base64'));
}

/**
 * Writes `given` (a fresh key pair by default) into `dir`: `coordinator.key` (mode 0600) and
 * `coordinator.pub`. Refuses to overwrite either file, since replacing a key makes earlier ledgers
 * unverifiable with the published public key.
 */
export function writeKeyPair(dir: string, given?: SigningKeyPair): SigningKeyPair {
  if (given) {
    requireBytes('secret key', given.secretKey, SECRET_KEY_BYTES);
    requireBytes('public key', given.publicKey, PUBLIC_KEY_BYTES);
  }
  const secretPath = join(dir, SECRET_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  for (const path of [secretPath, publicPath]) {
    if (existsSync(path)) throw new PrivacyError('INVALID_ARGUMENT', `${path} already exists; refusing to replace a signing key.`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPair = given ?? generateSigningKeyPair();
  if (!createSecretFile(secretPath, keyPair.secretKey))
    throw new PrivacyError('INVALID_ARGUMENT', `${secretPath} already exists; refusing to replace a signing key.`);
  writeFileSync(publicPath, `${publicKeyToText(keyPair.publicKey)}\n`);
  return keyPair;
}

/**
 * The key pair kept in `dir`, created there on first use. Checks that the secret key file holds 64
 * bytes whose public half matches its seed and `coordinator.pub` (rewritten if missing).
 */
export function readOrCreateKeyPair(dir: string): SigningKeyPair {
  const secretPath = join(dir, SECRET_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  if (!existsSync(secretPath)) {
    if (existsSync(publicPath)) {
      throw new PrivacyError(
        'INVALID_STATE',
        `${publicPath} exists but ${secretPath} does not; refusing to replace a published public key.`,
      );
    }
    try {
      return writeKeyPair(dir);
    } catch (error) {
      // Another process created the key first: use it.
      if (!existsSync(secretPath)) throw error;
    }
  }
  const file = readFileSync(secretPath);
  if (file.length !== SECRET_KEY_BYTES) {
    file.fill(0);
    throw new PrivacyError('INVALID_STATE', `${secretPath} must hold ${SECRET_KEY_BYTES} raw bytes; it holds ${file.length}.`);
  }
  const secretKey = Uint8Array.from(file);
  file.fill(0);
  const derived = nacl.sign.keyPair.fromSeed(secretKey.subarray(0, 32));
  const consistent = Buffer.from(derived.publicKey).equals(Buffer.from(secretKey.subarray(32)));
  derived.secretKey.fill(0);
  if (!consistent) {
    secretKey.fill(0);
    throw new PrivacyError('INVALID_STATE', `${secretPath} is corrupt: its public half does not match its seed.`);
  }
  const publicKey = derived.publicKey;
  if (!existsSync(publicPath)) {
    writeFileSync(publicPath, `${publicKeyToText(publicKey)}\n`);
  } else {
    let matches = false;
    try {
      matches = Buffer.from(publicKeyFromText(readFileSync(publicPath, 'utf8'))).equals(Buffer.from(publicKey));
    } catch {
      // a malformed public key file is reported as a mismatch below
    }
    if (!matches) {
      secretKey.fill(0);
      throw new PrivacyError('INVALID_STATE', `${publicPath} is malformed or does not match ${secretPath}.`);
    }
  }
  return { publicKey, secretKey };
}
