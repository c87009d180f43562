/**
 * Local training and evaluation with TensorFlow.js: plain minibatch SGD over a seeded shuffle (so
 * that a seed reproduces a run), and evaluation that returns counts, never predictions.
 */
import * as tf from '@tensorflow/tfjs';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { FitConfig, FitMetrics } from '@cohort/protocol';
import { shuffle, type Examples } from './examples';

const YIELD_EVERY_MS = 50;
const EVAL_BATCH = 512;
const EPSILON = 1e-7;

export interface FitOutcome {
  /** w_local − w_global, per tensor. */
  delta: Float32Array[];
  numExamples: number;
  /** Mean loss and accuracy over the last local epoch. */
  metrics: FitMetrics;
}

export interface EvaluateOutcome {
  numExamples: number;
  lossSum: number;
  confusion: number[];
  /** Confusion counts per sensitive group, when the examples carry groups. */
  groupConfusion?: Record<string, number[]>;
}

export async function fitLocally(
  model: tf.LayersModel,
  global: readonly Float32Array[],
  data: Examples,
  config: FitConfig,
  numClasses: number,
): Promise<FitOutcome> {
  setWeights(model, global);
  const optimizer = tf.train.sgd(config.learningRate);
  const rng = xoroshiro128plus(config.seed);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const xs = tf.tensor2d(data.x, [data.count, data.numFeatures]);
  const ys = tf.oneHot(tf.tensor1d(data.y, 'int32'), numClasses);
  let lossSum = 0;
  let correct = 0;
  let lastYield = Date.now();
  try {
    for (let epoch = 0; epoch < config.localEpochs; epoch++) {
      shuffle(order, rng);
      lossSum = 0;
      correct = 0;
      for (let start = 0; start < data.count; start += config.batchSize) {
        const batch = order.subarray(start, Math.min(start + config.batchSize, data.count));
        const [loss, hits] = tf.tidy(() => {
          const idx = tf.tensor1d(batch, 'int32');
          const xb = tf.gather(xs, idx);
          const yb = tf.gather(ys, idx);
          let hitsT: tf.Tensor | undefined;
          const lossT = optimizer.minimize(() => {
            const probs = model.apply(xb, { training: true }) as tf.Tensor2D;
            hitsT = tf.keep(tf.equal(tf.argMax(probs, 1), tf.argMax(yb, 1)).sum());
            return crossEntropy(yb, probs).mean() as tf.Scalar;
          }, true)!;
          return [lossT, hitsT!];
        });
        lossSum += loss.dataSync()[0]! * batch.length;
        correct += hits.dataSync()[0]!;
        tf.dispose([loss, hits]);
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
      }
    }
  } finally {
    tf.dispose([xs, ys]);
    optimizer.dispose();
  }
  const local = model.getWeights();
  const delta = local.map((w, i) => {
    const values = w.dataSync() as Float32Array;
    const base = global[i]!;
    const out = new Float32Array(values.length);
    for (let j = 0; j < out.length; j++) out[j] = values[j]! - base[j]!;
    return out;
  });
  return { delta, numExamples: data.count, metrics: { loss: lossSum / data.count, accuracy: correct / data.count } };
}

export async function evaluateLocally(
  model: tf.LayersModel,
  weights: readonly Float32Array[],
  data: Examples,
  numClasses: number,
): Promise<EvaluateOutcome> {
  setWeights(model, weights);
  const confusion = new Array<number>(numClasses * numClasses).fill(0);
  const { groups, groupNames } = data;
  const byGroup = groups && groupNames ? groupNames.map(() => new Array<number>(numClasses * numClasses).fill(0)) : undefined;
  let lossSum = 0;
  for (let start = 0; start < data.count; start += EVAL_BATCH) {
    const end = Math.min(start + EVAL_BATCH, data.count);
    const labels = data.y.subarray(start, end);
    const [losses, predicted] = tf.tidy(() => {
      const xb = tf.tensor2d(data.x.subarray(start * data.numFeatures, end * data.numFeatures), [end - start, data.numFeatures]);
      const probs = model.predict(xb) as tf.Tensor2D;
      const yb = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
      return [crossEntropy(yb, probs), tf.argMax(probs, 1)];
    });
    const lossValues = losses.dataSync();
    const predictions = predicted.dataSync();
    tf.dispose([losses, predicted]);
    for (let i = 0; i < labels.length; i++) {
      lossSum += lossValues[i]!;
      const cell = labels[i]! * numClasses + predictions[i]!;
      confusion[cell]! += 1;
      const group = groups?.[start + i] ?? -1;
      if (byGroup && group >= 0) byGroup[group]![cell]! += 1; // −1: group unknown for this row
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const groupConfusion = byGroup && Object.fromEntries(groupNames!.map((name, g) => [name, byGroup[g]!]));
  return { numExamples: data.count, lossSum, confusion, ...(groupConfusion ? { groupConfusion } : {}) };
}

/** Per-example categorical cross-entropy of softmax outputs, clipped as Keras does. */
function crossEntropy(labels: tf.Tensor, probs: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(probs, EPSILON, 1 - EPSILON))), -1));
}

function setWeights(model: tf.LayersModel, weights: readonly Float32Array[]): void {
  const tensors = model.weights.map((w, i) => tf.tensor(weights[i]!, w.shape as number[]));
  model.setWeights(tensors);
  tf.dispose(tensors);
}
