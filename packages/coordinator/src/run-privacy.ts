/**
 * One privacy budget for the federation: the accountant (rebuilt from every run's releases) and the
 * signed ledger, moved together. Central DP releases the noisy aggregate when a round commits; local
 * DP releases every sampled client's noisy update, so its entry is committed before the round is
 * broadcast (account, then release): an attempt lost to a crash is still on the books.
 */
import type { LedgerEntry } from '@cohort/privacy';
import type { DpOptions } from './options';
import { PrivacyAccounting, type Release } from './privacy-accounting';
import { PrivacyLedger, type ReleaseFacts } from './privacy-ledger';
import type { LedgerExport } from './ledger-export';

export type RoundFacts = Omit<ReleaseFacts, 'sampleRate' | 'epsilonClaimed'>;

export class RunPrivacy {
  readonly accounting: PrivacyAccounting;
  readonly ledger: PrivacyLedger;
  private last: LedgerEntry | undefined;

  constructor(readonly dp: DpOptions, entries: readonly LedgerEntry[], exported: LedgerExport | undefined) {
    this.accounting = new PrivacyAccounting(dp, entries.map((e) => ({ noiseMultiplier: e.noiseMultiplier, sampleRate: e.sampleRate })));
    this.ledger = new PrivacyLedger(dp, entries, exported);
    this.last = entries[entries.length - 1];
  }

  /** Local DP: clients release as soon as they answer, so the entry precedes the broadcast. */
  get accountsBeforeBroadcast(): boolean {
    return this.dp.mode === 'local';
  }

  /** The attempt number a new attempt at `round` takes, after any the ledger already holds. */
  nextAttempt(runId: string, round: number, failedAttempts: number): number {
    const last = this.last;
    return Math.max(failedAttempts, last && last.runId === runId && last.round === round ? last.attempt : 0) + 1;
  }

  /** Why the next round may not run (one more release would cross the budget), or undefined. */
  budgetStop(): string | undefined {
    if (!this.accounting.wouldExceedBudget()) return undefined;
    const { dp } = this;
    const spent = this.accounting.epsilonRdp();
    const next = this.accounting.epsilonAfterNext();
    return (
      `the federation's privacy budget ε = ${dp.budgetEpsilon} (δ = ${dp.delta}) cannot fit another round: ` +
      `ε spent so far ${spent.toFixed(4)} over ${this.accounting.rounds} release${this.accounting.rounds === 1 ? '' : 's'}, ` +
      `one more at noise multiplier ${dp.noiseMultiplier} and sampling rate ${this.accounting.nextRelease.sampleRate} would reach ${next.toFixed(4)}`
    );
  }

  /** The signed entry of the round's release and the accountant step it adds; nothing is recorded yet. */
  prepare(facts: RoundFacts): { entry: LedgerEntry; step: Release } {
    const step = this.accounting.nextRelease;
    const entry = this.ledger.next({ ...facts, sampleRate: step.sampleRate, epsilonClaimed: this.accounting.epsilonAfterNext() });
    return { entry, step };
  }

  /** Records a release once its entry is in the database, and publishes it. */
  committed(entry: LedgerEntry, step: Release): void {
    this.accounting.record(step);
    this.ledger.committed(entry);
    this.last = entry;
  }
}
