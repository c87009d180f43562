/**
 * Argument checks shared by the package. Each throws a `PrivacyError('INVALID_ARGUMENT')` whose
 * message names the field and the allowed range, so a caller can fix the call from the message.
 */
import { PrivacyError } from './errors';

function describe(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
}

function fail(field: string, range: string, value: unknown): never {
  throw new PrivacyError('INVALID_ARGUMENT', `${field} must be ${range}; got ${describe(value)}.`);
}

/** A finite number in [min, max] (either end may be open). */
export function requireNumberInRange(
  field: string,
  value: unknown,
  min: number,
  max: number,
  { minExclusive = false, maxExclusive = false }: { minExclusive?: boolean; maxExclusive?: boolean } = {},
): number {
  const range = `a finite number in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, range, value);
  const belowMin = minExclusive ? value <= min : value < min;
  const aboveMax = maxExclusive ? value >= max : value > max;
  if (belowMin || aboveMax) fail(field, range, value);
  return value;
}

/** A finite number strictly greater than zero. */
export function requirePositive(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(field, 'a finite number > 0', value);
  }
  return value;
}

/** A finite number ≥ 0. */
export function requireNonNegative(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(field, 'a finite number ≥ 0', value);
  }
  return value;
}

/** An integer in [min, max] (a safe integer). */
export function requireInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(field, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** δ of (ε, δ)-DP: in (0, 1). */
export function requireDelta(field: string, value: unknown): number {
  return requireNumberInRange(field, value, 0, 1, { minExclusive: true, maxExclusive: true });
}

/** ε of (ε, δ)-DP: finite and ≥ 0. */
export function requireEpsilon(field: string, value: unknown): number {
  return requireNonNegative(field, value);
}
