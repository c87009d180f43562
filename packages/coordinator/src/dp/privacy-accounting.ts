/**
 * The accountants behind the federation's budget: RDP (exact and cheap, the figure the budget and
 * the ledger's claims are held to) and PLD (tighter, reported beside it), both rebuilt from the
 * ledger's releases so that neither a restart nor a new run resets them. Both compose incrementally:
 * a round costs the same at round 1000 as at round 10.
 */
import { PldAccountant, RdpAccountant } from '@cohort/privacy';
import { computeRdp, rdpToEpsilon } from '@cohort/privacy/accounting/analysis';
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

/**
 * A PLD grid capped at 2^18 points keeps a round's cost flat as rounds accumulate; coarsening keeps
 * every figure an upper bound (about 1e-6 relative above the uncapped grid at 1000 rounds).
 */
const PLD_MAX_GRID_POINTS = 2 ** 18;

export class PrivacyAccounting {
  private readonly rdp = new RdpAccountant();
  private readonly pld = new PldAccountant({ maxGridPoints: PLD_MAX_GRID_POINTS });
  private releases = 0;
  /** RDP of one release of the last (σ, q) asked about. */
  private oneStep: { key: string; rdp: Float64Array } | undefined;
  /** The last report, valid until the next release. */
  private reported: EpsilonReport | undefined;

  constructor(
    readonly dp: DpOptions,
    past: readonly Release[],
  ) {
    for (const release of past) this.record(release);
  }

  /** The release one more round adds: central and distributed DP are amplified by sampling; local DP is per client, unamplified. */
  get nextRelease(): Release {
    return { noiseMultiplier: this.dp.noiseMultiplier, sampleRate: this.dp.mode === 'local' ? 1 : this.dp.sampleRate };
  }

  get rounds(): number {
    return this.releases;
  }

  record(release: Release): void {
    this.rdp.step(release, 1);
    this.pld.step(release, 1);
    this.releases++;
    this.reported = undefined;
  }

  epsilonRdp(): number {
    return this.releases === 0 ? 0 : this.rdp.getEpsilon(this.dp.delta);
  }

  /** ε (RDP) after one more release, without recording it: RDP adds up order by order. */
  epsilonAfter(release: Release): number {
    const { orders } = this.rdp;
    const total = this.rdp.getRdp();
    const key = `${release.noiseMultiplier}:${release.sampleRate}`;
    // The budget check before a round and the claim at its release ask about the same step.
    if (this.oneStep?.key !== key) this.oneStep = { key, rdp: computeRdp({ ...release, orders, steps: 1 }) };
    const one = this.oneStep.rdp;
    for (let i = 0; i < total.length; i++) total[i]! += one[i]!;
    return rdpToEpsilon(orders, total, this.dp.delta).epsilon;
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
    if (this.releases === 0) return { rdp: 0, pld: 0, delta: this.dp.delta, private: isPrivate };
    return { rdp: this.epsilonRdp(), pld: this.pld.getEpsilon(this.dp.delta), delta: this.dp.delta, private: isPrivate };
  }
}
