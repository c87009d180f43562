/**
 * Independent recomputation of ε from what a ledger records — each release's (sampleRate,
 * noiseMultiplier) — with both accountants, never reading `epsilonClaimed` except to compare.
 *
 * Releases fall into two streams accounted separately: `central` (the coordinator's noisy
 * aggregates: 'gaussian-central', 'gaussian-distributed' and any unknown mechanism, which the audit
 * flags) and `per-client` ('gaussian-local': each sampled client releases its own noised update, so
 * the ε is that of one client's data). Both are the Poisson-subsampled Gaussian at the recorded rate.
 *
 * RDP ε is computed after every release. PLD is dearer (a composition per call), so the PLD
 * accountant is stepped once per run of consecutive identical (q, σ), and ε after every release is
 * computed only for streams of at most `pldPerRoundLimit` releases; beyond that only the final one.
 */
import type { GaussianStep } from '../accountant-history';
import { PldAccountant } from '../pld-accountant';
import { RdpAccountant } from '../rdp-accountant';
import type { LedgerEntry } from './entry';

export type LedgerStream = 'central' | 'per-client';

export interface RecomputeOptions {
  /** δ at which ε is reported, in (0, 1). */
  delta: number;
  /** Largest stream for which PLD ε is computed after every release. @default 50 */
  pldPerRoundLimit?: number;
}

export interface RoundEpsilon {
  seq: number;
  /** 1-based line of the entry in the JSONL file. */
  line: number;
  round: number;
  mechanism: string;
  stream: LedgerStream;
  sampleRate: number;
  noiseMultiplier: number;
  private: boolean;
  epsilonClaimed: number;
  /** δ the claim is stated at (the entry's). */
  claimDelta: number;
  /** Recomputed RDP ε of the stream after this release, at the report's δ. */
  epsilonRdp: number;
  /** Recomputed RDP ε after this release at the entry's own δ: what the claim is compared with. */
  epsilonRdpAtClaimDelta: number;
  /** Recomputed PLD ε after this release at the report's δ; null when not computed per round. */
  epsilonPld: number | null;
}

export interface StreamEpsilon {
  stream: LedgerStream;
  /** Number of releases in the stream. */
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
}

export function streamOf(mechanism: string): LedgerStream {
  return mechanism === 'gaussian-local' ? 'per-client' : 'central';
}

function recomputeStream(
  stream: LedgerStream,
  items: readonly { entry: LedgerEntry; line: number }[],
  delta: number,
  pldPerRound: boolean,
): { rounds: RoundEpsilon[]; total: StreamEpsilon | null } {
  if (items.length === 0) return { rounds: [], total: null };
  const rdp = new RdpAccountant();
  const pld = new PldAccountant();
  const rounds: RoundEpsilon[] = [];
  let runStep: GaussianStep | undefined; // the current run of identical (σ, q), stepped into PLD when it ends
  let runCount = 0;
  for (const { entry: e, line } of items) {
    const step: GaussianStep = { noiseMultiplier: e.noiseMultiplier, sampleRate: e.sampleRate };
    rdp.step(step);
    const epsilonRdp = rdp.getEpsilon(delta);
    let epsilonPld: number | null = null;
    if (pldPerRound) {
      pld.step(step);
      epsilonPld = pld.getEpsilon(delta);
    } else if (runStep && runStep.noiseMultiplier === step.noiseMultiplier && runStep.sampleRate === step.sampleRate) {
      runCount++;
    } else {
      if (runStep) pld.step(runStep, runCount);
      runStep = step;
      runCount = 1;
    }
    rounds.push({
      seq: e.seq,
      line,
      round: e.round,
      mechanism: e.mechanism,
      stream,
      sampleRate: e.sampleRate,
      noiseMultiplier: e.noiseMultiplier,
      private: e.private,
      epsilonClaimed: e.epsilonClaimed,
      claimDelta: e.delta,
      epsilonRdp,
      epsilonRdpAtClaimDelta: e.delta === delta ? epsilonRdp : rdp.getEpsilon(e.delta),
      epsilonPld,
    });
  }
  if (runStep) pld.step(runStep, runCount);
  const { epsilon, order } = rdp.getEpsilonAndOrder(delta);
  const last = rounds[rounds.length - 1] as RoundEpsilon;
  const epsilonPld = last.epsilonPld ?? pld.getEpsilon(delta);
  return { rounds, total: { stream, releases: items.length, epsilonRdp: epsilon, rdpOrder: order, epsilonPld } };
}

/** Per-release and final ε of each stream, recomputed from the recorded q and σ (entries in file order). */
export function recomputeLedgerEpsilon(entries: readonly LedgerEntry[], options: RecomputeOptions): RecomputedEpsilon {
  const limit = options.pldPerRoundLimit ?? 50;
  const byStream: Record<LedgerStream, { entry: LedgerEntry; line: number }[]> = { central: [], 'per-client': [] };
  entries.forEach((entry, i) => byStream[streamOf(entry.mechanism)].push({ entry, line: i + 1 }));
  const central = recomputeStream('central', byStream.central, options.delta, byStream.central.length <= limit);
  const perClient = recomputeStream('per-client', byStream['per-client'], options.delta, byStream['per-client'].length <= limit);
  const rounds = [...central.rounds, ...perClient.rounds].sort((a, b) => a.line - b.line);
  return { delta: options.delta, rounds, central: central.total, perClient: perClient.total };
}
