import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKeyPair,
  PUBLIC_KEY_FILE,
  publicKeyFingerprint,
  publicKeyFromText,
  publicKeyToText,
  readOrCreateKeyPair,
} from '@cohort/privacy';
import { SECRET_KEY_FILE, writeKeyPair } from '@cohort/privacy/ledger';

const tempDir = () => mkdtempSync(join(tmpdir(), 'cohort-ledger-keys-'));

describe('ledger signing keys', () => {
  it('are ed25519 key pairs whose public key travels as base64 text', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    expect(publicKey).toHaveLength(32);
    expect(secretKey).toHaveLength(64);
    const text = publicKeyToText(publicKey);
    expect(text).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyFromText(`  ${text}\n`)).toEqual(publicKey);
    expect(() => publicKeyFromText(Buffer.alloc(31).toString('base64'))).toThrow(/bad public key size: expected 32 bytes; got 31/);
    expect(() => publicKeyFromText('not base64!')).toThrow(/base64/);
    expect(() => publicKeyToText(new Uint8Array(33))).toThrow(/bad public key size/);
  });

  it('have an OpenSSH-style fingerprint: SHA256: and the unpadded base64 of the SHA-256 of the 32 key bytes', () => {
    // SHA-256 of 32 zero bytes is 66687aad…0d5f2925.
    expect(publicKeyFingerprint(new Uint8Array(32))).toBe('SHA256:Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU');
    const { publicKey } = generateSigningKeyPair();
    const fingerprint = publicKeyFingerprint(publicKey);
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(Buffer.from(fingerprint.slice('SHA256:'.length), 'base64')).toEqual(createHash('sha256').update(publicKey).digest());
    expect(publicKeyFingerprint(generateSigningKeyPair().publicKey)).not.toBe(fingerprint);
    expect(() => publicKeyFingerprint(new Uint8Array(31))).toThrow(/bad public key size/);
  });

  it('are written with the secret key file at mode 0600 and coordinator.pub beside it, and read back', () => {
    const dir = join(tempDir(), 'keys');
    const written = writeKeyPair(dir);
    const secretPath = join(dir, SECRET_KEY_FILE);
    if (process.platform !== 'win32') expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8').trim()).toBe(publicKeyToText(written.publicKey));
    const read = readOrCreateKeyPair(dir);
    expect(read.publicKey).toEqual(written.publicKey);
    expect(read.secretKey).toEqual(written.secretKey);
    const message = new Uint8Array(32).fill(7);
    expect(nacl.sign.detached.verify(message, nacl.sign.detached(message, read.secretKey), written.publicKey)).toBe(true);
    expect(() => writeKeyPair(dir)).toThrow(/already exists; refusing to replace a signing key/);
  });

  it('are created on first use and kept afterwards', () => {
    const dir = tempDir();
    const first = readOrCreateKeyPair(dir);
    expect(readOrCreateKeyPair(dir).publicKey).toEqual(first.publicKey);
  });

  it('refuse corrupt or mismatched key files', () => {
    const short = tempDir();
    writeFileSync(join(short, SECRET_KEY_FILE), new Uint8Array(10));
    expect(() => readOrCreateKeyPair(short)).toThrow(/must hold 64 raw bytes; it holds 10/);

    const mismatched = tempDir();
    writeKeyPair(mismatched);
    writeFileSync(join(mismatched, PUBLIC_KEY_FILE), `${publicKeyToText(generateSigningKeyPair().publicKey)}\n`);
    expect(() => readOrCreateKeyPair(mismatched)).toThrow(/does not match/);

    const corrupt = tempDir();
    const pair = generateSigningKeyPair();
    pair.secretKey[40] = (pair.secretKey[40] as number) ^ 1;
    writeFileSync(join(corrupt, SECRET_KEY_FILE), pair.secretKey);
    expect(() => readOrCreateKeyPair(corrupt)).toThrow(/corrupt: its public half does not match its seed/);

    const orphan = tempDir();
    writeFileSync(join(orphan, PUBLIC_KEY_FILE), `${publicKeyToText(pair.publicKey)}\n`);
    expect(() => readOrCreateKeyPair(orphan)).toThrow(/refusing to replace a published public key/);
  });
});
