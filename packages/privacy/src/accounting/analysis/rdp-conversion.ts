/**
 * Conversion of Rényi DP to (ε, δ)-DP, minimised over the tracked orders. For each order α > 1.01:
 *
 *   ε(α) = rdp(α) + log1p(−1/α) − log(δ·α)/(α − 1)
 *
 * (Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for Differential Privacy", Prop. 12;
 * Balle, Barthe, Gaboardi, Hsu, Sato 2020, "Hypothesis Testing Interpretations and Rényi
 * Differential Privacy", Thm 21), and its inverse for δ at a given ε. As in dp_accounting, the KL
 * bound δ ≤ √(1 − exp(−rdp)) is also used, which lets very small RDP values report ε = 0.
 */
import { PrivacyError } from '../../errors';
import { requireDelta, requireEpsilon } from '../../validation';

export interface EpsilonAtOrder {
  /** The smallest ε over the orders (≥ 0; Infinity when no order gives a finite bound). */
  epsilon: number;
  /** The order α attaining it. */
  order: number;
}

export interface DeltaAtOrder {
  /** The smallest δ over the orders, in [0, 1]. */
  delta: number;
  /** The order α attaining it. */
  order: number;
}

function checkLengths(orders: ArrayLike<number>, rdp: ArrayLike<number>): void {
  if (orders.length !== rdp.length || orders.length === 0) {
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `orders and rdp must be non-empty and of equal length; got ${orders.length} and ${rdp.length}.`,
    );
  }
}

/** ε at the target δ, and the best order. */
export function rdpToEpsilon(orders: ArrayLike<number>, rdp: ArrayLike<number>, delta: number): EpsilonAtOrder {
  requireDelta('delta', delta);
  checkLengths(orders, rdp);
  let best: EpsilonAtOrder = { epsilon: Infinity, order: orders[0] as number };
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i] as number;
    const r = rdp[i] as number;
    let eps: number;
    if (Number.isNaN(r)) continue;
    if (r < 0)
      eps = 0; // numerical noise from an extreme event; as dp_accounting, report 0
    else if (delta ** 2 + Math.expm1(-r) > 0)
      eps = 0; // KL bound: δ ≥ √(1 − e^{−r}) already holds at ε = 0
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Infinity; // the bound is unstable as α → 1
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** δ at the target ε, and the best order. */
export function rdpToDelta(orders: ArrayLike<number>, rdp: ArrayLike<number>, epsilon: number): DeltaAtOrder {
  requireEpsilon('epsilon', epsilon);
  checkLengths(orders, rdp);
  let bestLog = Infinity;
  let bestOrder = orders[0] as number;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i] as number;
    const r = rdp[i] as number;
    if (Number.isNaN(r)) continue;
    let logDelta: number;
    if (r < 0 || r === 0) logDelta = -Infinity;
    else logDelta = 0.5 * Math.log1p(-Math.exp(-r)); // KL bound
    if (a > 1.01 && r >= 0) {
      logDelta = Math.min(logDelta, (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a));
    }
    if (logDelta < bestLog) {
      bestLog = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(Math.exp(bestLog), 1), order: bestOrder };
}
