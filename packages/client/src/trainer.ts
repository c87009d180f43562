import type { FitConfig, TensorSpec } from '@cohort/protocol';
import type { Examples } from './examples';
import { evaluateLocally, fitLocally, type EvaluateOutcome, type FitOutcome } from './local-training';
import { ModelCache } from './model/model-cache';

/** What the coordinator asked for: the model and, for training, the round's settings. */
export interface ModelTask {
  round: number;
  topology: Record<string, unknown>;
  weightSpecs: TensorSpec[];
  numClasses: number;
  weights: Float32Array[];
}

export interface FitTask extends ModelTask {
  config: FitConfig;
}

/** Runs local training and evaluation. The simulation swaps in a worker-pool implementation. */
export interface Trainer {
  fit(task: FitTask): Promise<FitOutcome>;
  evaluate(task: ModelTask): Promise<EvaluateOutcome>;
  close?(): Promise<void>;
}

/** Trains in this thread on examples held in memory. */
export class LocalTrainer implements Trainer {
  private readonly cache = new ModelCache();

  constructor(private readonly data: { train: Examples; evaluation: Examples }) {}

  async fit(task: FitTask): Promise<FitOutcome> {
    return fitLocally(await this.cache.get(task.topology), task.weights, this.data.train, task.config, task.numClasses);
  }

  async evaluate(task: ModelTask): Promise<EvaluateOutcome> {
    return evaluateLocally(await this.cache.get(task.topology), task.weights, this.data.evaluation, task.numClasses);
  }

  async close(): Promise<void> {
    this.cache.dispose();
  }
}
