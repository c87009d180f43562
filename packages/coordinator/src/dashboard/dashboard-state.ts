/**
 * What the dashboard publishes, as plain data: federation-level figures of each committed round and
 * nothing that says who took part. No client id and no single client's figure ever reaches it; the
 * participation counts and bytes (which follow who was sampled) only without differential privacy,
 * where the round report itself carries them.
 */
import type { DpOptions } from '../options';
import type { RoundReport, RunOutcome } from '../round-report';
import type { EvaluationRecord, RoundRecord } from '../store/store';

/** One committed round as the dashboard shows it. */
export interface DashboardRound {
  round: number;
  /** The global model's federated evaluation after the round; null when the round was not evaluated. */
  accuracy: number | null;
  loss: number | null;
  /** Example-weighted mean of the clients' training metrics; null when clients report none (under DP). */
  trainAccuracy: number | null;
  trainLoss: number | null;
  durationMs: number;
  /** Answers aggregated; null under DP (participation is what DP protects). */
  participants: number | null;
  /** Bytes received from and sent to clients; null under DP (they count the cohort). */
  bytesIn: number | null;
  bytesOut: number | null;
  /** ε (RDP) spent by the federation after the round; null without DP or when not known (rounds of an earlier process). */
  epsilon: number | null;
}

/** The DP settings a viewer needs to read ε against the budget. */
export interface DashboardPrivacy {
  mode: DpOptions['mode'];
  delta: number;
  budgetEpsilon: number | null;
  /** false when noise and sampling are seeded (simulations): the figures then protect nothing. */
  private: boolean;
}

/** The stage of the round in progress, as the coordinator's `stage` event reports it. */
export interface DashboardStage {
  round: number;
  attempt: number;
  stage: string;
}

export type DashboardStatus = 'running' | RunOutcome['status'];

/** Everything a page needs on arrival; afterwards it receives each change on its own. */
export interface DashboardSnapshot {
  connected: number;
  stage: DashboardStage | null;
  status: DashboardStatus;
  privacy: DashboardPrivacy | null;
  rounds: DashboardRound[];
}

/** The events the dashboard namespace sends; it listens to none. */
export interface DashboardEvents {
  'dashboard:snapshot': (snapshot: DashboardSnapshot) => void;
  'dashboard:round': (round: DashboardRound) => void;
  'dashboard:stage': (stage: DashboardStage) => void;
  'dashboard:connected': (connected: number) => void;
  'dashboard:status': (status: DashboardStatus) => void;
}

/** A round report reduced to what the dashboard publishes. */
export function dashboardRound(report: RoundReport): DashboardRound {
  const { participation, evaluation } = report;
  return {
    round: report.round,
    accuracy: evaluation?.accuracy ?? null,
    loss: evaluation?.loss ?? null,
    trainAccuracy: report.trainAccuracy,
    trainLoss: report.trainLoss,
    durationMs: report.durationMs,
    participants: participation?.participants ?? null,
    bytesIn: participation?.bytesIn ?? null,
    bytesOut: participation?.bytesOut ?? null,
    epsilon: report.privacy?.rdp ?? null,
  };
}

/**
 * The rounds a resumed run committed before this process started, from the store: the same figures,
 * with participation and bytes dropped under DP, and ε unknown (the ledger holds it, not the rows).
 */
export function storedRounds(rounds: readonly RoundRecord[], evaluations: readonly EvaluationRecord[], dp: boolean): DashboardRound[] {
  const evaluated = new Map(evaluations.map((e) => [e.round, e.metrics]));
  const committed = rounds.filter((r) => r.status === 'committed');
  const fromRows: DashboardRound[] = committed.map((r) => ({
    round: r.round,
    accuracy: evaluated.get(r.round)?.accuracy ?? null,
    loss: evaluated.get(r.round)?.loss ?? null,
    trainAccuracy: r.trainAccuracy,
    trainLoss: r.trainLoss,
    durationMs: r.durationMs,
    participants: dp ? null : r.participants.length,
    bytesIn: dp ? null : r.bytesIn,
    bytesOut: dp ? null : r.bytesOut,
    epsilon: null,
  }));
  const initial = evaluated.get(0);
  const round0 = initial ? [{ ...emptyRound(0), accuracy: initial.accuracy, loss: initial.loss }] : [];
  return [...round0, ...fromRows];
}

export function dashboardPrivacy(dp: DpOptions | undefined): DashboardPrivacy | null {
  if (!dp) return null;
  return { mode: dp.mode, delta: dp.delta, budgetEpsilon: dp.budgetEpsilon ?? null, private: dp.seed === undefined };
}

const MAX_STAGE_NAME = 64;

/**
 * A `stage` event checked in full: the dashboard subscribes to it without a type from the emitter,
 * and publishes only these three fields (whatever else the event carries stays out).
 */
export function parseStage(event: unknown): DashboardStage | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { round, attempt, stage } = event as Record<string, unknown>;
  if (!Number.isInteger(round) || (round as number) < 0) return undefined;
  if (!Number.isInteger(attempt) || (attempt as number) < 1) return undefined;
  if (typeof stage !== 'string' || stage.length === 0 || stage.length > MAX_STAGE_NAME) return undefined;
  return { round: round as number, attempt: attempt as number, stage };
}

/** The history a late page receives: one entry per round, the latest report of a round replacing an earlier one. */
export class DashboardHistory {
  private readonly byRound = new Map<number, DashboardRound>();

  constructor(initial: readonly DashboardRound[] = []) {
    for (const round of initial) this.byRound.set(round.round, round);
  }

  add(round: DashboardRound): void {
    this.byRound.set(round.round, round);
  }

  rounds(): DashboardRound[] {
    return [...this.byRound.values()].sort((a, b) => a.round - b.round);
  }
}

function emptyRound(round: number): DashboardRound {
  return {
    round,
    accuracy: null,
    loss: null,
    trainAccuracy: null,
    trainLoss: null,
    durationMs: 0,
    participants: null,
    bytesIn: null,
    bytesOut: null,
    epsilon: null,
  };
}
