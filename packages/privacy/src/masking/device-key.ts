/**
 * The device-local masking key: 32 random bytes in a file of mode 0600, created from the OS CSPRNG
 * on first use. It keys `pseudonymise` (HMAC-SHA256), so pseudonyms are stable on this device and
 * unlinkable to any other device's. Losing the file changes every future pseudonym; leaking it
 * lets whoever holds it test guesses (is `alice@example.com` → `ps_3f…`?), so it never leaves the
 * device and is refused when other users can read it.
 *
 * The key returned belongs to the caller, who should `key.fill(0)` when done.
 */
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cryptoRandomSource } from '../mechanisms/random-source';
import { PrivacyError } from '../errors';

/** Length of a masking key file, in bytes. */
export const MASKING_KEY_BYTES = 32;

/** Reads the key at `path`, first creating it (and its directory, mode 0700) when it does not exist. */
export function readOrCreateMaskingKey(path: string): Uint8Array {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const key = new Uint8Array(MASKING_KEY_BYTES);
    cryptoRandomSource().fillBytes(key);
    try {
      writeFileSync(path, key, { mode: 0o600, flag: 'wx' }); // wx: never replace a key created meanwhile
      chmodSync(path, 0o600); // the mode given to writeFileSync is filtered by the umask
      return key;
    } catch (error) {
      key.fill(0);
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PrivacyError('INVALID_STATE', `cannot create the masking key file ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
  return readMaskingKey(path);
}

/** Reads an existing key file, checking its size and (on POSIX systems) that only its owner can read it. */
export function readMaskingKey(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new PrivacyError('INVALID_STATE', `cannot read the masking key file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new PrivacyError(
        'INVALID_STATE',
        `the masking key file ${path} is accessible to other users (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it.`,
      );
    }
    if (stat.size !== MASKING_KEY_BYTES) {
      throw new PrivacyError(
        'INVALID_STATE',
        `the masking key file ${path} must hold ${MASKING_KEY_BYTES} raw bytes; it holds ${stat.size}.`,
      );
    }
    const key = new Uint8Array(MASKING_KEY_BYTES);
    if (readSync(fd, key, 0, MASKING_KEY_BYTES, 0) !== MASKING_KEY_BYTES) {
      key.fill(0);
      throw new PrivacyError('INVALID_STATE', `the masking key file ${path} could not be read in full.`);
    }
    return key;
  } finally {
    closeSync(fd);
  }
}
