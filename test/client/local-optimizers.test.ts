import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fitLocally, initBackend, type Examples } from '@cohort/client';
import type { FitConfig } from '@cohort/protocol';

// A softmax regression 2 → 3 trained on a full batch of 3 examples: every step sees the same batch,
// so the updates follow from the formulas below whatever the shuffle.
const X = [
  [0.5, -1.0],
  [1.5, 0.25],
  [-0.75, 2.0],
];
const Y = [0, 2, 1];
const W0 = [0.1, -0.2, 0.3, 0.05, 0.4, -0.1]; // kernel [2, 3], row-major
const B0 = [0.01, -0.02, 0.03];
const LR = 0.1;

const examples: Examples = { x: Float32Array.from(X.flat()), y: Int32Array.from(Y), count: 3, numFeatures: 2 };

/** Mean cross-entropy and its gradient for the kernel (row-major) and the bias, in float64. */
function lossAndGradient(w: number[], b: number[]): { loss: number; gw: number[]; gb: number[] } {
  const gw = new Array<number>(6).fill(0);
  const gb = new Array<number>(3).fill(0);
  let loss = 0;
  X.forEach((x, n) => {
    const z = [0, 1, 2].map((j) => x[0]! * w[j]! + x[1]! * w[3 + j]! + b[j]!);
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const sum = e.reduce((s, v) => s + v, 0);
    const p = e.map((v) => v / sum);
    loss -= Math.log(p[Y[n]!]!) / X.length;
    p.forEach((pj, j) => {
      const dz = (pj - (j === Y[n] ? 1 : 0)) / X.length;
      gb[j]! += dz;
      gw[j]! += x[0]! * dz;
      gw[3 + j]! += x[1]! * dz;
    });
  });
  return { loss, gw, gb };
}

type Rule = (params: number[], grads: number[], state: Record<string, number[]>, step: number) => number[];

const sgd: Rule = (w, g) => w.map((v, i) => v - LR * g[i]!);
const momentum =
  (beta: number): Rule =>
  (w, g, s) => {
    s.v = (s.v ?? w.map(() => 0)).map((v, i) => beta * v + g[i]!);
    return w.map((v, i) => v - LR * s.v![i]!);
  };
const adam: Rule = (w, g, s, t) => {
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  s.m = (s.m ?? w.map(() => 0)).map((m, i) => b1 * m + (1 - b1) * g[i]!);
  s.v = (s.v ?? w.map(() => 0)).map((v, i) => b2 * v + (1 - b2) * g[i]! ** 2);
  return w.map((v, i) => v - (LR * (s.m![i]! / (1 - b1 ** t))) / (Math.sqrt(s.v![i]! / (1 - b2 ** t)) + eps));
};

/** The reference: `steps` full-batch steps with `rule`, the proximal gradient μ(w − w0) added first. */
function reference(rule: Rule, steps: number, mu = 0): { w: number[]; b: number[]; lastLoss: number } {
  let w = [...W0];
  let b = [...B0];
  let lastLoss = Number.NaN;
  const state: Record<string, number[]> = {};
  for (let t = 1; t <= steps; t++) {
    const { loss, gw, gb } = lossAndGradient(w, b);
    lastLoss = loss;
    const params = [...w, ...b];
    const grads = [...gw, ...gb].map((g, i) => g + mu * (params[i]! - [...W0, ...B0][i]!));
    const next = rule(params, grads, state, t);
    w = next.slice(0, 6);
    b = next.slice(6);
  }
  return { w, b, lastLoss };
}

const softmaxRegression = () => tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })] });

/** Trains from W0, B0; a model passed in is reused (as a client's model cache does) and kept. */
async function train(config: Partial<FitConfig>, steps: number, reused?: tf.LayersModel) {
  const model = reused ?? softmaxRegression();
  try {
    const global = [Float32Array.from(W0), Float32Array.from(B0)];
    const full: FitConfig = { localEpochs: steps, batchSize: 3, learningRate: LR, seed: 7, ...config };
    return await fitLocally(model, global, examples, full, 3);
  } finally {
    if (!reused) model.dispose();
  }
}

function expectDelta(delta: Float32Array[], expected: { w: number[]; b: number[] }): void {
  const got = [...delta[0]!, ...delta[1]!];
  const want = [...expected.w.map((v, i) => v - W0[i]!), ...expected.b.map((v, i) => v - B0[i]!)];
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
}

describe('fitLocally optimisers and FedProx', () => {
  beforeAll(async () => {
    expect(await initBackend('wasm')).toBe('wasm');
  });

  it('leaves no tensor behind, whatever the optimiser (a client trains for hundreds of rounds)', async () => {
    const model = softmaxRegression();
    try {
      await train({}, 1, model); // the first call builds what the model keeps
      const kept = tf.memory().numTensors;
      for (const config of [{}, { optimizer: 'momentum' as const }, { optimizer: 'adam' as const }, { proximalMu: 0.1 }]) {
        await train(config, 4, model);
        expect(tf.memory().numTensors, JSON.stringify(config)).toBe(kept);
      }
    } finally {
      model.dispose();
    }
  });

  it('plain SGD when the config names no optimiser (messages from older coordinators)', async () => {
    const outcome = await train({}, 2);
    const expected = reference(sgd, 2);
    expectDelta(outcome.delta, expected);
    expect(outcome.metrics.loss).toBeCloseTo(expected.lastLoss, 5);
    expect(outcome.numExamples).toBe(3);
  });

  it("'sgd' follows w ← w − η∇L", async () => {
    expectDelta((await train({ optimizer: 'sgd' }, 3)).delta, reference(sgd, 3));
  });

  it("'momentum' follows heavy-ball momentum v ← βv + ∇L, w ← w − ηv, with β from the config", async () => {
    expectDelta((await train({ optimizer: 'momentum', momentum: 0.5 }, 3)).delta, reference(momentum(0.5), 3));
    expectDelta((await train({ optimizer: 'momentum' }, 3)).delta, reference(momentum(0.9), 3));
  });

  it("'adam' follows Adam with bias correction (β₁ 0.9, β₂ 0.999, ε 1e-7)", async () => {
    expectDelta((await train({ optimizer: 'adam' }, 3)).delta, reference(adam, 3));
  });

  it('FedProx adds μ(w − w_global) to the gradient', async () => {
    const mu = 0.5;
    const outcome = await train({ proximalMu: mu }, 4);
    expectDelta(outcome.delta, reference(sgd, 4, mu));
    // The proximal term pulls towards the global model: the update is shorter than plain SGD's.
    const norm = (d: Float32Array[]) => Math.hypot(...d.flatMap((t) => [...t]));
    expect(norm(outcome.delta)).toBeLessThan(norm((await train({}, 4)).delta));
    expectDelta((await train({ optimizer: 'adam', proximalMu: mu }, 3)).delta, reference(adam, 3, mu));
  });

  it('starts every round with fresh optimiser state', async () => {
    const model = softmaxRegression();
    const first = await train({ optimizer: 'adam' }, 2, model);
    const second = await train({ optimizer: 'adam' }, 2, model);
    model.dispose();
    expect(second.delta).toEqual(first.delta);
    expectDelta(second.delta, reference(adam, 2));
  });
});
