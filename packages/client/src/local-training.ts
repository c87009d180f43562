/**
 * Local training and evaluation with TensorFlow.js: minibatch SGD, heavy-ball momentum or Adam over
 * a seeded shuffle (so that a seed reproduces a run), optionally with the FedProx proximal term
 * (Li et al., "Federated Optimization in Heterogeneous Networks", MLSys 2020), and evaluation that
 * returns counts, never predictions.
 */
import * as tf from './tf';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { contiguousFloat32, type FitConfig, type FitMetrics } from '@cohort/protocol';
import { BatchBuffers, shuffle, type Examples } from './examples';

const YIELD_EVERY_MS = 50;
const EVAL_BATCH = 512;
const EPSILON = 1e-7;
const DEFAULT_MOMENTUM = 0.9;

export interface FitOutcome {
  /** w_local − w_global, per tensor. */
  delta: Float32Array[];
  numExamples: number;
  /** Mean loss (the data term, without FedProx's) and accuracy over the last local epoch. */
  metrics: FitMetrics;
}

export interface EvaluateOutcome {
  numExamples: number;
  lossSum: number;
  confusion: number[];
  /** Confusion counts per sensitive group, when the examples carry groups. */
  groupConfusion?: Record<string, number[]>;
}

/**
 * The round's optimiser, with fresh state: tf.train.sgd; tf.train.momentum (v ← βv + g, w ← w − ηv);
 * or tf.train.adam (β₁ 0.9, β₂ 0.999, ε 1e-7, with bias correction).
 */
export function createOptimizer(config: FitConfig): tf.Optimizer {
  switch (config.optimizer ?? 'sgd') {
    case 'sgd':
      return tf.train.sgd(config.learningRate);
    case 'momentum':
      return tf.train.momentum(config.learningRate, config.momentum ?? DEFAULT_MOMENTUM);
    case 'adam':
      return tf.train.adam(config.learningRate);
  }
}

/**
 * Disposes an optimiser and every tensor it made. tfjs 4.22's MomentumOptimizer.dispose does not
 * call SGDOptimizer's, whose learning-rate scalar would leak one tensor a round.
 */
function disposeOptimizer(optimizer: tf.Optimizer, config: FitConfig): void {
  optimizer.dispose();
  // By the config, not instanceof: tfjs's optimisers answer instanceof for any optimiser (Symbol.hasInstance).
  if (config.optimizer === 'momentum') tf.SGDOptimizer.prototype.dispose.call(optimizer);
}

export async function fitLocally(
  model: tf.LayersModel,
  global: readonly Float32Array[],
  data: Examples,
  config: FitConfig,
  numClasses: number,
): Promise<FitOutcome> {
  const start = setWeights(model, global);
  const optimizer = createOptimizer(config);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const proximal = proximalTerm(config.proximalMu ?? 0, trainable, (v) => start[model.weights.findIndex((w) => w.read() === v)]!);
  const rng = xoroshiro128plus(config.seed);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const buffers = new BatchBuffers(data, Math.min(config.batchSize, data.count), numClasses);
  // The last epoch's per-batch mean losses and predicted classes, read once at the end of the round
  // instead of a synchronising read per batch.
  const losses: tf.Scalar[] = [];
  const predictions: tf.Tensor1D[] = [];
  let lastYield = Date.now();
  try {
    for (let epoch = 0; epoch < config.localEpochs; epoch++) {
      shuffle(order, rng);
      const measured = epoch === config.localEpochs - 1;
      for (let first = 0; first < data.count; first += config.batchSize) {
        const batch = buffers.fill(order.subarray(first, Math.min(first + config.batchSize, data.count)));
        tf.tidy(() => {
          const xb = tf.tensor2d(batch.x, [batch.size, data.numFeatures]);
          const yb = tf.tensor2d(batch.oneHot, [batch.size, numClasses]);
          let probs: tf.Tensor2D | undefined;
          const { value, grads } = optimizer.computeGradients(() => {
            probs = tf.keep(model.apply(xb, { training: true }) as tf.Tensor2D);
            return meanCrossEntropy(yb, probs);
          }, trainable);
          optimizer.applyGradients(proximal ? proximal(grads) : grads);
          if (measured) {
            losses.push(tf.keep(value));
            predictions.push(tf.keep(tf.argMax(probs!, 1)));
          }
          probs!.dispose(); // kept out of computeGradients' scope, so no tidy disposes it
        });
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
      }
    }
    const delta = deltaOf(
      model.getWeights().map((w) => w.dataSync() as Float32Array),
      global,
    );
    return { delta, numExamples: data.count, metrics: lastEpochMetrics(losses, predictions, order, data, config.batchSize) };
  } finally {
    tf.dispose([...losses, ...predictions, ...start]);
    disposeOptimizer(optimizer, config);
  }
}

/** Mean loss (each batch weighed by its size) and accuracy over the last epoch, whose order is `order`. */
function lastEpochMetrics(
  losses: tf.Scalar[],
  predictions: tf.Tensor1D[],
  order: Int32Array,
  data: Examples,
  batchSize: number,
): FitMetrics {
  if (losses.length === 0) return { loss: 0, accuracy: 0 };
  const [lossValues, predicted] = tf.tidy(() => [tf.stack(losses).dataSync(), tf.concat(predictions).dataSync()]);
  let lossSum = 0;
  lossValues!.forEach((loss, b) => {
    lossSum += loss * Math.min(batchSize, data.count - b * batchSize);
  });
  let correct = 0;
  for (let i = 0; i < data.count; i++) if (predicted![i] === data.y[order[i]!]) correct++;
  return { loss: lossSum / data.count, accuracy: correct / data.count };
}

/**
 * FedProx: adds μ(w − w_global), the gradient of (μ/2)·‖w − w_global‖², to each trainable
 * variable's gradient; undefined when μ = 0.
 */
function proximalTerm(
  mu: number,
  trainable: readonly tf.Variable[],
  globalOf: (v: tf.Variable) => tf.Tensor,
): ((grads: tf.NamedTensorMap) => tf.NamedTensorMap) | undefined {
  if (mu === 0) return undefined;
  const pairs = trainable.map((v) => [v, globalOf(v)] as const);
  return (grads) => {
    const out: tf.NamedTensorMap = { ...grads };
    for (const [v, w0] of pairs) {
      const g = grads[v.name];
      if (g) out[v.name] = tf.add(g, tf.mul(tf.sub(v, w0), mu));
    }
    return out;
  };
}

/**
 * w_local − w_global per tensor, as views of one buffer: the update's encoder then sends that buffer
 * as it is instead of copying every tensor into a new payload.
 */
function deltaOf(local: readonly Float32Array[], global: readonly Float32Array[]): Float32Array[] {
  const delta = contiguousFloat32(local.map((values) => values.length));
  local.forEach((values, i) => {
    const [base, out] = [global[i]!, delta[i]!];
    for (let j = 0; j < out.length; j++) out[j] = values[j]! - base[j]!;
  });
  return delta;
}

export async function evaluateLocally(
  model: tf.LayersModel,
  weights: readonly Float32Array[],
  data: Examples,
  numClasses: number,
): Promise<EvaluateOutcome> {
  tf.dispose(setWeights(model, weights));
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

/**
 * Mean categorical cross-entropy of softmax outputs, clipped as Keras does, with its gradient written
 * out: −y/p / n where p lies within the clip, else 0. Autodiff then records one op for the loss
 * instead of a dozen, which matters at small batch sizes where per-op overhead dominates.
 */
const meanCrossEntropy = tf.customGrad(((labels: tf.Tensor, probs: tf.Tensor, save: tf.GradSaveFunc) => {
  save([labels, probs]);
  return {
    value: tf.mean(crossEntropy(labels, probs)) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, [y, p]: tf.Tensor[]) => {
      const clipped = tf.clipByValue(p!, EPSILON, 1 - EPSILON);
      const inside = tf.where(tf.equal(clipped, p!), tf.div(y!, clipped), tf.zerosLike(clipped));
      return [tf.zerosLike(y!), tf.mul(inside, tf.div(dy, -p!.shape[0]!))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (labels: tf.Tensor, probs: tf.Tensor) => tf.Scalar;

/** Per-example categorical cross-entropy of softmax outputs, clipped as Keras does. */
function crossEntropy(labels: tf.Tensor, probs: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(probs, EPSILON, 1 - EPSILON))), -1));
}

/** Loads the weights into the model; returns them as tensors (the caller disposes them). */
function setWeights(model: tf.LayersModel, weights: readonly Float32Array[]): tf.Tensor[] {
  const tensors = model.weights.map((w, i) => tf.tensor(weights[i]!, w.shape as number[]));
  model.setWeights(tensors);
  return tensors;
}
