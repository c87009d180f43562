/**
 * The two operators that replace a value by an opaque identifier:
 *
 * - `pseudonymise`: HMAC-SHA256 keyed with the device's secret key, so the pseudonym of a value is
 *   the same on every run on this device (joins across files and over time work) but cannot be
 *   recomputed, or linked to another device's pseudonyms, without the key. The key is what makes
 *   this more than a hash: an unkeyed hash of an e-mail address is reversed by hashing candidates.
 * - `tokenise`: a fresh random token from the OS CSPRNG per distinct value, remembered in memory
 *   for one masking session only. Equal values get equal tokens within the session, also across
 *   columns that share a token prefix (joins inside the dataset work); across sessions the tokens
 *   are unrelated and meaningless.
 */
import { createHmac } from 'node:crypto';
import { cryptoRandomSource, type RandomSource } from '../mechanisms/random-source';
import type { RuleOf } from './policy';
import { PrivacyError } from '../errors';

/** Smallest device key accepted for pseudonyms, in bytes (128 bits). */
export const MIN_SECRET_KEY_BYTES = 16;

export function checkSecretKey(secretKey: unknown): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length < MIN_SECRET_KEY_BYTES) {
    const got = secretKey instanceof Uint8Array ? `${secretKey.length} bytes` : typeof secretKey;
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `secretKey must be a Uint8Array of at least ${MIN_SECRET_KEY_BYTES} bytes (32 recommended); got ${got}.`,
    );
  }
  return secretKey;
}

/** `prefix` + the first `length` hex digits of HMAC-SHA256(secretKey, normalised value). */
export function pseudonymise(
  value: string,
  secretKey: Uint8Array,
  rule: Pick<RuleOf<'pseudonymise'>, 'prefix' | 'length' | 'normalise'>,
): string {
  const input = rule.normalise === 'none' ? value : rule.normalise === 'trim' ? value.trim() : value.trim().toLowerCase();
  return rule.prefix + createHmac('sha256', secretKey).update(input, 'utf8').digest('hex').slice(0, rule.length);
}

/** Bytes of randomness in a token: 64 bits, so collisions within a dataset are negligible (and checked). */
const TOKEN_BYTES = 8;

/** The in-memory map of one tokenisation session. Drop the object to forget the mapping. */
export class TokenVault {
  private readonly tokens = new Map<string, string>();
  private readonly issued = new Set<string>();
  private readonly random: RandomSource;

  constructor(random: RandomSource = cryptoRandomSource()) {
    if (!random.private) throw new PrivacyError('INVALID_ARGUMENT', 'tokens must come from a private (CSPRNG) random source.');
    this.random = random;
  }

  /** The session's token for `value` under `prefix`, drawn on first sight. */
  token(value: string, prefix: string): string {
    const key = `${prefix}\u0000${value}`;
    let token = this.tokens.get(key);
    if (token === undefined) {
      const bytes = new Uint8Array(TOKEN_BYTES);
      do {
        this.random.fillBytes(bytes);
        token = prefix + Buffer.from(bytes).toString('hex');
      } while (this.issued.has(token));
      bytes.fill(0);
      this.issued.add(token);
      this.tokens.set(key, token);
    }
    return token;
  }

  /** Number of distinct values tokenised so far. */
  get size(): number {
    return this.tokens.size;
  }
}
