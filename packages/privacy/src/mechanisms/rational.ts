/**
 * Exact non-negative rationals over bigint, enough for the exact samplers: a float64 is converted
 * to the dyadic rational it denotes exactly, with no rounding.
 */
import { PrivacyError } from '../errors';

export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** numerator/denominator in lowest terms; the denominator must be positive. */
export function rational(numerator: bigint, denominator: bigint): Rational {
  if (denominator <= 0n) {
    throw new PrivacyError('INVALID_ARGUMENT', `denominator must be a positive bigint; got ${denominator}.`);
  }
  const g = gcd(numerator, denominator);
  return g > 1n ? { numerator: numerator / g, denominator: denominator / g } : { numerator, denominator };
}

/** The exact value of a finite float64 as a rational (every finite double is a dyadic rational). */
export function rationalFromNumber(x: number): Rational {
  if (!Number.isFinite(x)) throw new PrivacyError('INVALID_ARGUMENT', `x must be finite; got ${x}.`);
  if (Number.isInteger(x)) return { numerator: BigInt(x), denominator: 1n };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const exponentBits = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  // value = mantissa · 2^(exponent), with the implicit leading bit for normal numbers.
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  const signed = negative ? -mantissa : mantissa;
  return exponent >= 0 ? rational(signed << BigInt(exponent), 1n) : rational(signed, 1n << BigInt(-exponent));
}

/** Accepts a number or a rational; requires it to be strictly positive. */
export function positiveRational(field: string, value: number | Rational): Rational {
  const r =
    typeof value === 'number'
      ? Number.isFinite(value)
        ? rationalFromNumber(value)
        : undefined
      : typeof value === 'object' && value !== null && typeof value.numerator === 'bigint' && typeof value.denominator === 'bigint'
        ? rational(value.numerator, value.denominator)
        : undefined;
  if (r === undefined || r.numerator <= 0n) {
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `${field} must be a finite number > 0 or a { numerator, denominator } bigint rational > 0; got ${String(value)}.`,
    );
  }
  return r;
}

/** ⌊√n⌋ for a bigint n ≥ 0 (Newton's method on integers). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new PrivacyError('INVALID_ARGUMENT', `n must be ≥ 0; got ${n}.`);
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n)))) + 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}
