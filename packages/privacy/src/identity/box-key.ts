/**
 * The coordinator's X25519 key pair, to which clients seal their updates: `coordinator-box.key` (32
 * raw secret bytes, mode 0600) in the coordinator's private key directory, made on first use.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { PrivacyError } from '../errors';
import { createSecretFile } from '../secret-file';

export const BOX_SECRET_FILE = 'coordinator-box.key';

export interface BoxKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** A fresh X25519 key pair, for a coordinator without a key directory (its clients then seal to a key that lives as long as the process). */
export function generateBoxKeyPair(): BoxKeyPair {
  return nacl.box.keyPair();
}

export function readOrCreateBoxKeyPair(dir: string): BoxKeyPair {
  const path = join(dir, BOX_SECRET_FILE);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fresh = nacl.box.keyPair();
    try {
      createSecretFile(path, fresh.secretKey); // false: another process made the key first, which is read below
    } finally {
      fresh.secretKey.fill(0);
    }
  }
  const file = readFileSync(path);
  if (file.length !== 32) {
    file.fill(0);
    throw new PrivacyError('INVALID_STATE', `${path} must hold 32 raw bytes; it holds ${file.length}.`);
  }
  const pair = nacl.box.keyPair.fromSecretKey(Uint8Array.from(file));
  file.fill(0);
  return pair;
}
