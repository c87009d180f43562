/**
 * Rényi DP of the Poisson-subsampled Gaussian mechanism, computed in log space, after Mironov,
 * Talwar and Zhang (2019), "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
 * (arXiv:1908.10530), Sec. 3.3: at integer orders A_α is a finite binomial sum; at fractional
 * orders it is two erfc-weighted infinite series over i = 0, 1, …, whose binomial coefficients
 * binom(α, i) alternate in sign once i > α. `fractionalSeries` chooses how those are summed:
 *
 * - 'exact' (the default) keeps the signs and stops once both new terms are below e^-30 — the
 *   series and stopping rule of Opacus `_compute_log_a_for_frac_alpha`
 *   (pytorch/opacus, opacus/accountants/analysis/rdp.py, read at commit 1235e1e).
 * - 'absolute' adds |binom(α, i)| terms, an upper bound on A_α (so a valid, looser RDP bound), and
 *   stops once both new terms are smaller than the previous ones and the larger is below e^-30
 *   times the running total.
 *
 * Either gives up after 100 000 terms and returns ∞ for that order, which leaves it out of the
 * ε minimum.
 *
 * What dp_accounting does, verified in google/differential-privacy,
 * python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant.py (history read at commit
 * c137134): `_compute_log_a_frac` takes `_log_comb(alpha, i)` from `scipy.special.gammaln`, which
 * is log|Γ|, so log|binom(α, i)|, and adds every term with `_log_add`: it sums absolute values, as
 * 'absolute' does. The signed `_log_sub` branch was removed in commit 0b109e9 (2024-04-26, "Improve
 * numerical stability of RDP computation"); the stopping rule above, and a cap of 1000 terms after
 * which the order gets inf, came in commit 6f7deb3 (2024-09-18). 'absolute' uses the same stopping
 * rule with the cap of 100 000, so it matches dp_accounting except where dp_accounting's cap is hit.
 */
import { logErfc, signedLogAdd } from './special-functions';
import type { SignedLog } from './special-functions';
import { PrivacyError } from '../../errors';
import { requireNonNegative, requireNumberInRange } from '../../validation';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** dp_accounting `RdpAccountant` default orders: 1.1 … 10.9 (step 0.1), 11 … 63, 128, 256, 512, 1024. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...range(1, 100).map((x) => 1 + x / 10),
  ...range(11, 64),
  128,
  256,
  512,
  1024,
]);

/** Opacus `RDPAccountant.DEFAULT_ALPHAS`: 1.1 … 10.9 (step 0.1), 12 … 63. */
export const OPACUS_RDP_ORDERS: readonly number[] = Object.freeze([...range(1, 100).map((x) => 1 + x / 10), ...range(12, 64)]);

/** How the fractional-order series is summed: with signs (exact) or with absolute values (looser bound). */
export type FractionalSeries = 'exact' | 'absolute';

export interface RdpOptions {
  /** σ: noise standard deviation divided by the L2 sensitivity (clip norm); ≥ 0. */
  noiseMultiplier: number;
  /** q: Poisson sampling probability of each record (or client), in [0, 1]. */
  sampleRate: number;
  /** Orders α > 1. @default DEFAULT_RDP_ORDERS */
  orders?: readonly number[];
  /** Number of compositions; RDP adds up. @default 1 */
  steps?: number;
  /** @default 'exact' */
  fractionalSeries?: FractionalSeries;
}

const LOG_HALF = Math.log(0.5);

/** log A_α for integer α ≥ 2 (Opacus `_compute_log_a_for_int_alpha`, dp_accounting `_compute_log_a_int`). */
function logAInt(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let acc: SignedLog = { sign: 0, logAbs: -Infinity };
  let logBinom = 0;
  for (let i = 0; i <= alpha; i++) {
    acc = signedLogAdd(acc, 1, logBinom + i * logQ + (alpha - i) * log1mQ + (i * i - i) / (2 * sigma * sigma));
    logBinom += Math.log(alpha - i) - Math.log(i + 1);
  }
  return acc.logAbs;
}

const MAX_FRACTIONAL_TERMS = 100_000;

/** log A_α for fractional α > 1: 'exact' as Opacus `_compute_log_a_for_frac_alpha`, 'absolute' as dp_accounting `_compute_log_a_frac`. */
function logAFrac(q: number, sigma: number, alpha: number, series: FractionalSeries): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const z0 = sigma ** 2 * Math.log(1 / q - 1) + 0.5;
  const scale = Math.sqrt(2) * sigma;
  let a0: SignedLog = { sign: 0, logAbs: -Infinity };
  let a1: SignedLog = { sign: 0, logAbs: -Infinity };
  let logBinomAbs = 0;
  let binomSign: -1 | 1 = 1;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  for (let i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
    const j = alpha - i;
    const logE0 = LOG_HALF + logErfc((i - z0) / scale);
    const logE1 = LOG_HALF + logErfc((z0 - j) / scale);
    const logS0 = logBinomAbs + i * logQ + j * log1mQ + (i * i - i) / (2 * sigma ** 2) + logE0;
    const logS1 = logBinomAbs + j * logQ + i * log1mQ + (j * j - j) / (2 * sigma ** 2) + logE1;
    const sign = series === 'exact' ? binomSign : 1;
    a0 = signedLogAdd(a0, sign, logS0);
    a1 = signedLogAdd(a1, sign, logS1);
    if (series === 'exact') {
      // Opacus's stopping rule: both new terms below e^-30 (A_α ≥ 1, so this is relative too).
      if (Math.max(logS0, logS1) < -30) break;
    } else {
      const total = signedLogAdd(a0, 1, a1.sign === 0 ? -Infinity : a1.logAbs).logAbs;
      if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) break;
      lastS0 = logS0;
      lastS1 = logS1;
    }
    // binom(α, i+1) = binom(α, i) · (α − i)/(i + 1)
    const factor = (alpha - i) / (i + 1);
    if (factor < 0) binomSign = binomSign === 1 ? -1 : 1;
    logBinomAbs += Math.log(Math.abs(factor));
    if (i === MAX_FRACTIONAL_TERMS - 1) return Infinity; // did not converge: exclude this order
  }
  const sum = signedLogAdd(a0, a1.sign === -1 ? -1 : 1, a1.logAbs);
  if (sum.sign <= 0) {
    throw new PrivacyError('NUMERICAL_FAILURE', `the RDP series at order ${alpha} summed to a non-positive value.`);
  }
  return sum.logAbs;
}

/** RDP ε(α) of ONE step of the Poisson-subsampled Gaussian with noise multiplier σ and rate q. */
export function rdpOfSampledGaussian(q: number, sigma: number, alpha: number, series: FractionalSeries = 'exact'): number {
  if (q === 0) return 0;
  if (sigma === 0 || alpha === Infinity) return Infinity;
  if (q === 1) return alpha / (2 * sigma ** 2);
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha, series);
  return logA / (alpha - 1);
}

/** Checks an order list: non-empty, every α finite and > 1. */
export function validateOrders(orders: readonly number[]): readonly number[] {
  if (!Array.isArray(orders) || orders.length === 0) {
    throw new PrivacyError('INVALID_ARGUMENT', 'orders must be a non-empty array of numbers > 1.');
  }
  orders.forEach((alpha, i) => requireNumberInRange(`orders[${i}]`, alpha, 1, Number.MAX_VALUE, { minExclusive: true }));
  return orders;
}

/** RDP at each order of `steps` compositions of the Poisson-subsampled Gaussian. */
export function computeRdp(options: RdpOptions): Float64Array {
  const { noiseMultiplier, sampleRate, orders = DEFAULT_RDP_ORDERS, steps = 1, fractionalSeries = 'exact' } = options;
  requireNonNegative('noiseMultiplier', noiseMultiplier);
  requireNumberInRange('sampleRate', sampleRate, 0, 1);
  requireNonNegative('steps', steps);
  validateOrders(orders);
  return Float64Array.from(orders, (alpha) =>
    steps === 0 ? 0 : steps * rdpOfSampledGaussian(sampleRate, noiseMultiplier, alpha, fractionalSeries),
  );
}
