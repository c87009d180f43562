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

export type WorkerJob =
  | { id: number; kind: 'fit'; clientIndex: number; task: FitTask }
  | { id: number; kind: 'evaluate'; clientIndex: number; task: ModelTask }
  /** The seeded initial model of a preset or a model.json: built here, so the main thread needs no tfjs. */
  | { id: number; kind: 'describe'; spec: string; numFeatures: number; numClasses: number; seed: number };

export type WorkerOutcome = FitOutcome | EvaluateOutcome | ModelDescriptionData;

export type WorkerReply =
  | { id: number; ok: true; outcome: WorkerOutcome }
  | { id: number; ok: false; message: string }
  | { ready: true; backend: string };
