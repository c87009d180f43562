/**
 * The coordinator's X25519 key pair, to which clients seal their updates: `coordinator-box.key` (32
 * raw secret bytes, mode 0600) in the coordinator's private key directory, made on first use.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { PrivacyError } from '../errors';

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
    const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
    try {
      writeFileSync(aside, fresh.secretKey, { mode: 0o600, flag: 'wx' });
      chmodSync(aside, 0o600);
      linkSync(aside, path);
    } catch (error) {
      // Another process made the key first: use it.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fresh.secretKey.fill(0);
      if (existsSync(aside)) unlinkSync(aside);
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
