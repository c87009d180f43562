import type { EvaluateOutcome, FitOutcome, FitTask, ModelTask, Trainer } from '@cohort/client';
import type { WorkerPool } from './worker-pool';

/** A virtual client's trainer: holds nothing but its index; the pool's workers hold the data. */
export class PooledTrainer implements Trainer {
  constructor(
    private readonly pool: WorkerPool,
    private readonly clientIndex: number,
  ) {}

  fit(task: FitTask): Promise<FitOutcome> {
    return this.pool.fit(this.clientIndex, task);
  }

  evaluate(task: ModelTask): Promise<EvaluateOutcome> {
    return this.pool.evaluate(this.clientIndex, task);
  }
}
