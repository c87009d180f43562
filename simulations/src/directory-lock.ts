/**
 * An exclusive lock on a directory, so that one process at a time writes a run directory or a
 * federation's data directory (`proper-lockfile` is not a dependency; this is its core, in 100 lines).
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Another live process holds the directory; the message names it. */
export class DirectoryInUseError extends Error {
  override readonly name = 'DirectoryInUseError';
  readonly code = 'IN_USE';
}

const LOCK_FILE = 'cohort.lock';

interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/**
 * An exclusive lock on a directory: cohort.lock, naming its holder. It is written beside its place
 * and hard-linked into it, so that it appears whole or not at all (link fails if one exists). A lock
 * whose process is gone (same host, no such pid) is stale and taken over. A lock file rather than
 * SQLite's exclusive locking: a refusal must name the holder, and the lock guards more than the
 * database (the published ledger, metrics, model). A reused pid keeps a stale lock "held": the
 * refusal names the pid and the file, for a person to check and delete.
 */
export class DirectoryLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly path: string,
    private readonly text: string,
  ) {
    process.once('exit', this.onExit);
  }

  static acquire(dir: string, command: string): DirectoryLock {
    const path = join(dir, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
    const text = JSON.stringify(holder);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createExclusive(path, text)) {
        heldHere.add(path);
        return new DirectoryLock(path, text);
      }
      const seen = readText(path);
      if (seen === undefined) continue;
      const current = parseHolder(seen);
      if (current && (heldHere.has(path) || isRunning(current)))
        throw new DirectoryInUseError(
          `${dir} is in use by process ${current.pid} (${current.command} on ${current.host}, since ${current.since}); ` +
            `wait for it to end or stop it (if no such process runs, delete ${path}).`,
        );
      removeStale(path, seen);
    }
    throw new DirectoryInUseError(`${dir}: could not take ${path}, other processes keep replacing it.`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    heldHere.delete(this.path);
    if (readText(this.path) === this.text) unlinkSync(this.path);
  }
}

/** The lock files this process holds: a lock naming this pid that is not one of them is a predecessor's. */
const heldHere = new Set<string>();

function createExclusive(path: string, text: string): boolean {
  const staging = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(staging, text);
  try {
    linkSync(staging, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(staging);
  }
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? (value as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A holder on another host cannot be checked, and counts as running. One with this process's own pid,
 * on a lock this process did not take, is a crashed predecessor whose pid was reused (PID 1 of a
 * restarted container): stale.
 */
function isRunning(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves the stale lock out of the way; one another process put there meanwhile is put back. */
function removeStale(path: string, stale: string): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (readText(aside) !== stale) {
    try {
      linkSync(aside, path);
    } catch {
      // A newer lock already took its place.
    }
  }
  unlinkSync(aside);
}
