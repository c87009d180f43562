/**
 * The Strategy interface, after Flower's (`flwr/server/strategy/strategy.py`): pure maths over plain
 * Float32Arrays, failures passed in as data, no sockets. Strategies return data: per-client
 * instructions from `configureFit`, and the round's differential-privacy release (if any) from
 * `configureFit` (released when the round is broadcast) or `aggregateFit` (released by aggregation),
 * which the round engine hands to the federation's privacy budget.
 */
import type { DistributedDpPlan } from '@cohort/privacy/mechanisms';
import type { DpInstruction, FitMetrics } from '@cohort/protocol';

/** A client's successful local training: its weight delta (w_local − w_global) per tensor. */
export interface FitResult {
  clientId: string;
  numExamples: number;
  delta: Float32Array[];
  /** Absent under differential privacy, where clients withhold raw training metrics. */
  metrics?: FitMetrics;
}

/** A result without its delta: what is kept of an update once a FitAccumulator has taken it in. */
export type FitResultSummary = Omit<FitResult, 'delta'>;

/**
 * A round's updates taken in one by one as they are accepted, so that they need not all be held
 * until the round ends (Strategy.fitAccumulator). Its aggregate must equal aggregateFit's for the
 * same results, bit for bit, whatever order they arrive in — or, where the strategy was told to add
 * them in arrival order (FedAvg's aggregationOrder 'arrival'), aggregateFit's on the results in the
 * order it added them.
 *
 * With `checksValues`, it is handed updates whose values have not been checked: it takes in only
 * updates whose every value is finite, checking them as it adds them (where they are read anyway),
 * and gives each update its verdict once it has — which may be after later updates have arrived,
 * and at the latest in `flush`; the update's ack waits for it. A refused update adds nothing; the
 * round records it as rejected. Without it, the values are checked on arrival and `verdict` is
 * not waited for.
 *
 * A large update may arrive in memory the transport lends (lentMemoryOf(result.delta) names it):
 * an accumulator that hands it back (handBackIfLent) once nothing will read the delta again lets the
 * next update be received into it; one that does not leaves it to the garbage collector.
 */
export interface FitAccumulator {
  /** Whether `add` checks every value and gives each update its verdict (FedAvg's does). */
  readonly checksValues?: boolean;
  /** An update whose shapes are checked; its delta is not kept once it has been taken in. */
  add(result: FitResult, verdict: (refusal?: NonFiniteValue) => void): void;
  /** A selected client that will not contribute (it failed). */
  skip(clientId: string): void;
  /**
   * Takes in every update still waiting: called once every selected client has answered or failed.
   * Every verdict owed is given by its return, and an update added after it is taken in at once.
   */
  flush(): void;
  /**
   * The round's aggregate, as aggregateFit(round, results, failures, global) would return it (in
   * arrival order, its weights as aggregateFit's on the results in the order they were added).
   * `results` are those taken in, sorted by client id.
   */
  finish(results: readonly FitResultSummary[], failures: readonly Failure[]): FitAggregate;
}

/** Where an update has a value that is NaN or ±Infinity: the first such, by tensor and then index. */
export interface NonFiniteValue {
  tensor: number;
  index: number;
}

/** A client that was asked to take part and did not contribute, with the reason. */
export interface Failure {
  clientId: string;
  /** Short machine-readable kind: timeout, disconnected, rejected, client-error. */
  kind: 'timeout' | 'disconnected' | 'rejected' | 'client-error';
  /** The rejection code or a short description. */
  reason: string;
}

export interface EvaluateResult {
  clientId: string;
  numExamples: number;
  lossSum: number;
  /** numClasses × numClasses counts, row = true class, column = predicted, row-major. */
  confusion: number[];
  /** The same counts per value of the sensitive attribute, when the data declares one. */
  groupConfusion?: Record<string, number[]>;
}

export interface ClassificationMetrics {
  examples: number;
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Spread of the clients' own accuracies (population std), over clients with examples. */
  perClientAccuracy?: { clients: number; min: number; max: number; std: number };
  /** Group fairness, when clients report counts per sensitive group. */
  fairness?: FairnessMetrics;
}

export interface GroupMetrics {
  examples: number;
  accuracy: number;
  /** Recall of the positive class (true positive rate); macro recall for multi-class tasks. */
  tpr: number;
  /** False positive rate of the positive class; macro over classes for multi-class tasks. */
  fpr: number;
  f1: number;
  /** Share of the group predicted positive (class 1); null for multi-class tasks. */
  positiveRate: number | null;
}

export interface FairnessMetrics {
  groups: Record<string, GroupMetrics>;
  /** max − min over groups of the positive prediction rate (binary tasks), else null. */
  demographicParityDifference: number | null;
  /** max − min over groups of the true positive rate. */
  equalOpportunityDifference: number;
}

/** One noisy release, as the accountant and the ledger record it. */
export interface DpRelease {
  mechanism: 'gaussian-central' | 'gaussian-local' | 'gaussian-distributed';
  /** σ of the whole release: noise std ÷ clip (with adaptive clipping, of its two queries together). */
  noiseMultiplier: number;
  /** q the release is amplified by: the Poisson rate in central DP, 1 in local DP. */
  sampleRate: number;
  /** C: the L2 bound of one client's update this round. */
  clipNorm: number;
  /** Clients eligible when the round was drawn. */
  population: number;
  /** The cohort size sampling aimed at (q × population for the coordinator's Poisson draw). */
  expectedCohortSize: number;
}

/** What one client is asked to do in a training round. */
export interface ClientInstruction {
  clientId: string;
  /** Clip (and, in local DP, noise) the client applies to its update. */
  dp?: DpInstruction;
}

export interface FitPlan {
  clients: ClientInstruction[];
  /** A release made as soon as the round is broadcast (local DP: every sampled client noises its own update). */
  release?: DpRelease;
}

export interface FitAggregate {
  weights: Float32Array[];
  /** Example-weighted mean of the clients' training metrics, null when none reported any. */
  trainLoss: number | null;
  trainAccuracy: number | null;
  /** A release made by aggregation (central DP's noisy sum). */
  release?: DpRelease;
}

export interface Strategy {
  readonly name: string;
  /** Chooses the clients that train this round from those connected (sorted ids), with their instructions. */
  configureFit(round: number, available: readonly string[]): FitPlan;
  /** Combines the results into the next global model. Throws only on misuse. */
  aggregateFit(round: number, results: readonly FitResult[], failures: readonly Failure[], global: readonly Float32Array[]): FitAggregate;
  /**
   * An accumulator that takes this round's updates as they arrive, when the strategy can (FedAvg);
   * undefined to be handed them all in aggregateFit. `selected` are the round's clients. The round
   * engine asks only without DP and without secure aggregation.
   */
  fitAccumulator?(round: number, selected: readonly string[], global: readonly Float32Array[]): FitAccumulator | undefined;
  /**
   * Under secure aggregation, how clients encode an update of `modelLength` values before masking —
   * distributed DP's noise shares (dp/distributed-dp.ts); undefined for plain quantisation. Called
   * once per run, before the first round is sampled.
   */
  encodingFor?(modelLength: number): DistributedDpPlan | undefined;
  /** Moves the global model by an already aggregated delta (what wrappers such as DP hand on; FedAvg adds it). */
  applyDelta(round: number, delta: readonly Float32Array[], global: readonly Float32Array[]): Float32Array[];
  configureEvaluate(round: number, available: readonly string[]): string[];
  aggregateEvaluate(
    round: number,
    results: readonly EvaluateResult[],
    failures: readonly Failure[],
    numClasses: number,
  ): ClassificationMetrics;
  /** State that must survive a restart (e.g. an adaptive clip), stored with each committed round. */
  saveState?(): unknown;
  loadState?(state: unknown): void;
}
