/** What a round and a run report to listeners (and, through the simulation, to metrics.jsonl). */
import type { EpsilonReport } from './dp/privacy-accounting';
import type { RunSecurity } from './options';
import type { SecAggStage } from '@cohort/protocol';
import type { StageFigures } from './secure-aggregation';
import type { RoundRecord } from './store/store';
import type { ClassificationMetrics, Failure } from './strategy/strategy';

/** Who and how many took part in a round: the coordinator's own records, published only without DP. */
export interface RoundParticipation {
  /** Clients drawn for the round. */
  selected: number;
  participants: number;
  failures: Failure[];
  bytesIn: number;
  bytesOut: number;
  /** Time and bytes of each stage of secure aggregation, when the round was securely aggregated. */
  secureAggregation?: Record<SecAggStage, StageFigures>;
}

/**
 * What one round produced, as reported to listeners and written to metrics.jsonl. Under DP it holds
 * nothing from which a reader could tell whether a given client took part: no participation facts,
 * no training metrics, no single client's evaluation figures.
 */
export interface RoundReport {
  round: number;
  /** Clients connected when the cohort was drawn (public: DP protects participation, not presence). */
  population: number;
  /** null under differential privacy. */
  participation: RoundParticipation | null;
  trainLoss: number | null;
  trainAccuracy: number | null;
  evaluation: ClassificationMetrics | null;
  durationMs: number;
  /** ε of the federation after this round by RDP and PLD, when differential privacy is on. */
  privacy: EpsilonReport | null;
}

export interface RunOutcome {
  runId: string;
  status: 'finished' | 'budget-exhausted' | 'failed' | 'stopped';
  reason: string;
  lastRound: number;
  finalEvaluation: ClassificationMetrics | null;
  modelSha256: string;
  privacy: EpsilonReport | null;
  security: RunSecurity;
}

/** The report of a round that only evaluated (round 0, the initial model). */
export function emptyReport(round: number): RoundReport {
  return {
    round,
    population: 0,
    participation: null,
    trainLoss: null,
    trainAccuracy: null,
    evaluation: null,
    durationMs: 0,
    privacy: null,
  };
}

/**
 * The report of a committed round rebuilt from its stored row, for a round whose report a crash kept
 * from being emitted (it waited for its evaluation). Under DP (`privacy` given) without participation.
 */
export function reportOfRecord(record: RoundRecord, privacy: EpsilonReport | null): RoundReport {
  return {
    round: record.round,
    population: record.population,
    participation: privacy
      ? null
      : {
          selected: record.selected.length,
          participants: record.participants.length,
          failures: record.failures,
          bytesIn: record.bytesIn,
          bytesOut: record.bytesOut,
        },
    trainLoss: record.trainLoss,
    trainAccuracy: record.trainAccuracy,
    evaluation: null,
    durationMs: record.durationMs,
    privacy,
  };
}

/** Metrics without any single client's figure: what is published under DP. */
export function withoutPerClient(metrics: ClassificationMetrics): ClassificationMetrics {
  const { perClientAccuracy: _perClient, ...rest } = metrics;
  return rest;
}
