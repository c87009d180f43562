/**
 * FedAdam: Reddi et al., "Adaptive Federated Optimization", ICLR 2021 (Algorithm 2, see fed-opt.ts):
 * v_t = β2·v_{t−1} + (1−β2)·Δ_t².
 */
import { FedOpt, type FedOptOptions, type SecondMoment } from './fed-opt';
import { checkDecay } from './server-optimiser';

export interface FedAdamOptions extends FedOptOptions {
  /** β2: decay of the second moment v, in [0, 1). @default 0.99 */
  beta2?: number;
}

export class FedAdam extends FedOpt {
  protected readonly secondMoment: SecondMoment;

  constructor(options: FedAdamOptions = {}) {
    const { beta2 = 0.99, ...rest } = options;
    checkDecay('FedAdam', 'beta2', beta2);
    super('FedAdam', rest, 0.9, `beta2=${beta2}`);
    this.secondMoment = (previous, squaredDelta) => adamSecondMoment(previous, squaredDelta, beta2);
  }
}

/** β2·v + (1−β2)·Δ²: an exponential moving average of Δ². */
export function adamSecondMoment(previous: number, squaredDelta: number, beta2: number): number {
  return beta2 * previous + (1 - beta2) * squaredDelta;
}
