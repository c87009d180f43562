/**
 * A secret key file created once and never replaced: written aside with mode 0600, then linked into
 * place, so that no process ever reads half a key and, of two processes creating it at once, exactly
 * one succeeds. Shared by the ledger's signing key, device identities and the coordinator's X25519 key.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, unlinkSync, writeFileSync } from 'node:fs';

/** Writes `bytes` at `path` (mode 0600) unless a file is already there; returns whether it wrote it. */
export function createSecretFile(path: string, bytes: Uint8Array): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(aside, bytes, { mode: 0o600, flag: 'wx' });
    chmodSync(aside, 0o600); // the mode given to writeFileSync is filtered by the umask
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    if (existsSync(aside)) unlinkSync(aside);
  }
}
