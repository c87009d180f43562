// The model: any tfjs Layers model built from tfjs's own layers, ending in a softmax.
import * as tf from '@tensorflow/tfjs';
import type { AppModelShape } from '@cohort/simulations';

export function buildModel({ inputShape, numClasses }: AppModelShape, seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape, units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dropout({ rate: 0.1 }),
      tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
