import type { EvaluateOutcome, FitOutcome, FitTask, ModelTask, Trainer } from '@cohort/client';
import { contiguousFloat32 } from '@cohort/protocol';

/**
 * A trainer that does no work: a zero delta of the model's shape from one example, and a trivial
 * confusion matrix. It isolates the cost of the transport and the round engine.
 */
export class NoopTrainer implements Trainer {
  async fit(task: FitTask): Promise<FitOutcome> {
    // Views of one buffer, as fitLocally's delta is.
    const delta = contiguousFloat32(task.weights.map((w) => w.length));
    return { delta, numExamples: 1, metrics: { loss: 0, accuracy: 0 } };
  }

  async evaluate(task: ModelTask): Promise<EvaluateOutcome> {
    const confusion = new Array<number>(task.numClasses * task.numClasses).fill(0);
    confusion[0] = 1;
    return { numExamples: 1, lossSum: 0, confusion };
  }
}
