/**
 * The coordinator's privacy budget: an RDP accountant (fast, used for the budget check before each
 * round) and a PLD accountant (tighter, reported beside it), both rebuilt from the ledger's
 * releases so that a restart never resets them.
 */
import { PldAccountant, RdpAccountant } from '@cohort/privacy';
import type { DpOptions } from '../options';

export interface Release {
  noiseMultiplier: number;
  sampleRate: number;
}

export interface EpsilonReport {
  rdp: number;
  pld: number;
  delta: number;
  /** false when noise and sampling were seeded (simulations): the figures then protect nothing. */
  private: boolean;
}

export class PrivacyAccounting {
  private readonly rdp = new RdpAccountant();
  private readonly releases: Release[] = [];
  /** The last report, valid until the next release: PLD composition costs up to seconds. */
  private reported: EpsilonReport | undefined;

  constructor(readonly dp: DpOptions, past: readonly Release[]) {
    for (const release of past) this.record(release);
  }

  /** The release one more round adds: central DP is amplified by sampling; local DP is per client, unamplified. */
  get nextRelease(): Release {
    return { noiseMultiplier: this.dp.noiseMultiplier, sampleRate: this.dp.mode === 'central' ? this.dp.sampleRate : 1 };
  }

  get rounds(): number {
    return this.releases.length;
  }

  record(release: Release): void {
    this.rdp.step(release, 1);
    this.releases.push(release);
    this.reported = undefined;
  }

  epsilonRdp(): number {
    return this.releases.length === 0 ? 0 : this.rdp.getEpsilon(this.dp.delta);
  }

  /** ε (RDP) after one more release, without recording it. */
  epsilonAfter(release: Release): number {
    const next = RdpAccountant.fromJSON(this.rdp.toJSON());
    next.step(release, 1);
    return next.getEpsilon(this.dp.delta);
  }

  /** ε (RDP) after one more planned round. */
  epsilonAfterNext(): number {
    return this.epsilonAfter(this.nextRelease);
  }

  wouldExceedBudget(): boolean {
    return this.dp.budgetEpsilon !== undefined && this.epsilonAfterNext() > this.dp.budgetEpsilon;
  }

  report(): EpsilonReport {
    this.reported ??= this.compute();
    return this.reported;
  }

  private compute(): EpsilonReport {
    const isPrivate = this.dp.seed === undefined;
    if (this.releases.length === 0) return { rdp: 0, pld: 0, delta: this.dp.delta, private: isPrivate };
    const pld = new PldAccountant();
    for (const run of runsOf(this.releases)) pld.step(run.release, run.count);
    return { rdp: this.epsilonRdp(), pld: pld.getEpsilon(this.dp.delta), delta: this.dp.delta, private: isPrivate };
  }
}

function runsOf(releases: readonly Release[]): { release: Release; count: number }[] {
  const runs: { release: Release; count: number }[] = [];
  for (const r of releases) {
    const last = runs[runs.length - 1];
    if (last && last.release.noiseMultiplier === r.noiseMultiplier && last.release.sampleRate === r.sampleRate) last.count++;
    else runs.push({ release: r, count: 1 });
  }
  return runs;
}
