/** Messages between the simulation's main thread and its training workers. */
import type { EvaluateOutcome, FitOutcome, FitTask, ModelTask } from '@cohort/client';
import type { ModelDescriptionData } from '@cohort/client/training';
import type { Split } from './data/dataset';

export interface WorkerInit {
  numFeatures: number;
  groupNames?: string[];
  train: Split;
  test: Split;
  /** Per virtual client: indices into `train` it trains on and into `test` it evaluates on. */
  trainParts: Int32Array[];
  evalParts: Int32Array[];
}

/**
 * A fit or evaluation without its weights, which travel apart: `weights` is null when they equal the
 * weights of the worker's previous job (every client of a round gets the same global model, and a
 * fused round evaluates it before training it), so that a round clones them once per worker.
 */
export type WorkerJob =
  | { id: number; kind: 'fit'; clientIndex: number; task: Omit<FitTask, 'weights'>; weights: Float32Array[] | null }
  | { id: number; kind: 'evaluate'; clientIndex: number; task: Omit<ModelTask, 'weights'>; weights: Float32Array[] | null }
  /** The seeded initial model of a preset or a model.json: built here, so the main thread needs no tfjs. */
  | { id: number; kind: 'describe'; spec: string; numFeatures: number; numClasses: number; seed: number };

export type WorkerOutcome = FitOutcome | EvaluateOutcome | ModelDescriptionData;

export type WorkerReply =
  | { id: number; ok: true; outcome: WorkerOutcome }
  | { id: number; ok: false; message: string }
  | { ready: true; backend: string };
