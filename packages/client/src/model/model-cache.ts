import * as tf from '../tf';
import { buildTrainable } from '../backend';
import { ClientError } from '../errors';

/**
 * Builds a model from its Layers topology once and reuses it: a worker or client holds one model
 * per topology, whatever the number of rounds or virtual clients it serves.
 */
export class ModelCache {
  private readonly models = new Map<string, Promise<tf.LayersModel>>();

  get(topology: Record<string, unknown>): Promise<tf.LayersModel> {
    const key = JSON.stringify(topology);
    let model = this.models.get(key);
    if (!model) {
      model = buildTrainable(() => tf.models.modelFromJSON({ modelTopology: topology } as never)).catch((error: unknown) => {
        this.models.delete(key);
        throw new ClientError('INVALID_MODEL', `the coordinator's model topology could not be built: ${String(error)}`, { cause: error });
      });
      this.models.set(key, model);
    }
    return model;
  }

  dispose(): void {
    for (const model of this.models.values())
      void model.then(
        (m) => m.dispose(),
        () => undefined,
      );
    this.models.clear();
  }
}
