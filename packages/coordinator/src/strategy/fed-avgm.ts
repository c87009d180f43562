/**
 * FedAvgM: Hsu, Qi, Brown, "Measuring the Effects of Non-Identical Data Distribution for Federated
 * Visual Classification", 2019. Server momentum on FedAvg's mean delta Δ_t:
 * v_t = β·v_{t−1} + Δ_t (v_0 = 0), x_{t+1} = x_t + η·v_t.
 *
 * With β = 0 it is FedAvg with a server learning rate η and keeps no state.
 */
import type { Moments } from './optimiser-state';
import {
  ServerOptimiser,
  checkDecay,
  checkLearningRate,
  momentLike,
  type OptimiserStep,
  type ServerOptimiserOptions,
} from './server-optimiser';

export interface FedAvgMOptions extends ServerOptimiserOptions {
  /** η. @default 1 */
  serverLearningRate?: number;
  /** β: the server momentum, in [0, 1); 0 is FedAvg with a server learning rate. @default 0.9 */
  serverMomentum?: number;
}

export class FedAvgM extends ServerOptimiser {
  readonly name: string;
  protected readonly momentNames: readonly string[];
  private readonly learningRate: number;
  private readonly momentum: number;

  constructor(options: FedAvgMOptions = {}) {
    const { serverLearningRate = 1, serverMomentum = 0.9, ...fedAvg } = options;
    checkLearningRate('FedAvgM', serverLearningRate);
    checkDecay('FedAvgM', 'serverMomentum', serverMomentum);
    super('FedAvgM', fedAvg);
    this.learningRate = serverLearningRate;
    this.momentum = serverMomentum;
    this.momentNames = serverMomentum > 0 ? ['velocity'] : [];
    this.name = `FedAvgM(lr=${serverLearningRate},momentum=${serverMomentum})`;
  }

  protected initialMoments(global: readonly Float32Array[]): Moments {
    return this.momentum > 0 ? { velocity: momentLike(global) } : {};
  }

  protected step(moments: Moments, delta: readonly Float32Array[], global: readonly Float32Array[]): OptimiserStep {
    const steps = global.map((x, t) => fedAvgMStep(x, moments['velocity']?.[t], delta[t]!, this.learningRate, this.momentum));
    return {
      weights: steps.map((s) => s.weights),
      moments: this.momentum > 0 ? { velocity: steps.map((s) => s.velocity) } : {},
    };
  }
}

/**
 * One tensor's FedAvgM step, computed in float64 and rounded to float32 once per value:
 * v' = β·v + Δ (v absent: 0), x' = x + η·v'. Inputs are not modified.
 */
export function fedAvgMStep(
  x: Float32Array,
  velocity: Float32Array | undefined,
  delta: Float32Array,
  learningRate: number,
  momentum: number,
): { weights: Float32Array; velocity: Float32Array } {
  const nextVelocity = new Float32Array(x.length);
  const weights = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    nextVelocity[i] = momentum * (velocity?.[i] ?? 0) + delta[i]!;
    weights[i] = x[i]! + learningRate * nextVelocity[i]!;
  }
  return { weights, velocity: nextVelocity };
}
