/**
 * The shares of secure aggregation: Shamir t-of-k sharing of the 32-byte self-mask seed b and of the
 * masking secret key s_sk (the audited `shamir-secret-sharing`: GF(256) byte-wise, so a share is 33 bytes —
 * 32 evaluations and the x-coordinate — and at most 255 shares), and the envelope a share pair travels in
 * from one client to a neighbour: `nacl.secretbox` under the pair's `nacl.box.before` key (the same bytes as
 * `nacl.box`), nonce ‖ box, of (tag, runId, round, from, to, selfMaskShare, maskingKeyShare).
 *
 * Not guaranteed: Shamir sharing hides a secret from fewer than t shares, but does not detect a wrong
 * share — a client that lies about a share it holds corrupts the reconstruction (the coordinator checks
 * masking keys against their advertised public keys; a self-mask seed has nothing to check against).
 */
import { randomBytes } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import nacl from 'tweetnacl';
import { PrivacyError } from '../errors';
import { encodeFields, FieldReader } from './encoding';
import { KEY_BYTES } from './keys';
import type { EncryptedShare } from './messages';

/** Bytes of one Shamir share of a 32-byte secret. */
export const SHARE_BYTES = KEY_BYTES + 1;
const NONCE_BYTES = nacl.secretbox.nonceLength;
const SHARE_TAG = 'cohort/secagg/share/v1';

/** `count` shares of a 32-byte secret, any `threshold` of which reconstruct it. */
export async function splitSecret(secret: Uint8Array, count: number, threshold: number): Promise<Uint8Array[]> {
  // The library insists on exactly `Uint8Array` (a Buffer is refused); copy, split, zero the copy.
  const copy = Uint8Array.from(secret);
  try {
    return await split(copy, count, threshold);
  } finally {
    copy.fill(0);
  }
}

/** The secret behind `shares` (all of the same secret, distinct x-coordinates, at least the threshold of them). */
export async function combineShares(shares: readonly Uint8Array[]): Promise<Uint8Array> {
  return combine(shares.map((share) => Uint8Array.from(share)));
}

export interface SharePair {
  selfMaskShare: Uint8Array;
  maskingKeyShare: Uint8Array;
}

export interface ShareBinding {
  runId: string;
  round: number;
  from: string;
  to: string;
}

/** Encrypts a share pair from `binding.from` to `binding.to` under their 32-byte `nacl.box.before` key. */
export function sealShares(shares: SharePair, binding: ShareBinding, boxKey: Uint8Array): EncryptedShare {
  const plain = encodeFields([
    SHARE_TAG,
    binding.runId,
    binding.round,
    binding.from,
    binding.to,
    shares.selfMaskShare,
    shares.maskingKeyShare,
  ]);
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const box = nacl.secretbox(plain, nonce, boxKey);
  plain.fill(0);
  const ciphertext = new Uint8Array(NONCE_BYTES + box.length);
  ciphertext.set(nonce);
  ciphertext.set(box, NONCE_BYTES);
  return { from: binding.from, to: binding.to, ciphertext };
}

/**
 * The share pair in `share`, after checking it authenticates under `boxKey` and names exactly `binding`.
 * @throws PrivacyError('PROTOCOL_VIOLATION') naming the sender when it does not.
 */
export function openShares(share: EncryptedShare, binding: ShareBinding, boxKey: Uint8Array): SharePair {
  const { ciphertext } = share;
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < NONCE_BYTES + nacl.secretbox.overheadLength)
    throw new PrivacyError('PROTOCOL_VIOLATION', `the share from ${binding.from} is too short to be a box.`);
  const plain = nacl.secretbox.open(ciphertext.subarray(NONCE_BYTES), ciphertext.subarray(0, NONCE_BYTES), boxKey);
  if (plain === null)
    throw new PrivacyError('PROTOCOL_VIOLATION', `the share from ${binding.from} failed authentication (tampered or not for this client).`);
  try {
    const reader = new FieldReader(plain);
    const fields = [reader.string(), reader.string(), reader.number(), reader.string(), reader.string()];
    const selfMaskShare = reader.bytesField();
    const maskingKeyShare = reader.bytesField();
    const expected = [SHARE_TAG, binding.runId, binding.round, binding.from, binding.to];
    if (
      !reader.done ||
      fields.some((value, i) => value !== expected[i]) ||
      selfMaskShare?.length !== SHARE_BYTES ||
      maskingKeyShare?.length !== SHARE_BYTES
    )
      throw new PrivacyError('PROTOCOL_VIOLATION', `the share from ${binding.from} does not name this run, round, sender and recipient.`);
    return { selfMaskShare: Uint8Array.from(selfMaskShare), maskingKeyShare: Uint8Array.from(maskingKeyShare) };
  } finally {
    plain.fill(0);
  }
}
