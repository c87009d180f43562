/**
 * L2 clipping of a whole model update, the sensitivity bound of client-level DP-FedAvg
 * (McMahan, Ramage, Talwar, Zhang 2018, "Learning Differentially Private Recurrent Language
 * Models"): all tensors are treated as one flattened vector v and scaled by min(1, C / ‖v‖₂).
 *
 * The norm is accumulated in float64. Because the clipped values are rounded back to float32, a
 * naive `v · C/‖v‖` can land a hair above C; the scale is therefore nudged down until the norm of
 * the float32 result, recomputed in float64, is at most C — the bound the accountant relies on.
 */
import { PrivacyError } from '../errors';
import { requirePositive } from '../validation';

export interface ClipResult {
  /** New tensors (the inputs are not modified), with L2 norm ≤ clipNorm taken over all of them. */
  clipped: Float32Array[];
  /** L2 norm of the input update, over all tensors, computed in float64. */
  norm: number;
  /** Factor applied to every coordinate, in (0, 1]; 1 when no clipping was needed. */
  scale: number;
}

/** Euclidean norm of all tensors taken together, in float64, robust to overflow of the sum of squares. */
export function l2Norm(tensors: readonly Float32Array[]): number {
  let maxAbs = 0;
  for (const t of tensors) {
    for (let i = 0; i < t.length; i++) {
      const a = Math.abs(t[i] as number);
      if (Number.isNaN(a)) return Number.NaN; // a later finite value must not hide it
      if (a > maxAbs) maxAbs = a;
    }
  }
  if (maxAbs === 0 || !Number.isFinite(maxAbs)) return maxAbs;
  // Float32 squares never overflow float64, but rescale anyway so the routine is exact-ish for any input.
  let sum = 0;
  const inv = 1 / maxAbs;
  for (const t of tensors) {
    for (let i = 0; i < t.length; i++) {
      const x = (t[i] as number) * inv;
      sum += x * x;
    }
  }
  return maxAbs * Math.sqrt(sum);
}

function scaled(tensors: readonly Float32Array[], scale: number): Float32Array[] {
  return tensors.map((t) => {
    const out = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++) out[i] = (t[i] as number) * scale;
    return out;
  });
}

/**
 * Scales the update so its L2 norm (all tensors together) is at most `clipNorm`.
 *
 * @param clipNorm the bound C > 0, in the units of the update values
 * @throws PrivacyError('NON_FINITE_INPUT') when a value is NaN or ±Infinity
 */
export function clipByL2Norm(tensors: readonly Float32Array[], clipNorm: number): ClipResult {
  requirePositive('clipNorm', clipNorm);
  const norm = l2Norm(tensors);
  if (!Number.isFinite(norm)) {
    throw new PrivacyError('NON_FINITE_INPUT', 'the update holds a NaN or infinite value; it cannot be clipped.');
  }
  if (norm <= clipNorm) return { clipped: scaled(tensors, 1), norm, scale: 1 };
  let scale = clipNorm / norm;
  let clipped = scaled(tensors, scale);
  // Rounding to float32 can overshoot C by a few ulps; shrink until the stored vector obeys the bound.
  while (l2Norm(clipped) > clipNorm) {
    scale *= 1 - 2 ** -22;
    clipped = scaled(tensors, scale);
  }
  return { clipped, norm, scale };
}
