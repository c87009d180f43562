/**
 * Float64 special functions for the accountants: erfc and its logarithm, the standard normal CDF
 * and its logarithm, and log-space arithmetic. erfc follows W. J. Cody (1969), "Rational Chebyshev
 * Approximations for the Error Function" (Math. Comp. 23, 631–637) — the CALERF coefficients used
 * by SPECFUN and SciPy — with relative error near 1e-16 on each interval. `logErfc` keeps the
 * exp(−x²) factor symbolic, so it stays accurate far into the tail (x = 1e3 and beyond) where erfc
 * itself underflows.
 */

const ONE_OVER_SQRT_PI = 0.56418958354775628695;
const LN2 = Math.LN2;

// Cody's CALERF coefficients, evaluated in Horner form (numerators a/c/p, denominators b/d/q).

/** erf(x) for |x| ≤ 0.46875. */
function erfSmall(x: number): number {
  const z = x * x;
  const num =
    (((0.185777706184603153 * z + 3.1611237438705656) * z + 113.864154151050156) * z + 377.485237685302021) * z + 3209.37758913846947;
  const den = (((z + 23.6012909523441209) * z + 244.024637934444173) * z + 1282.61652607737228) * z + 2844.23683343917062;
  return (x * num) / den;
}

/** erfc(y)·exp(y²) for 0.46875 < y ≤ 4. */
function erfcRatioMid(y: number): number {
  const num =
    (((((((2.15311535474403846e-8 * y + 0.564188496988670089) * y + 8.88314979438837594) * y + 66.1191906371416295) * y +
      298.635138197400131) *
      y +
      881.95222124176909) *
      y +
      1712.04761263407058) *
      y +
      2051.07837782607147) *
      y +
    1230.33935479799725;
  const den =
    (((((((y + 15.7449261107098347) * y + 117.693950891312499) * y + 537.181101862009858) * y + 1621.38957456669019) * y +
      3290.79923573345963) *
      y +
      4362.61909014324716) *
      y +
      3439.36767414372164) *
      y +
    1230.33935480374942;
  return num / den;
}

/** erfc(y)·exp(y²) for y > 4 (asymptotic form in 1/y²). */
function erfcRatioTail(y: number): number {
  const z = 1 / (y * y);
  const num =
    ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z +
      0.0160837851487422766) *
      z +
    6.58749161529837803e-4;
  const den =
    ((((z + 2.56852019228982242) * z + 1.87295284992346047) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z +
    2.33520497626869185e-3;
  return (ONE_OVER_SQRT_PI - (z * num) / den) / y;
}

/** −y², split as −ys² − (y − ys)(y + ys) with ys = ⌊16y⌋/16, whose square is exact (Cody's trick). */
function negSquare(y: number): number {
  const ys = Math.trunc(16 * y) / 16;
  return -ys * ys - (y - ys) * (y + ys);
}

/** Complementary error function erfc(x) = 1 − erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const logScale = negSquare(y);
  const r = logScale < -745.2 ? 0 : Math.exp(logScale) * (y <= 4 ? erfcRatioMid(y) : erfcRatioTail(y));
  return x < 0 ? 2 - r : r;
}

/** log(erfc(x)), accurate in the far right tail where erfc underflows. */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0.46875) return Math.log(erfc(x));
  if (x === Infinity) return -Infinity;
  return negSquare(x) + Math.log(x <= 4 ? erfcRatioMid(x) : erfcRatioTail(x));
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** log Φ(x), accurate for very negative x. */
export function logNormalCdf(x: number): number {
  if (x < 0) return logErfc(-x * Math.SQRT1_2) - LN2;
  return Math.log1p(-0.5 * erfc(x * Math.SQRT1_2));
}

/** log Φ̄(x) = log(1 − Φ(x)), accurate for very positive x. */
export function logNormalSf(x: number): number {
  return logNormalCdf(-x);
}

/** The x with log Φ(x) = logP, for logP < 0, by bisection to full precision. */
export function normalQuantileFromLog(logP: number): number {
  if (!(logP < 0)) return logP === 0 ? Infinity : NaN;
  let lo = -40;
  let hi = 40;
  while (logNormalCdf(lo) > logP) lo *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = 0.5 * (lo + hi);
    if (logNormalCdf(mid) < logP) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** log(exp(x) + exp(y)). */
export function logAddExp(x: number, y: number): number {
  if (x === -Infinity) return y;
  if (y === -Infinity) return x;
  const m = Math.max(x, y);
  return m + Math.log1p(Math.exp(-Math.abs(x - y)));
}

/** log(exp(x) − exp(y)) for x ≥ y. */
export function logSubExp(x: number, y: number): number {
  if (y === -Infinity) return x;
  if (y > x) return NaN;
  if (y === x) return -Infinity;
  const d = y - x;
  // log1p(−e^d) loses accuracy as d → 0⁻; log(−expm1(d)) does not.
  return x + (d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
}

/** A signed number held as sign · exp(logAbs); sign 0 means zero. */
export interface SignedLog {
  sign: -1 | 0 | 1;
  logAbs: number;
}

/** Adds sign·exp(logTerm) to a signed log-space accumulator, exactly in structure. */
export function signedLogAdd(acc: SignedLog, sign: -1 | 1, logTerm: number): SignedLog {
  if (logTerm === -Infinity) return acc;
  if (acc.sign === 0) return { sign, logAbs: logTerm };
  if (acc.sign === sign) return { sign, logAbs: logAddExp(acc.logAbs, logTerm) };
  if (acc.logAbs > logTerm) return { sign: acc.sign, logAbs: logSubExp(acc.logAbs, logTerm) };
  if (acc.logAbs < logTerm) return { sign, logAbs: logSubExp(logTerm, acc.logAbs) };
  return { sign: 0, logAbs: -Infinity };
}
