/**
 * Cohort's one standardisation rule, shared by the CSV training table and the schema pipeline's
 * encoder. In place, over one column with NaN marking a missing value:
 *
 * - missing values are imputed with the mean of the observed values;
 * - every value then becomes (v − mean) / std, std being the population standard deviation of the
 *   imputed column;
 * - a constant column — every observed value equal (exactly), or none observed — has no scale: it
 *   becomes all zeros and its std is reported as 0. Its mean is still that of the observed values
 *   (0 when there are none). A column whose values differ, however little, is standardised.
 */
export interface ColumnStats {
  /** Mean of the observed values (0 when none). */
  mean: number;
  /** Population standard deviation after imputation; 0 for a constant column. */
  std: number;
  /** How many values were missing (and imputed). */
  missing: number;
}

export function imputeAndStandardise(column: Float64Array): ColumnStats {
  let sum = 0;
  let observed = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of column) {
    if (Number.isNaN(v)) continue;
    sum += v;
    observed++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const missing = column.length - observed;
  const mean = observed === 0 ? 0 : sum / observed;
  if (observed === 0 || min === max) {
    column.fill(0);
    return { mean, std: 0, missing };
  }
  let squares = 0;
  for (let i = 0; i < column.length; i++) {
    if (Number.isNaN(column[i] as number)) column[i] = mean;
    const d = (column[i] as number) - mean;
    squares += d * d;
  }
  const std = Math.sqrt(squares / column.length);
  if (!(std > 0 && Number.isFinite(std))) {
    // Differences so small (or values so large) that their squares under- or overflow: no usable scale.
    column.fill(0);
    return { mean, std: 0, missing };
  }
  for (let i = 0; i < column.length; i++) column[i] = ((column[i] as number) - mean) / std;
  return { mean, std, missing };
}
