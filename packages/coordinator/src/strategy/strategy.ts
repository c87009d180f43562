/**
 * The Strategy interface, after Flower's (`flwr/server/strategy/strategy.py`): pure maths over plain
 * Float32Arrays, failures passed in as data, no sockets.
 */
import type { FitMetrics } from '@cohort/protocol';

/** A client's successful local training: its weight delta (w_local − w_global) per tensor. */
export interface FitResult {
  clientId: string;
  numExamples: number;
  delta: Float32Array[];
  /** Absent under differential privacy, where clients withhold raw training metrics. */
  metrics?: FitMetrics;
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

export interface FitAggregate {
  weights: Float32Array[];
  /** Example-weighted mean of the clients' training metrics, null when none reported any. */
  trainLoss: number | null;
  trainAccuracy: number | null;
}

export interface Strategy {
  readonly name: string;
  /** Chooses the clients that train this round from those connected (sorted ids). */
  configureFit(round: number, available: readonly string[]): string[];
  /** Combines the results into the next global model. Throws only on misuse. */
  aggregateFit(round: number, results: readonly FitResult[], failures: readonly Failure[], global: readonly Float32Array[]): FitAggregate;
  configureEvaluate(round: number, available: readonly string[]): string[];
  aggregateEvaluate(round: number, results: readonly EvaluateResult[], failures: readonly Failure[], numClasses: number): ClassificationMetrics;
  /** State that must survive a restart (e.g. an adaptive clip), stored with each committed round. */
  saveState?(): unknown;
  loadState?(state: unknown): void;
}
