/**
 * The federation's privacy budget: the accountant (rebuilt from every run's releases) and the signed
 * ledger, moved together. The round engine hands it each release a strategy returns: central DP's
 * noisy aggregate when the round commits, local DP's noisy updates before the round is broadcast
 * (account, then release), so that an attempt lost to a crash is still on the books.
 */
import type { LedgerEntry, LedgerRunStatus } from '@cohort/privacy';
import type { DpOptions } from '../options';
import type { DpRelease } from '../strategy/strategy';
import type { LedgerExport } from './ledger-export';
import { PrivacyAccounting, type Release } from './privacy-accounting';
import { PrivacyLedger } from './privacy-ledger';

/** Where in the federation's history a release happens. */
export interface ReleasePoint {
  runId: string;
  round: number;
  attempt: number;
  /** The released model (central DP), or the model the clients were sent (local DP). */
  modelSha256: string;
}

export class PrivacyBudget {
  readonly accounting: PrivacyAccounting;
  private readonly ledger: PrivacyLedger;

  constructor(
    readonly dp: DpOptions,
    entries: readonly LedgerEntry[],
    exported: LedgerExport | undefined,
    /** Recorded in every entry: how the updates behind each release were authenticated. */
    updateAuthentication?: 'enrolled-keys' | 'open',
  ) {
    this.accounting = new PrivacyAccounting(
      dp,
      entries.map((e) => ({ noiseMultiplier: e.noiseMultiplier, sampleRate: e.sampleRate })),
    );
    this.ledger = new PrivacyLedger(dp, entries, exported, updateAuthentication);
  }

  /** The attempt number a new attempt at `round` takes, after any the ledger already holds. */
  nextAttempt(runId: string, round: number, failedAttempts: number): number {
    const { last } = this.ledger;
    return Math.max(failedAttempts, last && last.runId === runId && last.round === round ? last.attempt : 0) + 1;
  }

  /** Why the next round may not run (one more planned release would cross the budget), or undefined. */
  budgetStop(): string | undefined {
    const { dp } = this;
    if (dp.budgetEpsilon === undefined) return undefined;
    const next = this.accounting.epsilonAfterNext();
    if (next <= dp.budgetEpsilon) return undefined;
    const spent = this.accounting.epsilonRdp();
    return (
      `the federation's privacy budget ε = ${dp.budgetEpsilon} (δ = ${dp.delta}) cannot fit another round: ` +
      `ε spent so far ${spent.toFixed(4)} over ${this.accounting.rounds} release${this.accounting.rounds === 1 ? '' : 's'}, ` +
      `one more at noise multiplier ${dp.noiseMultiplier} and sampling rate ${this.accounting.nextRelease.sampleRate} would reach ${next.toFixed(4)}`
    );
  }

  /** The signed entry of a release and the accountant step it adds; nothing is recorded yet. */
  prepare(release: DpRelease, at: ReleasePoint): { entry: LedgerEntry; step: Release } {
    const step = { noiseMultiplier: release.noiseMultiplier, sampleRate: release.sampleRate };
    const entry = this.ledger.next({ ...release, ...at, epsilonClaimed: this.accounting.epsilonAfter(step) });
    return { entry, step };
  }

  /** Records a release once its entry is in the database, and publishes it. */
  committed(entry: LedgerEntry, step: Release): void {
    this.accounting.record(step);
    this.ledger.committed(entry);
  }

  /** Signs and publishes the head: 'running' after each change, the run's outcome at its end. */
  publishHead(runId: string, status: LedgerRunStatus, modelSha256: string): void {
    this.ledger.publishHead(runId, status, modelSha256);
  }
}
