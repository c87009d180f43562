/**
 * Device identities, signatures and sealed payloads: known-answer tests against RFC 8032 (Ed25519)
 * and RFC 7748 (X25519), the seal's tamper and binding properties,
 * and key files that are private and never replaced.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import {
  SignatureVerifier,
  generateDeviceIdentity,
  openPayload,
  readDeviceIdentity,
  readOrCreateBoxKeyPair,
  readOrCreateDeviceIdentity,
  sealPayload,
  signMessage,
  writeDeviceIdentity,
  x25519,
} from '@cohort/privacy/identity';
import { tempDir } from '../helpers/federation';

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

describe('signatures (RFC 8032 §7.1, test 1)', () => {
  const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const publicKey = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const signature =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('signs the empty message as the RFC does, and the node:crypto verifier accepts it', () => {
    const pair = nacl.sign.keyPair.fromSeed(seed);
    expect(Buffer.from(pair.publicKey).toString('hex')).toBe(Buffer.from(publicKey).toString('hex'));
    const signed = signMessage(new Uint8Array(0), pair.secretKey);
    expect(Buffer.from(signed).toString('hex')).toBe(signature);
    expect(new SignatureVerifier(publicKey).verify(new Uint8Array(0), signed)).toBe(true);
  });

  it('rejects a flipped bit anywhere in the signature or the message, another key, and malformed input', () => {
    const device = generateDeviceIdentity('d');
    const message = new Uint8Array(32).fill(7);
    const signed = signMessage(message, device.signing.secretKey);
    const verifier = new SignatureVerifier(device.signing.publicKey);
    expect(verifier.verify(message, signed)).toBe(true);
    for (let bit = 0; bit < 512; bit += 37) {
      const bad = Uint8Array.from(signed);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifier.verify(message, bad)).toBe(false);
    }
    const altered = Uint8Array.from(message);
    altered[31]! ^= 1;
    expect(verifier.verify(altered, signed)).toBe(false);
    expect(new SignatureVerifier(generateDeviceIdentity('e').signing.publicKey).verify(message, signed)).toBe(false);
    expect(verifier.verify(message, signed.subarray(0, 63))).toBe(false);
    expect(() => new SignatureVerifier(new Uint8Array(31))).toThrow(/bad public key size/);
  });
});

describe('sealed payloads', () => {
  it('agrees keys as RFC 7748 §6.1 does (X25519)', () => {
    const aliceSecret = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(x25519(aliceSecret, bobPublic).toString('hex')).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  const recipient = nacl.box.keyPair();
  const ad = new TextEncoder().encode('run-1/round-3/site-a');
  const plaintext = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) & 0xff);

  it('opens with the recipient key and the same associated data, and reveals nothing of the plaintext', () => {
    const sealed = sealPayload(plaintext, recipient.publicKey, ad);
    expect(sealed.ciphertext.length).toBe(plaintext.length + 16);
    expect(Buffer.from(openPayload(sealed, recipient, ad)!).equals(Buffer.from(plaintext))).toBe(true);
    // Fresh ephemeral key and nonce each time: sealing twice gives unrelated ciphertexts.
    const again = sealPayload(plaintext, recipient.publicKey, ad);
    expect(Buffer.from(again.ciphertext).equals(Buffer.from(sealed.ciphertext))).toBe(false);
    expect(Buffer.from(sealed.ciphertext).includes(Buffer.from(plaintext.subarray(0, 16)))).toBe(false);
  });

  it('refuses (null) tampered ciphertext, another recipient, other associated data, and a swapped ephemeral key', () => {
    const sealed = sealPayload(plaintext, recipient.publicKey, ad);
    const flipped = Uint8Array.from(sealed.ciphertext);
    flipped[100]! ^= 1;
    expect(openPayload({ ...sealed, ciphertext: flipped }, recipient, ad)).toBeNull();
    const tag = Uint8Array.from(sealed.ciphertext);
    tag[tag.length - 1]! ^= 1;
    expect(openPayload({ ...sealed, ciphertext: tag }, recipient, ad)).toBeNull();
    expect(openPayload(sealed, nacl.box.keyPair(), ad)).toBeNull();
    expect(openPayload(sealed, recipient, new TextEncoder().encode('run-1/round-4/site-a'))).toBeNull();
    expect(openPayload({ ...sealed, ephemeralKey: nacl.box.keyPair().publicKey }, recipient, ad)).toBeNull();
    expect(openPayload({ ...sealed, nonce: new Uint8Array(12) }, recipient, ad)).toBeNull();
    expect(openPayload({ ...sealed, ciphertext: new Uint8Array(5) }, recipient, ad)).toBeNull();
  });
});

describe('identity files', () => {
  it('writes a 0700 directory with a 0600 secret file, reads it back, and never replaces it', () => {
    const dir = join(tempDir(), 'identity');
    const made = generateDeviceIdentity('site-a');
    writeDeviceIdentity(dir, made);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'device.key')).mode & 0o777).toBe(0o600);
    const read = readDeviceIdentity(dir);
    expect(read.id).toBe('site-a');
    expect(Buffer.from(read.signing.publicKey).equals(Buffer.from(made.signing.publicKey))).toBe(true);
    expect(Buffer.from(read.box.secretKey).equals(Buffer.from(made.box.secretKey))).toBe(true);
    expect(() => writeDeviceIdentity(dir, generateDeviceIdentity('site-a'))).toThrow(/refusing to replace a device key/);
    expect(readOrCreateDeviceIdentity(dir).id).toBe('site-a');
  });

  it('refuses a secret file others can read, and a public file that does not match', () => {
    const dir = join(tempDir(), 'identity');
    writeDeviceIdentity(dir, generateDeviceIdentity('site-a'));
    chmodSync(join(dir, 'device.key'), 0o644);
    expect(() => readDeviceIdentity(dir)).toThrow(/readable by others/);
    chmodSync(join(dir, 'device.key'), 0o600);
    const other = generateDeviceIdentity('site-a');
    writeFileSync(
      join(dir, 'device.json'),
      JSON.stringify({
        id: 'site-a',
        signingKey: Buffer.from(other.signing.publicKey).toString('base64'),
        boxKey: Buffer.from(other.box.publicKey).toString('base64'),
      }),
    );
    expect(() => readDeviceIdentity(dir)).toThrow(/does not match/);
  });

  it('derives a distinct default id per key, and validates ids', () => {
    const [a, b] = [generateDeviceIdentity(), generateDeviceIdentity()];
    expect(a.id).toMatch(/^device-[0-9a-f]{20}$/);
    expect(a.id).not.toBe(b.id);
    expect(() => generateDeviceIdentity('bad id')).toThrow(/a device id is/);
  });

  it("keeps the coordinator's X25519 key in a 0600 file, the same across restarts", () => {
    const dir = join(tempDir(), 'keys');
    mkdirSync(dir);
    const first = readOrCreateBoxKeyPair(dir);
    expect(statSync(join(dir, 'coordinator-box.key')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readOrCreateBoxKeyPair(dir).publicKey).equals(Buffer.from(first.publicKey))).toBe(true);
  });
});
