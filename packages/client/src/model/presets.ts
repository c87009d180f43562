/**
 * Model presets. `mnist-2nn` and `mnist-cnn` are the 2NN and CNN of McMahan et al., "Communication-
 * Efficient Learning of Deep Networks from Decentralized Data" (AISTATS 2017). Every preset takes
 * flat feature vectors and ends in a softmax over the classes. Layers have fixed names so that
 * weight names do not depend on how many models a process has built.
 */
import * as tf from '../tf';
import { ClientError } from '../errors';

export const MODEL_PRESETS = ['mlp', 'mnist-2nn', 'mnist-cnn'] as const;
export type ModelPreset = (typeof MODEL_PRESETS)[number];

export interface ModelShape {
  /** Length of a flat feature vector. */
  numFeatures: number;
  numClasses: number;
}

export function isPreset(name: string): name is ModelPreset {
  return (MODEL_PRESETS as readonly string[]).includes(name);
}

export function buildPreset(name: ModelPreset, shape: ModelShape, seed: number): tf.LayersModel {
  const init = (i: number) => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i }),
    biasInitializer: tf.initializers.zeros(),
  });
  const dense = (i: number, units: number, activation: 'relu' | 'softmax', inputShape?: number[]) =>
    tf.layers.dense({ name: `dense${i}`, units, activation, ...(inputShape ? { inputShape } : {}), ...init(i) });
  const { numFeatures, numClasses } = shape;
  switch (name) {
    case 'mlp': {
      // Sized from the data: hidden widths grow with the feature count, within [16, 128].
      const hidden = Math.min(128, Math.max(16, 2 * numFeatures));
      return tf.sequential({
        name: 'mlp',
        layers: [dense(1, hidden, 'relu', [numFeatures]), dense(2, Math.max(8, hidden / 2), 'relu'), dense(3, numClasses, 'softmax')],
      });
    }
    case 'mnist-2nn':
      requireFeatures(name, numFeatures, 784);
      return tf.sequential({
        name: 'mnist_2nn',
        layers: [dense(1, 200, 'relu', [784]), dense(2, 200, 'relu'), dense(3, numClasses, 'softmax')],
      });
    case 'mnist-cnn':
      requireFeatures(name, numFeatures, 784);
      return tf.sequential({
        name: 'mnist_cnn',
        layers: [
          tf.layers.reshape({ name: 'reshape', targetShape: [28, 28, 1], inputShape: [784] }),
          tf.layers.conv2d({ name: 'conv1', filters: 32, kernelSize: 5, padding: 'same', activation: 'relu', ...init(1) }),
          tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
          tf.layers.conv2d({ name: 'conv2', filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', ...init(2) }),
          tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
          tf.layers.flatten({ name: 'flatten' }),
          dense(3, 512, 'relu'),
          dense(4, numClasses, 'softmax'),
        ],
      });
  }
}

function requireFeatures(name: string, got: number, want: number): void {
  if (got !== want) throw new ClientError('INVALID_MODEL', `model ${name} takes ${want} features (28×28 images); the data has ${got}.`);
}
