/**
 * The pseudorandom generator of the masks (the PRG of Bonawitz et al. 2017, §4): a 32-byte key becomes m
 * words mod 2^b, read as little-endian 32-bit words of the AES-256-CTR keystream (node:crypto) and reduced
 * mod 2^b by keeping their low b bits, which keeps them uniform.
 *
 * The counter block starts at zero for every key. That is safe because no key is ever used twice: the
 * self-mask seed b is drawn fresh per round, and each pairwise key is derived by HKDF from key pairs made
 * fresh per round and bound to (runId, round, pair). Reusing a key across two masked vectors would let their
 * difference cancel the mask; not guaranteed if a caller passes the same key twice.
 */
import { createCipheriv } from 'node:crypto';
import { PrivacyError } from '../errors';
import { requireInteger } from '../validation';

const KEY_BYTES = 32;
const CHUNK_WORDS = 16 * 1024; // 64 KiB of keystream at a time: cache-sized, no whole-vector temporaries
const ZERO_IV = new Uint8Array(16);
const ZERO_CHUNK = new Uint8Array(CHUNK_WORDS * 4); // never written: the plaintext whose encryption is the keystream
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The bitmask of the low `bits` bits as an int32 (−1 for 32 bits); `(x & wordMask(b)) >>> 0` is x mod 2^b. */
export function wordMask(bits: number): number {
  return bits === 32 ? -1 : 2 ** bits - 1;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES)
    throw new PrivacyError('INVALID_ARGUMENT', 'bad mask key size: expected 32 bytes.');
}

/**
 * Calls `visit(words, offset)` with the keystream of `key` in chunks of whole words, as an Int32Array (little-endian
 * words, two's complement) so that the callers' loops stay in int32 arithmetic; each chunk is zeroed once visited.
 */
function streamWords(key: Uint8Array, length: number, visit: (words: Int32Array, offset: number) => void): void {
  const cipher = createCipheriv('aes-256-ctr', key, ZERO_IV);
  for (let offset = 0; offset < length; offset += CHUNK_WORDS) {
    const count = Math.min(CHUNK_WORDS, length - offset);
    const bytes = cipher.update(ZERO_CHUNK.subarray(0, count * 4));
    if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) visit(new Int32Array(bytes.buffer, bytes.byteOffset, count), offset);
    else {
      const words = new Int32Array(count);
      for (let i = 0; i < count; i++) words[i] = bytes.readInt32LE(4 * i);
      visit(words, offset);
      words.fill(0);
    }
    bytes.fill(0);
  }
  cipher.final();
}

/** Expands a 32-byte key (the FULL agreed secret, never a short seed) into m words mod 2^bits: AES-256-CTR keystream from
 * node:crypto with a zero IV — safe only because every key is fresh per round and pair (see the module comment). */
export function expandMask(key: Uint8Array, length: number, bits: number): Uint32Array {
  checkKey(key);
  requireInteger('length', length, 0);
  requireInteger('bits', bits, 1, 32);
  const out = new Uint32Array(length);
  const view = new Int32Array(out.buffer);
  const mask = wordMask(bits);
  streamWords(key, length, (words, offset) => {
    for (let i = 0; i < words.length; i++) view[offset + i] = (words[i] as number) & mask;
  });
  return out;
}

/**
 * target ← target + sign·PRG(key) mod 2^bits, in place, without materialising the mask. Equivalent to adding or
 * subtracting `expandMask(key, target.length, bits)`; `target` must already hold words < 2^bits.
 */
export function addMask(target: Uint32Array, key: Uint8Array, sign: 1 | -1, bits: number): void {
  checkKey(key);
  const mask = wordMask(bits);
  const view = int32View(target);
  streamWords(key, target.length, sign === 1 ? addChunk(view, mask) : subtractChunk(view, mask));
}

function addChunk(view: Int32Array, mask: number) {
  return (words: Int32Array, offset: number): void => {
    const n = words.length;
    for (let i = 0; i < n; i++) view[offset + i] = ((view[offset + i] as number) + (words[i] as number)) & mask;
  };
}

function subtractChunk(view: Int32Array, mask: number) {
  return (words: Int32Array, offset: number): void => {
    const n = words.length;
    for (let i = 0; i < n; i++) view[offset + i] = ((view[offset + i] as number) - (words[i] as number)) & mask;
  };
}

function int32View(words: Uint32Array): Int32Array {
  return new Int32Array(words.buffer, words.byteOffset, words.length);
}

/** target ← target + addend mod 2^bits, in place. */
export function addInto(target: Uint32Array, addend: Uint32Array, bits: number): void {
  const mask = wordMask(bits);
  const t = int32View(target);
  const a = int32View(addend);
  const n = t.length;
  for (let i = 0; i < n; i++) t[i] = ((t[i] as number) + (a[i] as number)) & mask;
}
