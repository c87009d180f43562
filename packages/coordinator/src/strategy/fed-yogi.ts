/**
 * FedYogi: Reddi et al., "Adaptive Federated Optimization", ICLR 2021 (Algorithm 2, see fed-opt.ts),
 * after Yogi (Zaheer et al., NeurIPS 2018): v_t = v_{t−1} − (1−β2)·Δ_t²·sign(v_{t−1} − Δ_t²), which
 * moves v towards Δ_t² by a step that does not grow with v, unlike Adam's.
 */
import { FedOpt, type FedOptOptions, type SecondMoment } from './fed-opt';
import { checkDecay } from './server-optimiser';

export interface FedYogiOptions extends FedOptOptions {
  /** β2: sets the step (1−β2)·Δ² of v, in [0, 1). @default 0.99 */
  beta2?: number;
}

export class FedYogi extends FedOpt {
  protected readonly secondMoment: SecondMoment;

  constructor(options: FedYogiOptions = {}) {
    const { beta2 = 0.99, ...rest } = options;
    checkDecay('FedYogi', 'beta2', beta2);
    super('FedYogi', rest, 0.9, `beta2=${beta2}`);
    this.secondMoment = (previous, squaredDelta) => yogiSecondMoment(previous, squaredDelta, beta2);
  }
}

/** v − (1−β2)·Δ²·sign(v − Δ²). */
export function yogiSecondMoment(previous: number, squaredDelta: number, beta2: number): number {
  return previous - (1 - beta2) * squaredDelta * Math.sign(previous - squaredDelta);
}
