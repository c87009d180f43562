/**
 * The published copy of the federation's privacy ledger: `ledger.jsonl` (appended one entry at a
 * time, never rewritten), the signed head `ledger-head.json` and the public key `coordinator.pub`
 * beside it. The database is the source of truth; on start the file is checked against it, so a
 * lost or replaced database next to a ledger that records spent budget is refused rather than
 * silently starting afresh.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PUBLIC_KEY_FILE, parseLedgerJsonl, publicKeyToText, toJsonl, type LedgerEntry, type LedgerHead } from '@cohort/privacy';
import { CoordinatorError } from '../errors';

export const LEDGER_HEAD_FILE = 'ledger-head.json';

export class LedgerExport {
  readonly dir: string;

  constructor(readonly path: string) {
    this.dir = dirname(resolve(path));
  }

  /** The entries the published file holds ([] when there is none). */
  published(): LedgerEntry[] {
    if (!existsSync(this.path)) return [];
    try {
      return parseLedgerJsonl(readFileSync(this.path, 'utf8'));
    } catch (cause) {
      throw new CoordinatorError(
        'STORE_CORRUPT',
        `${this.path} is not a valid ledger (${(cause as Error).message}); refusing to start over it.`,
        { cause },
      );
    }
  }

  /**
   * Brings the file level with the database: entries the database holds beyond the file (a crash
   * between commit and append) are appended. A file that holds entries the database lacks, or that
   * differs from it, means the database was lost, truncated or replaced: refused.
   */
  reconcile(stored: readonly LedgerEntry[]): void {
    const published = this.published();
    if (published.length > stored.length) {
      throw new CoordinatorError(
        'STORE_CORRUPT',
        `${this.path} records ${published.length} privacy releases but the coordinator's database only ${stored.length}: the database was lost, truncated or replaced. ` +
          "Starting afresh would reset the federation's privacy budget; restore the database, or use a new data directory for a new federation.",
      );
    }
    published.forEach((entry, i) => {
      if (entry.hash !== stored[i]!.hash) {
        throw new CoordinatorError(
          'STORE_CORRUPT',
          `${this.path} and the coordinator's database disagree at seq ${entry.seq}: one of them was replaced; refusing to start.`,
        );
      }
    });
    if (stored.length > published.length) {
      mkdirSync(this.dir, { recursive: true });
      appendFileSync(this.path, toJsonl(stored.slice(published.length)));
    }
  }

  append(entry: LedgerEntry): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.path, toJsonl([entry]));
  }

  /** Replaces the signed head atomically (write, then rename), so a reader never sees half of one. */
  writeHead(head: LedgerHead): void {
    const target = join(this.dir, LEDGER_HEAD_FILE);
    writeFileSync(`${target}.tmp`, `${JSON.stringify(head, null, 2)}\n`);
    renameSync(`${target}.tmp`, target);
  }

  writePublicKey(publicKey: Uint8Array): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, PUBLIC_KEY_FILE), `${publicKeyToText(publicKey)}\n`);
  }
}

/** Whether a ledger file with at least one entry exists at `path` (checked before a database is opened). */
export function ledgerFileHasEntries(path: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8').trim().length > 0;
}
