/**
 * FedOpt: Reddi, Charles, Zaheer, Garrett, Rush, Konečný, Kumar, McMahan, "Adaptive Federated
 * Optimization", ICLR 2021, Algorithm 2. FedAvg's mean delta Δ_t is a pseudo-gradient:
 * m_t = β1·m_{t−1} + (1−β1)·Δ_t, v_t = a rule of v_{t−1} and Δ_t² (FedAdagrad, FedYogi and FedAdam
 * differ only there), x_{t+1} = x_t + η·m_t / (√v_t + τ), coordinate by coordinate, from m_0 = 0 and
 * v_0 = τ² (the paper's v_{−1} ≥ τ²). As in the paper, there is no bias correction.
 *
 * Defaults follow Flower's FedOpt strategies: η = 0.1, τ = 1e-9, β1 = 0.9 (FedAdagrad: 0), β2 = 0.99.
 */
import type { FedAvgOptions } from './fed-avg';
import type { Moments } from './optimiser-state';
import { ServerOptimiser, checkDecay, checkLearningRate, checkSetting, momentLike, type OptimiserStep } from './server-optimiser';

export interface FedOptOptions extends Omit<FedAvgOptions, 'aggregationOrder'> {
  /** η: the server learning rate, a positive finite number. @default 0.1 */
  serverLearningRate?: number;
  /** β1: decay of the first moment m, in [0, 1). @default 0.9 (FedAdagrad: 0) */
  beta1?: number;
  /** τ: the adaptivity floor added to √v, a positive finite number; v starts at τ². @default 1e-9 */
  tau?: number;
}

/** The second-moment rule: v_t from v_{t−1} and Δ_t², in float64. */
export type SecondMoment = (previous: number, squaredDelta: number) => number;

/** The settings of one FedOpt step. */
export interface FedOptSettings {
  learningRate: number;
  beta1: number;
  tau: number;
}

export abstract class FedOpt extends ServerOptimiser {
  readonly name: string;
  protected readonly momentNames = ['m', 'v'] as const;
  protected readonly settings: FedOptSettings;

  /** `extra` names the subclass's own settings in its name, e.g. `beta2=0.99`. */
  protected constructor(kind: string, options: FedOptOptions, defaultBeta1: number, extra = '') {
    const { serverLearningRate = 0.1, beta1 = defaultBeta1, tau = 1e-9, ...fedAvg } = options;
    checkLearningRate(kind, serverLearningRate);
    checkDecay(kind, 'beta1', beta1);
    checkSetting(kind, 'tau', tau, tau > 0 && Number.isFinite(tau), 'a positive finite number');
    super(kind, fedAvg);
    this.settings = { learningRate: serverLearningRate, beta1, tau };
    this.name = `${kind}(lr=${serverLearningRate},beta1=${beta1}${extra ? `,${extra}` : ''},tau=${tau})`;
  }

  /** v_t from v_{t−1} and Δ_t². */
  protected abstract readonly secondMoment: SecondMoment;

  protected initialMoments(global: readonly Float32Array[]): Moments {
    return { m: momentLike(global), v: momentLike(global, this.settings.tau ** 2) };
  }

  protected step(moments: Moments, delta: readonly Float32Array[], global: readonly Float32Array[]): OptimiserStep {
    const steps = global.map((x, t) => fedOptStep(x, moments['m']![t]!, moments['v']![t]!, delta[t]!, this.settings, this.secondMoment));
    return { weights: steps.map((s) => s.weights), moments: { m: steps.map((s) => s.m), v: steps.map((s) => s.v) } };
  }
}

/**
 * One tensor's FedOpt step, in float64 with m and v rounded to float32 as they are kept:
 * m' = β1·m + (1−β1)·Δ, v' = secondMoment(v, Δ²), x' = x + η·m' / (√v' + τ). Inputs are not modified.
 */
export function fedOptStep(
  x: Float32Array,
  m: Float32Array,
  v: Float32Array,
  delta: Float32Array,
  settings: FedOptSettings,
  secondMoment: SecondMoment,
): { weights: Float32Array; m: Float32Array; v: Float32Array } {
  const { learningRate, beta1, tau } = settings;
  const nextM = new Float32Array(x.length);
  const nextV = new Float32Array(x.length);
  const weights = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const d = delta[i]!;
    nextM[i] = beta1 * m[i]! + (1 - beta1) * d;
    nextV[i] = secondMoment(v[i]!, d * d);
    weights[i] = x[i]! + (learningRate * nextM[i]!) / (Math.sqrt(nextV[i]!) + tau);
  }
  return { weights, m: nextM, v: nextV };
}
