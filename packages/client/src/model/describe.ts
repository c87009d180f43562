import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '../tf';
import type { NamedTensor, TensorSpec } from '@cohort/protocol';
import { ClientError } from '../errors';
import { buildPreset, isPreset, MODEL_PRESETS, type ModelShape } from './presets';

/** A model as the coordinator needs it: topology JSON and weights, without tfjs objects. */
export interface ModelDescriptionData {
  topology: Record<string, unknown>;
  weights: NamedTensor[];
  numClasses: number;
}

/**
 * Builds the initial model of a run from a preset name or a tfjs Layers model.json (its weights are
 * used when the weight files sit beside it, else the topology's initialisers run).
 */
export async function initialModel(spec: string, shape: ModelShape, seed: number): Promise<ModelDescriptionData> {
  const model = isPreset(spec) ? buildPreset(spec, shape, seed) : await loadLayersJson(spec);
  try {
    return describe(model, shape.numClasses);
  } finally {
    model.dispose();
  }
}

export function describe(model: tf.LayersModel, numClasses: number): ModelDescriptionData {
  const outputs = model.outputs[0]?.shape.at(-1);
  if (outputs !== numClasses) throw new ClientError('INVALID_MODEL', `the model outputs ${outputs} classes; the data has ${numClasses}.`);
  const topology = model.toJSON(undefined, false) as Record<string, unknown>;
  const weights = model.weights.map((w, i) => {
    const value = model.getWeights()[i]!;
    return { name: w.originalName ?? w.name, shape: [...value.shape], data: value.dataSync() as Float32Array };
  });
  return { topology, weights, numClasses };
}

async function loadLayersJson(path: string): Promise<tf.LayersModel> {
  if (!existsSync(path)) {
    throw new ClientError('INVALID_MODEL', `model ${path} is neither a preset (${MODEL_PRESETS.join(', ')}) nor a model.json file.`);
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (!json.modelTopology) throw new ClientError('INVALID_MODEL', `${path} has no modelTopology: it is not a tfjs Layers model.json.`);
  const manifest = json.weightsManifest ?? [];
  const files = manifest.flatMap((group) => group.paths.map((p) => join(dirname(path), p)));
  if (files.length > 0 && files.every((f) => existsSync(f))) {
    const weightData = Buffer.concat(files.map((f) => readFileSync(f)));
    const artifacts = {
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: manifest.flatMap((g) => g.weights),
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
    };
    return tf.loadLayersModel(tf.io.fromMemory(artifacts));
  }
  return tf.models.modelFromJSON({ modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'] } as never);
}

export type { TensorSpec };
