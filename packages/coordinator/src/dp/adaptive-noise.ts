/**
 * How adaptive clipping spends the recorded noise multiplier z, after Andrew, Thakkar, McMahan,
 * Ramaswamy, "Differentially Private Learning with Adaptive Clipping", NeurIPS 2021, §3.
 *
 * Each round releases two Gaussian queries over the same clients: the sum of clipped updates
 * (sensitivity C, noise z_Δ·C) and the count of unclipped updates, centred as Σ(b_i − ½) so that
 * adding or removing one client moves it by at most ½ (noise σ_b). Together they are one Gaussian
 * mechanism with effective multiplier z_eff = ((1/z_Δ)² + (s_b/σ_b)²)^(−1/2), so the coordinator
 * picks z_Δ to make z_eff equal to the z that the accountant records.
 */
import { CoordinatorError } from '../errors';

/** Add/remove sensitivity of the centred count Σ(b_i − ½), b_i ∈ {0, 1}. */
export const CENTRED_COUNT_SENSITIVITY = 0.5;

/** Relative slack for float rounding when checking z_eff against the recorded z. */
const ROUNDING = 1e-12;

export interface AdaptiveNoise {
  /** z_Δ: the update sum is noised with z_Δ × clipNorm. */
  updateNoiseMultiplier: number;
  /** σ_b: std of the noise on the centred count, in count units. */
  countStdDev: number;
}

/**
 * Effective noise multiplier of the update sum (sensitivity 1 in units of C) released together
 * with a count of sensitivity `countSensitivity` noised with `countStdDev`.
 */
export function composeNoiseMultiplier(
  updateNoiseMultiplier: number,
  countStdDev: number,
  countSensitivity = CENTRED_COUNT_SENSITIVITY,
): number {
  return (updateNoiseMultiplier ** -2 + (countSensitivity / countStdDev) ** 2) ** -0.5;
}

/**
 * Splits the recorded z into (z_Δ, σ_b) with z_Δ = (z⁻² − (s_b/σ_b)²)^(−1/2), refusing any σ_b that
 * leaves no room for update noise (σ_b ≤ s_b·z, i.e. ≤ z/2 for the centred count) or whose pair
 * would compose to less than z.
 */
export function splitNoiseMultiplier(
  noiseMultiplier: number,
  countStdDev: number,
  countSensitivity = CENTRED_COUNT_SENSITIVITY,
): AdaptiveNoise {
  const floor = countSensitivity * noiseMultiplier;
  const room = noiseMultiplier ** -2 - (countSensitivity / countStdDev) ** 2;
  if (!(countStdDev > floor) || !(room > 0) || !Number.isFinite(countStdDev)) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `countStdDev must be finite and above noiseMultiplier / ${1 / countSensitivity} (${floor}), got ${countStdDev}.`,
    );
  }
  const updateNoiseMultiplier = room ** -0.5;
  const effective = composeNoiseMultiplier(updateNoiseMultiplier, countStdDev, countSensitivity);
  if (!(effective >= noiseMultiplier * (1 - ROUNDING))) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `countStdDev must leave an effective noise multiplier of at least noiseMultiplier (${noiseMultiplier}), got ${effective} with countStdDev ${countStdDev}.`,
    );
  }
  return { updateNoiseMultiplier, countStdDev };
}
