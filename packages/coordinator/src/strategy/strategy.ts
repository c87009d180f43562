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
}

export interface ClassificationMetrics {
  examples: number;
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
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
