/**
 * The coordinator's side of the signed privacy ledger: it signs each release's entry, chained to the
 * federation's last one (across runs), publishes it once committed and signs the head after every
 * change. The signing key lives in its own key directory, never beside the published files.
 */
import { resolve } from 'node:path';
import {
  createLedgerEntry,
  createLedgerHead,
  readOrCreateKeyPair,
  type LedgerEntry,
  type LedgerRunStatus,
  type SigningKeyPair,
} from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import type { LedgerExport } from './ledger-export';
import type { DpOptions } from '../options';
import type { DpRelease } from '../strategy/strategy';

/** What the coordinator knows of one release when it signs its entry. */
export interface ReleaseFacts extends DpRelease {
  runId: string;
  round: number;
  attempt: number;
  modelSha256: string;
  epsilonClaimed: number;
}

export class PrivacyLedger {
  private readonly keys: SigningKeyPair;
  /** The federation's last entry (any run): the next one chains to it. */
  private lastEntry: LedgerEntry | undefined;

  constructor(
    private readonly dp: DpOptions,
    entries: readonly LedgerEntry[],
    private readonly exported: LedgerExport | undefined,
    private readonly updateAuthentication?: 'enrolled-keys' | 'open',
  ) {
    if (exported && resolve(dp.keyDir) === exported.dir) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `the ledger signing key directory (${dp.keyDir}) must not be the directory the ledger is published in.`,
      );
    }
    this.keys = readOrCreateKeyPair(dp.keyDir);
    this.lastEntry = entries[entries.length - 1];
    exported?.writePublicKey(this.keys.publicKey);
  }

  get last(): LedgerEntry | undefined {
    return this.lastEntry;
  }

  /** A signed entry chained to the last one; it joins the ledger once `committed`. */
  next(facts: ReleaseFacts): LedgerEntry {
    return createLedgerEntry(
      {
        ...facts,
        time: new Date().toISOString(),
        delta: this.dp.delta,
        private: this.dp.seed === undefined,
        ...(this.updateAuthentication ? { updateAuthentication: this.updateAuthentication } : {}),
      },
      this.lastEntry,
      this.keys.secretKey,
    );
  }

  committed(entry: LedgerEntry): void {
    this.lastEntry = entry;
    this.exported?.append(entry);
  }

  /** Signs and publishes the head: status 'running' after each change, the run's outcome at its end. */
  publishHead(runId: string, status: LedgerRunStatus, modelSha256: string): void {
    if (!this.exported) return;
    const facts = { runId, status, time: new Date().toISOString(), modelSha256, budgetEpsilon: this.dp.budgetEpsilon ?? null };
    this.exported.writeHead(createLedgerHead(this.lastEntry, facts, this.keys.secretKey));
  }
}
