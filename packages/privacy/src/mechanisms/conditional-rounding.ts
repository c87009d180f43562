/**
 * Conditional randomised rounding, step 3 of Algorithm 1 of Kairouz, Liu, Steinke (ICML 2021), "The Distributed
 * Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation": round each coordinate of the
 * rotated, scaled update up with probability equal to its fractional part, and redraw the whole vector until its
 * L2 norm is at most Δ₂ — the bound on one client's contribution that the privacy analysis uses — with Δ₂ from
 * their Theorem 1. Everything is in integer units (one step = γ).
 */
import { PrivacyError } from '../errors';
import type { RandomSource } from './random-source';

/** Conditional rounding gives up after this many draws (each succeeds with probability ≥ 1 − β). */
export const MAX_ROUNDING_ATTEMPTS = 100;

/**
 * Δ₂ for a rotated, scaled vector of L2 norm ≤ c/γ = `scaledClip` in dimension d (Kairouz et al., Theorem 1):
 * min{ c/γ + √d, √((c/γ)² + d/4 + √(2·ln(1/β))·(c/γ + √d/2)) } — the first by the triangle inequality, the
 * second holding with probability ≥ 1 − β per rounding draw (their conditional-rounding lemma), hence the retries.
 */
export function roundedSensitivity(scaledClip: number, paddedLength: number, beta: number): number {
  const rootD = Math.sqrt(paddedLength);
  const always = scaledClip + rootD;
  if (beta === 0) return always;
  const likely = Math.sqrt(scaledClip ** 2 + paddedLength / 4 + Math.sqrt(2 * Math.log(1 / beta)) * (scaledClip + rootD / 2));
  return Math.min(always, likely);
}

/**
 * Conditional randomised rounding of x to integers with ‖x̃‖₂ ≤ Δ₂ (see `encodeDistributedDp`). Unconditioned
 * rounding is unbiased; conditioning on the event ‖x̃‖₂ ≤ Δ₂, of probability ≥ 1 − β when ‖x‖₂ ≤ c/γ, moves the
 * mean by at most √(β·d/4)/(1 − β) in L2 (integer units) — in practice far less (about 0.006 per coordinate for
 * x = (1.5, …, 1.5), d = 256, where the condition rejects ~9 % of draws; nothing measurable for typical x).
 */
export function conditionalRounding(x: Float64Array, sensitivity: number, source: RandomSource): Float64Array {
  const d = x.length;
  // The float sum of d squares errs by < (d + 1)·2^−53 relative: accept only below Δ₂² shrunk by twice that.
  const limit = sensitivity * sensitivity * (1 - (d + 2) * 2 ** -52);
  const coins = new Uint32Array(d);
  const coinBytes = new Uint8Array(coins.buffer);
  const out = new Float64Array(d);
  try {
    for (let attempt = 0; attempt < MAX_ROUNDING_ATTEMPTS; attempt++) {
      source.fillBytes(coinBytes);
      let squares = 0;
      for (let i = 0; i < d; i++) {
        const v = x[i] as number;
        const floor = Math.floor(v);
        const r = (coins[i] as number) < (v - floor) * 2 ** 32 ? floor + 1 : floor;
        out[i] = r;
        squares += r * r;
      }
      if (squares <= limit) return out;
    }
  } finally {
    coinBytes.fill(0);
  }
  out.fill(0);
  throw new PrivacyError(
    'NUMERICAL_FAILURE',
    `conditional rounding found no x̃ with ‖x̃‖₂ ≤ Δ₂ = ${sensitivity} in ${MAX_ROUNDING_ATTEMPTS} draws: the plan's sensitivity does not fit its granularity and beta.`,
  );
}
