/**
 * Canary clients for the empirical privacy audit (Andrew et al., "One-shot Empirical Privacy
 * Estimation for Federated Learning", ICLR 2024). Each canary owns a secret random unit direction
 * c_i in the model's parameter space, drawn from the CSPRNG and never written anywhere; its update
 * is c_i scaled far past the clip, so that clipping pins its norm at C. Each canary is inserted
 * (connected, and then sampled exactly like a real client) independently with probability ½, as
 * the one-run audit of Steinke, Nasr and Jagielski (NeurIPS 2023) requires; the others are held out.
 */
import { createGaussianSource, cryptoRandomSource } from '@cohort/privacy/mechanisms';
import type { CanaryScore } from '@cohort/privacy/audit';
import type { EvaluateOutcome, FitOutcome, FitTask, ModelTask, Trainer } from '@cohort/client';
import type { TensorSpec } from '@cohort/protocol';

/** How far past the clip a canary's update is scaled before the client clips it. */
const PAST_THE_CLIP = 1_000;

export interface Canary {
  index: number;
  inserted: boolean;
  /** Unit direction over every parameter, flattened in weight-spec order. */
  direction: Float64Array;
}

export function elementsOf(specs: readonly TensorSpec[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** `count` canaries with CSPRNG directions in R^dimension, each inserted with probability ½. */
export function drawCanaries(count: number, dimension: number): Canary[] {
  const normals = createGaussianSource();
  const coins = new Uint8Array(count);
  cryptoRandomSource().fillBytes(coins);
  return Array.from({ length: count }, (_, index) => {
    const direction = new Float64Array(dimension);
    normals.fillStandardNormal(direction);
    let sq = 0;
    for (let i = 0; i < dimension; i++) sq += direction[i]! * direction[i]!;
    const norm = Math.sqrt(sq);
    for (let i = 0; i < dimension; i++) direction[i]! /= norm;
    return { index, inserted: (coins[index]! & 1) === 1, direction };
  });
}

/** A canary's "training": its direction, scaled so that the client's clip pins the norm at C. */
export class CanaryTrainer implements Trainer {
  constructor(private readonly canary: Canary) {}

  async fit(task: FitTask): Promise<FitOutcome> {
    const scale = PAST_THE_CLIP * (task.config.dp?.clipNorm ?? 1);
    let offset = 0;
    const delta = task.weights.map((w) => {
      const out = Float32Array.from({ length: w.length }, (_, i) => this.canary.direction[offset + i]! * scale);
      offset += w.length;
      return out;
    });
    return { delta, numExamples: 1, metrics: { loss: 0, accuracy: 0 } };
  }

  /** Canaries hold no data: they evaluate nothing. */
  async evaluate(task: ModelTask): Promise<EvaluateOutcome> {
    return { numExamples: 0, lossSum: 0, confusion: new Array<number>(task.numClasses * task.numClasses).fill(0) };
  }
}

/** A canary's cosine with the final change, and its largest cosine with any round's change. */
export type CanaryScores = Omit<CanaryScore, 'inserted'>;

/** Scores every canary against the run's models, round 0 (initial) first, each flattened. */
export function scoreCanaries(canaries: readonly Canary[], models: readonly Float64Array[]): CanaryScores[] {
  const first = models[0]!;
  const last = models[models.length - 1]!;
  const total = difference(last, first);
  const steps = models.slice(1).map((m, t) => difference(m, models[t]!));
  return canaries.map((c) => ({
    finalCosine: cosine(c.direction, total),
    maxRoundCosine: Math.max(...steps.map((s) => cosine(c.direction, s))),
  }));
}

function difference(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v - b[i]!);
}

/** cos(u, v) for a unit u; 0 when v is the zero vector (nothing moved). */
function cosine(unit: Float64Array, v: Float64Array): number {
  let dot = 0;
  let sq = 0;
  for (let i = 0; i < v.length; i++) {
    dot += unit[i]! * v[i]!;
    sq += v[i]! * v[i]!;
  }
  return sq === 0 ? 0 : dot / Math.sqrt(sq);
}
