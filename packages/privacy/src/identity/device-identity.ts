/**
 * A device's identity: an ed25519 key pair that signs its handshakes and answers, and a long-term
 * X25519 key pair published in its enrolment entry, both from tweetnacl's CSPRNG. (Secure
 * aggregation draws fresh X25519 keys every round and signs them with the ed25519 key, so that a
 * leaked long-term key exposes no past round; the long-term X25519 key is there for key agreement
 * that must be tied to the device itself, and nothing uses it yet.) On disk (`cohort keygen --out DIR`):
 *
 * - `DIR/device.key`: 96 raw bytes, the 64-byte tweetnacl signing secret key (seed ‖ public key)
 *   then the 32-byte X25519 secret key; mode 0600, in a directory of mode 0700;
 * - `DIR/device.json`: the public half, `{ id, signingKey, boxKey }` (base64), which is what an
 *   operator copies into the coordinator's enrolment file.
 *
 * The client id defaults to one derived from the signing key, so that two devices never share one
 * by accident. Secret bytes read from disk are copied into arrays the caller owns and can zero.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { PrivacyError } from '../errors';
import { createSecretFile } from '../secret-file';
import { publicKeyFromText, publicKeyToText } from '../ledger/keys';

export const DEVICE_SECRET_FILE = 'device.key';
export const DEVICE_PUBLIC_FILE = 'device.json';
const SECRET_BYTES = 64 + 32;
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface DeviceIdentity {
  /** The client id this identity connects as; bound to `signing.publicKey` by enrolment. */
  id: string;
  /** ed25519: signs the handshake challenge and every answer. */
  signing: { publicKey: Uint8Array; secretKey: Uint8Array };
  /** X25519, long-term: published for key agreement tied to the device (unused yet; see the module comment). */
  box: { publicKey: Uint8Array; secretKey: Uint8Array };
}

/** The public half of an identity, as the enrolment file lists it (keys in base64). */
export interface PublicIdentity {
  id: string;
  signingKey: string;
  boxKey: string;
}

/** `device-` and 20 hex digits of the SHA-256 of the signing public key. */
export function defaultDeviceId(signingPublicKey: Uint8Array): string {
  return `device-${createHash('sha256').update(signingPublicKey).digest('hex').slice(0, 20)}`;
}

/** A fresh identity; `id` defaults to one derived from the new signing key. */
export function generateDeviceIdentity(id?: string): DeviceIdentity {
  const signing = nacl.sign.keyPair();
  const box = nacl.box.keyPair();
  const chosen = id ?? defaultDeviceId(signing.publicKey);
  checkId(chosen);
  return { id: chosen, signing, box };
}

export function publicIdentity(identity: DeviceIdentity): PublicIdentity {
  return { id: identity.id, signingKey: publicKeyToText(identity.signing.publicKey), boxKey: publicKeyToText(identity.box.publicKey) };
}

/**
 * Writes a new identity into `dir` (created 0700), refusing to replace one (of two processes at
 * once, exactly one succeeds).
 */
export function writeDeviceIdentity(dir: string, identity: DeviceIdentity): void {
  const secretPath = join(dir, DEVICE_SECRET_FILE);
  if (existsSync(secretPath)) throw new PrivacyError('INVALID_ARGUMENT', `${secretPath} already exists; refusing to replace a device key.`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const secret = new Uint8Array(SECRET_BYTES);
  secret.set(identity.signing.secretKey, 0);
  secret.set(identity.box.secretKey, 64);
  let written: boolean;
  try {
    written = createSecretFile(secretPath, secret);
  } finally {
    secret.fill(0);
  }
  if (!written) throw new PrivacyError('INVALID_ARGUMENT', `${secretPath} already exists; refusing to replace a device key.`);
  writeFileSync(join(dir, DEVICE_PUBLIC_FILE), `${JSON.stringify(publicIdentity(identity), null, 2)}\n`, { mode: 0o644 });
}

/**
 * Reads the identity in `dir`. Refuses a secret file that others can read (as ssh does), one of the
 * wrong size, and a public file that does not match the secret one.
 */
export function readDeviceIdentity(dir: string): DeviceIdentity {
  const secretPath = join(dir, DEVICE_SECRET_FILE);
  const publicPath = join(dir, DEVICE_PUBLIC_FILE);
  if (!existsSync(secretPath))
    throw new PrivacyError('INVALID_STATE', `no device identity in ${dir}: make one with cohort keygen --out ${dir}`);
  const mode = statSync(secretPath).mode & 0o777;
  if (mode & 0o077)
    throw new PrivacyError('INVALID_STATE', `${secretPath} is readable by others (mode ${mode.toString(8)}); chmod 600 it.`);
  const file = readFileSync(secretPath);
  if (file.length !== SECRET_BYTES) {
    file.fill(0);
    throw new PrivacyError('INVALID_STATE', `${secretPath} must hold ${SECRET_BYTES} raw bytes; it holds ${file.length}.`);
  }
  const signing = nacl.sign.keyPair.fromSecretKey(Uint8Array.from(file.subarray(0, 64)));
  const box = nacl.box.keyPair.fromSecretKey(Uint8Array.from(file.subarray(64)));
  file.fill(0);
  let published: PublicIdentity;
  try {
    published = JSON.parse(readFileSync(publicPath, 'utf8')) as PublicIdentity;
  } catch (error) {
    throw new PrivacyError('INVALID_STATE', `cannot read ${publicPath}: ${(error as Error).message}`, { cause: error });
  }
  const sameKey = (text: unknown, key: Uint8Array) => {
    try {
      return Buffer.from(publicKeyFromText(String(text))).equals(key);
    } catch {
      return false;
    }
  };
  const derived = nacl.sign.keyPair.fromSeed(signing.secretKey.subarray(0, 32)).publicKey;
  if (
    !Buffer.from(derived).equals(signing.publicKey) ||
    !sameKey(published.signingKey, signing.publicKey) ||
    !sameKey(published.boxKey, box.publicKey)
  )
    throw new PrivacyError('INVALID_STATE', `${publicPath} does not match ${secretPath}.`);
  checkId(published.id);
  return { id: published.id, signing, box };
}

/** The identity in `dir`, made there on first use with a derived id. */
export function readOrCreateDeviceIdentity(dir: string): DeviceIdentity {
  if (!existsSync(join(dir, DEVICE_SECRET_FILE))) {
    try {
      writeDeviceIdentity(dir, generateDeviceIdentity());
    } catch (error) {
      if (!existsSync(join(dir, DEVICE_SECRET_FILE))) throw error;
    }
  }
  return readDeviceIdentity(dir);
}

function checkId(id: unknown): void {
  if (typeof id !== 'string' || !CLIENT_ID.test(id))
    throw new PrivacyError('INVALID_ARGUMENT', `a device id is 1–128 letters, digits and . _ : -; got ${JSON.stringify(id)}.`);
}
