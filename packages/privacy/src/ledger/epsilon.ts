/**
 * Independent recomputation of ε from what a ledger records — each release's (sampleRate,
 * noiseMultiplier) — with both accountants, never reading `epsilonClaimed` except to compare.
 *
 * The privacy budget belongs to the federation, so the figure that counts is `total`: every release
 * of every run in the ledger composed in one RDP accountant and one PLD accountant, each as the
 * Poisson-subsampled Gaussian at its recorded rate. Central aggregates and local (per-client)
 * releases are composed together: both are client-level releases about the same clients.
 *
 * For reporting, the releases are also split into two streams, each accounted on its own:
 * `central` (the coordinator's noisy aggregates: 'gaussian-central', 'gaussian-distributed' and any
 * unknown mechanism, which the audit flags) and `per-client` ('gaussian-local': each sampled client
 * releases its own noised update).
 *
 * The combined RDP ε is computed after every release. PLD is dearer (a convolution per release), so
 * the combined PLD ε after every release is computed only for ledgers of at most
 * `pldPerRoundLimit` releases; otherwise, and for the streams, only the final one, with runs of
 * consecutive identical (q, σ) stepped at once.
 */
import type { GaussianStep } from '../accounting/accountant-history';
import { PldAccountant } from '../accounting/pld-accountant';
import { RdpAccountant } from '../accounting/rdp-accountant';
import type { LedgerEntry } from './entry';

export type LedgerStream = 'central' | 'per-client';

export interface RecomputeOptions {
  /** δ at which ε is reported, in (0, 1). */
  delta: number;
  /** Largest ledger for which the combined PLD ε is computed after every release. @default 50 */
  pldPerRoundLimit?: number;
}

export interface RoundEpsilon {
  seq: number;
  /** 1-based line of the entry in the JSONL file. */
  line: number;
  runId: string;
  round: number;
  attempt: number;
  mechanism: string;
  stream: LedgerStream;
  sampleRate: number;
  noiseMultiplier: number;
  private: boolean;
  epsilonClaimed: number;
  /** δ the claim is stated at (the entry's). */
  claimDelta: number;
  /** Combined RDP ε of every release up to and including this one, at the report's δ. */
  epsilonRdp: number;
  /** The same at the entry's own δ: what the claim is compared with. */
  epsilonRdpAtClaimDelta: number;
  /** Combined PLD ε after this release at the report's δ; null when not computed per round. */
  epsilonPld: number | null;
}

export interface StreamEpsilon {
  /** A stream, or 'combined' for every release of the ledger in one accountant. */
  stream: LedgerStream | 'combined';
  /** Number of releases accounted. */
  releases: number;
  /** Final ε by RDP at the report's δ, with the order attaining it. */
  epsilonRdp: number;
  rdpOrder: number;
  /** Final ε by PLD at the report's δ. */
  epsilonPld: number;
}

export interface RecomputedEpsilon {
  delta: number;
  rounds: RoundEpsilon[];
  central: StreamEpsilon | null;
  perClient: StreamEpsilon | null;
  /** Every release of every run composed: the federation's ε, which the budget is checked against. */
  total: StreamEpsilon | null;
}

export function streamOf(mechanism: string): LedgerStream {
  return mechanism === 'gaussian-local' ? 'per-client' : 'central';
}

const stepOf = (e: LedgerEntry): GaussianStep => ({ noiseMultiplier: e.noiseMultiplier, sampleRate: e.sampleRate });

/** Runs of consecutive identical (q, σ) as [step, count] pairs. */
function runsOf(steps: readonly GaussianStep[]): [GaussianStep, number][] {
  const runs: [GaussianStep, number][] = [];
  for (const step of steps) {
    const last = runs[runs.length - 1];
    if (last && last[0].noiseMultiplier === step.noiseMultiplier && last[0].sampleRate === step.sampleRate) last[1]++;
    else runs.push([step, 1]);
  }
  return runs;
}

/** Final RDP and PLD ε of `steps` composed, or null for none. */
function streamTotal(stream: LedgerStream, steps: readonly GaussianStep[], delta: number): StreamEpsilon | null {
  if (steps.length === 0) return null;
  const rdp = new RdpAccountant();
  const pld = new PldAccountant();
  for (const [step, count] of runsOf(steps)) {
    rdp.step(step, count);
    pld.step(step, count);
  }
  const { epsilon, order } = rdp.getEpsilonAndOrder(delta);
  return { stream, releases: steps.length, epsilonRdp: epsilon, rdpOrder: order, epsilonPld: pld.getEpsilon(delta) };
}

/** Per-release combined ε, and the final ε of the ledger and of each stream (entries in file order). */
export function recomputeLedgerEpsilon(entries: readonly LedgerEntry[], options: RecomputeOptions): RecomputedEpsilon {
  const { delta } = options;
  const pldPerRound = entries.length <= (options.pldPerRoundLimit ?? 50);
  const rdp = new RdpAccountant();
  const pld = new PldAccountant();
  const rounds = entries.map((e, i): RoundEpsilon => {
    const step = stepOf(e);
    rdp.step(step);
    const epsilonRdp = rdp.getEpsilon(delta);
    const epsilonPld = pldPerRound ? pld.step(step).getEpsilon(delta) : null;
    return {
      seq: e.seq,
      line: i + 1,
      runId: e.runId,
      round: e.round,
      attempt: e.attempt,
      mechanism: e.mechanism,
      stream: streamOf(e.mechanism),
      sampleRate: e.sampleRate,
      noiseMultiplier: e.noiseMultiplier,
      private: e.private,
      epsilonClaimed: e.epsilonClaimed,
      claimDelta: e.delta,
      epsilonRdp,
      epsilonRdpAtClaimDelta: e.delta === delta ? epsilonRdp : rdp.getEpsilon(e.delta),
      epsilonPld,
    };
  });
  const last = rounds[rounds.length - 1];
  let total: StreamEpsilon | null = null;
  if (last) {
    const { epsilon, order } = rdp.getEpsilonAndOrder(delta);
    if (!pldPerRound) for (const [step, count] of runsOf(entries.map(stepOf))) pld.step(step, count);
    total = {
      stream: 'combined',
      releases: entries.length,
      epsilonRdp: epsilon,
      rdpOrder: order,
      epsilonPld: last.epsilonPld ?? pld.getEpsilon(delta),
    };
  }
  const stream = (name: LedgerStream): StreamEpsilon | null => {
    const steps = entries.filter((e) => streamOf(e.mechanism) === name).map(stepOf);
    // A stream holding every release is the combined figure; no need to compose it again.
    return total && steps.length === entries.length ? { ...total, stream: name } : streamTotal(name, steps, delta);
  };
  return { delta, rounds, central: stream('central'), perClient: stream('per-client'), total };
}
