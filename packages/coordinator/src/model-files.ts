import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TensorSpec } from '@cohort/protocol';

/**
 * Writes a model in the TensorFlow.js Layers format (model.json + weights.bin), without needing tfjs
 * here; `loadSavedModel(DIR)` of @cohort/client loads it on any backend (tfjs-node users may also use
 * `tf.loadLayersModel('file://DIR/model.json')`).
 */
export function writeLayersModel(dir: string, topology: Record<string, unknown>, specs: readonly TensorSpec[], payload: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'cohort',
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })) }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(dir, 'weights.bin'), payload);
}
