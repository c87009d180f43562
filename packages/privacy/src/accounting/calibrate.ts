/**
 * Calibration: the smallest noise multiplier σ for which `steps` releases of the Poisson-subsampled
 * Gaussian at rate q stay within (targetEpsilon, δ), by bracketing and bisection on σ (ε is
 * decreasing in σ), in the manner of dp_accounting's `calibrate_dp_mechanism` and Opacus's
 * `get_noise_multiplier`. The analysis is that of the accountant the caller's factory makes: RDP by
 * default (Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism"), or any other `Accountant` such as `PldAccountant`.
 */
import type { Accountant } from './accountant';
import { PrivacyError } from '../errors';
import { RdpAccountant } from './rdp-accountant';
import { requireDelta, requireInteger, requireNumberInRange, requirePositive } from '../validation';

export interface CalibrateOptions {
  /** The ε budget, > 0. */
  targetEpsilon: number;
  /** δ of the budget, in (0, 1). */
  delta: number;
  /** q, in (0, 1]. */
  sampleRate: number;
  /** Number of releases, an integer ≥ 1. */
  steps: number;
  /** Relative width of the final σ bracket. @default 1e-3 */
  tolerance?: number;
  /**
   * Makes the fresh, empty accountant in which each candidate σ is composed, e.g.
   * `() => new PldAccountant()` or `() => createAccountant(kind)`.
   * @default () => new RdpAccountant()
   */
  accountant?: () => Accountant;
}

export interface Calibration {
  /** σ with ε(σ) ≤ targetEpsilon; the smallest such σ is above noiseMultiplier × (1 − tolerance). */
  noiseMultiplier: number;
  /** ε actually reached at `noiseMultiplier`. */
  epsilon: number;
}

/** Upper limit of the search: beyond σ = 1e6 the target is treated as unreachable. */
const MAX_SIGMA = 1e6;

export function calibrateNoiseMultiplier(options: CalibrateOptions): Calibration {
  const targetEpsilon = requirePositive('targetEpsilon', options.targetEpsilon);
  const delta = requireDelta('delta', options.delta);
  const sampleRate = requireNumberInRange('sampleRate', options.sampleRate, 0, 1, { minExclusive: true });
  const steps = requireInteger('steps', options.steps, 1);
  const tolerance = requireNumberInRange('tolerance', options.tolerance ?? 1e-3, 1e-12, 0.5);
  const makeAccountant = options.accountant ?? ((): Accountant => new RdpAccountant());
  if (typeof makeAccountant !== 'function') {
    throw new PrivacyError('INVALID_ARGUMENT', `accountant must be a function returning a fresh Accountant; got ${typeof makeAccountant}.`);
  }
  const epsilonAt = (noiseMultiplier: number): number => {
    const accountant = makeAccountant();
    if (accountant.history.length > 0) {
      throw new PrivacyError('INVALID_ARGUMENT', 'accountant() must return a fresh accountant with an empty history.');
    }
    return accountant.step({ noiseMultiplier, sampleRate }, steps).getEpsilon(delta);
  };

  // Bracket: ε(hi) ≤ target < ε(lo).
  let hi = 1;
  let epsHi = epsilonAt(hi);
  let lo = 0;
  while (epsHi > targetEpsilon) {
    lo = hi;
    hi *= 2;
    if (hi > MAX_SIGMA) {
      throw new PrivacyError(
        'UNREACHABLE_TARGET',
        `no noise multiplier up to ${MAX_SIGMA} reaches epsilon ${targetEpsilon} at delta ${delta}.`,
      );
    }
    epsHi = epsilonAt(hi);
  }
  if (lo === 0) {
    lo = hi / 2;
    while (epsilonAt(lo) <= targetEpsilon) {
      hi = lo;
      lo /= 2;
      if (lo < 1e-6) break;
    }
    epsHi = epsilonAt(hi);
  }
  while (hi - lo > tolerance * hi) {
    const mid = 0.5 * (lo + hi);
    const eps = epsilonAt(mid);
    if (eps <= targetEpsilon) {
      hi = mid;
      epsHi = eps;
    } else {
      lo = mid;
    }
  }
  return { noiseMultiplier: hi, epsilon: epsHi };
}
