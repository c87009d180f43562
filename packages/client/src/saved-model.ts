/**
 * Loads a model saved by Cohort (`model/model.json` beside its weight files, the tfjs Layers format)
 * on any backend. `tf.loadLayersModel('file://…')` needs tfjs-node's file handler; this reads the
 * files with node:fs and hands them to tfjs through `io.fromMemory`, so it works on wasm and cpu too.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from './tf';
import { DataError } from './data/data-error';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** `path` is the model directory or its model.json. */
export async function loadSavedModel(path: string): Promise<tf.LayersModel> {
  const file = path.endsWith('.json') ? path : join(path, 'model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as ModelJson;
  } catch (cause) {
    throw new DataError('FILE_UNREADABLE', `cannot read the saved model ${file}: ${(cause as Error).message}`, { cause });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new DataError('FILE_UNREADABLE', `${file} is not a tfjs Layers model.json (it needs modelTopology and weightsManifest).`);
  const groups = json.weightsManifest;
  const buffers = await Promise.all(groups.flatMap((g) => g.paths.map((p) => readFile(join(dirname(file), p)))));
  const weightData = Buffer.concat(buffers);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: groups.flatMap((g) => g.weights),
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
    }),
  );
}
