import type { FitConfig, ModelDescription, TensorSpec } from '@cohort/protocol';
import { ClientError } from './errors';
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
  /** Throws ClientError('DATA_MISMATCH') when this trainer's data cannot feed the described model. */
  check?(description: ModelDescription): void;
  close?(): Promise<void>;
}

/** Trains in this thread on examples held in memory. */
export class LocalTrainer implements Trainer {
  private readonly cache = new ModelCache();

  constructor(private readonly data: { train: Examples; evaluation: Examples }) {}

  check(description: ModelDescription): void {
    const width = inputWidth(description.topology);
    const { numFeatures } = this.data.train;
    if (width !== undefined && width !== numFeatures)
      throw new ClientError(
        'DATA_MISMATCH',
        `this client's data has ${numFeatures} feature${numFeatures === 1 ? '' : 's'}, but the coordinator's model takes ${width}: ` +
          'check --data, --label and --schema against the coordinator (--num-features, --schema).',
      );
    const labels = this.data.train.y.reduce((max, y) => Math.max(max, y), 0);
    if (labels >= description.numClasses)
      throw new ClientError(
        'DATA_MISMATCH',
        `this client's labels reach class id ${labels}, but the coordinator's model has ${description.numClasses} classes: check --classes and --num-classes.`,
      );
  }

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

/** The number of input values of one example a Layers topology takes, when its first layer says. */
function inputWidth(topology: Record<string, unknown>): number | undefined {
  const config = topology['config'] as { layers?: { config?: { batch_input_shape?: (number | null)[] } }[] } | undefined;
  const shape = config?.layers?.[0]?.config?.batch_input_shape;
  if (!shape || shape.slice(1).some((d) => d === null)) return undefined;
  return (shape.slice(1) as number[]).reduce((n, d) => n * d, 1);
}
