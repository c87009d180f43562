/**
 * FedAdagrad: Reddi et al., "Adaptive Federated Optimization", ICLR 2021 (Algorithm 2, see fed-opt.ts):
 * v_t = v_{t−1} + Δ_t², so every coordinate's step shrinks with the squared deltas it has seen.
 * β1 defaults to 0 (m_t = Δ_t), as in Flower's FedAdagrad.
 */
import { FedOpt, type FedOptOptions } from './fed-opt';

export type FedAdagradOptions = FedOptOptions;

export class FedAdagrad extends FedOpt {
  protected readonly secondMoment = adagradSecondMoment;

  constructor(options: FedAdagradOptions = {}) {
    super('FedAdagrad', options, 0);
  }
}

/** v + Δ². */
export function adagradSecondMoment(previous: number, squaredDelta: number): number {
  return previous + squaredDelta;
}
