/**
 * The distributed discrete Gaussian mechanism for federated learning with secure aggregation — Kairouz,
 * Liu, Steinke (ICML 2021), "The Distributed Discrete Gaussian Mechanism for Federated Learning with Secure
 * Aggregation", Algorithm 1 (DDGauss). Each client clips its update to L2 norm c, pads it to d = 2^⌈log₂ m⌉,
 * rotates it (randomized-hadamard.ts), scales it by 1/γ, rounds it to integers by conditional randomised
 * rounding, adds its own share of N_Z(0, σ²) noise and reduces it mod 2^b; secure aggregation sums the
 * shares mod 2^b; the coordinator centres the sum, multiplies by γ and rotates back. No one but the clients
 * adds noise: the sum of n shares carries variance nσ², and is private when at least n clients contribute.
 *
 * Units: c, γ and the decoded sum are in the update's units; Δ₂ (`sensitivity`) and σ² (`clientVariance`)
 * are in integer units (one step = γ). `noiseMultiplier` z = √n·σ/Δ₂, so the decoded sum's noise has
 * standard deviation γ·z·Δ₂ per coordinate — z·c plus the price of rounding, γ·Δ₂ ≥ c.
 *
 * Guaranteed: every encoding's rounded vector has ‖x̃‖₂ ≤ Δ₂ (checked, with a float margin that only
 * errs on the small side), the noise is exact (CKS sampler) from the CSPRNG unless a source is given, and
 * `distributedDpZcdpEpsilon` is the paper's bound. Not guaranteed: that the sum never wraps mod 2^b — the
 * planner makes it improbable (see `planDistributedDp`) for at most `maxContributors` honest updates
 * independent of the rotation seed, but one client can always spoil the sum. Privacy needs at least
 * `minContributors` honest contributors, whose shares are never unmasked alone (secure aggregation's job).
 */
import { PrivacyError } from '../errors';
import { requireInteger, requireNumberInRange, requirePositive } from '../validation';
import { clipByL2Norm } from './clip';
import { MAX_DISCRETE_GAUSSIAN_VARIANCE, sampleDiscreteGaussian } from './discrete-gaussian';
import { conditionalRounding, roundedSensitivity } from './conditional-rounding';
import { defaultRandomSource, type RandomSource } from './random-source';
import { inverseRotate, paddedLengthFor, rotate, rotationSigns } from './randomized-hadamard';

export interface DistributedDpPlan {
  /** m, the flattened update's length. */
  modelLength: number;
  /** d = 2^⌈log₂ m⌉, the Hadamard transform's size and the length of every encoding. */
  paddedLength: number;
  /** c, the L2 clip of one client's update, in the update's units. */
  clipNorm: number;
  /** γ: one integer step equals γ in rotated units (the rotated update is scaled by 1/γ). */
  granularity: number;
  /** β of conditional randomised rounding, in [0, 1). */
  beta: number;
  /** Δ₂: the L2 bound of one client's rounded vector, in integer units (the paper's bound for β). */
  sensitivity: number;
  /** σ² of each client's discrete Gaussian share, in integer units (a variance, not a standard deviation). */
  clientVariance: number;
  /** n: the noise suffices when at least n clients contribute (noise from survivors only). */
  minContributors: number;
  /** b: encodings and their sum are integers mod 2^b (Uint32 words). */
  bits: number;
  /** The requested z = √n·σ/Δ₂. */
  noiseMultiplier: number;
  /** z_eff = 1/ε, with ½ε²-zCDP the bound of `distributedDpZcdpEpsilon` for n contributors; ≤ z. What the ledger records. */
  effectiveNoiseMultiplier: number;
}

export interface DistributedDpPlanOptions {
  /** m, the flattened update's length; 1 ≤ m ≤ 2^28. */
  modelLength: number;
  /** c, the L2 clip of one client's update, in the update's units; > 0. */
  clipNorm: number;
  /** z, the sum's noise standard deviation over Δ₂; > 0. */
  noiseMultiplier: number;
  /** n, the fewest contributors whose shares together carry the noise; an integer ≥ 1. */
  minContributors: number;
  /**
   * N, the most clients whose encodings may be summed (e.g. the cohort size, or a high quantile of a Poisson
   * cohort); the no-wrap rule budgets for N, the privacy for n. An integer ≥ minContributors. @default minContributors
   */
  maxContributors?: number;
  /** b, bits of the modular sum, 2…32. @default 32 */
  bits?: number;
  /** β of conditional randomised rounding, in [0, 1) (0: plain randomised rounding, Δ₂ = c/γ + √d). @default e^−0.5 */
  beta?: number;
  /** Bound on the probability that any coordinate of N encodings' sum wraps mod 2^b, in (0, 0.5]. @default 2^−20 */
  wrapProbability?: number;
}

export interface EncodeDistributedDpOptions {
  /** Coins of the rounding and the noise; a seeded source is NOT private. @default node:crypto's CSPRNG */
  source?: RandomSource;
}

/** Largest accepted m (d ≤ 2^28, as for secure aggregation). */
export const MAX_DISTRIBUTED_DP_MODEL_LENGTH = 2 ** 28;
/** The planner refuses a γ whose rounding more than doubles the noise: γ·Δ₂ > 2c. */
const MAX_ROUNDING_INFLATION = 2;
const DEFAULT_BETA = Math.exp(-0.5);
/** Terms of τ summed one by one; the rest are bounded above together. */
const TAU_TERMS = 100_000;
const DEFAULT_WRAP_PROBABILITY = 2 ** -20;

/**
 * ε such that the sum of `contributors` shares of a plan is ½ε²-zCDP (Kairouz, Liu, Steinke 2021, Theorem 1,
 * resting on their Proposition 14 on sums of discrete Gaussians), in integer units with σ² = clientVariance:
 *
 *   ε = min{ √(Δ₂²/(nσ²) + 2τd), Δ₂/(√n·σ) + τ√d },  τ = 10·Σ_{k=1}^{n−1} exp(−2π²σ²·k/(k+1)).
 *
 * Proposition 14 bounds the Rényi divergence of every order α ≥ 1 by min{α·Δ₂²/(2nσ²) + τd,
 * (α/2)·(Δ₂/(√n·σ) + τ√d)²}; as τd does not shrink with α, ½ε²-zCDP (D_α ≤ ½ε²α for all α > 1) follows
 * from the first branch only with ε² ≥ Δ₂²/(nσ²) + 2τd, the form used here — the ½τd sometimes quoted for it
 * is smaller, so this is never below it. τ ≤ 10(n − 1)·e^(−π²σ²) is negligible (< 10⁻¹⁵·n) once σ ≥ 2, where
 * ε = Δ₂/(√n·σ) = 1/z.
 */
export function distributedDpZcdpEpsilon(plan: DistributedDpPlan, contributors: number): number {
  const d = requireInteger('plan.paddedLength', plan?.paddedLength, 1);
  const sensitivity = requirePositive('plan.sensitivity', plan.sensitivity);
  const variance = requirePositive('plan.clientVariance', plan.clientVariance);
  const n = requireInteger('contributors', contributors, 1);
  const a = 2 * Math.PI ** 2 * variance;
  let tau = 0;
  const exact = Math.min(n - 1, TAU_TERMS);
  for (let k = 1; k <= exact; k++) {
    const term = Math.exp((-a * k) / (k + 1));
    if (term === 0) break; // later terms are smaller still
    tau += term;
  }
  // Past TAU_TERMS, each term e^(−a)·e^(a/(k+1)) is at most the last one: an upper bound, so ε stays an upper bound.
  if (n - 1 > exact) tau += (n - 1 - exact) * Math.exp((-a * exact) / (exact + 1));
  tau *= 10;
  const base = sensitivity / Math.sqrt(n * variance);
  return Math.min(Math.sqrt(base * base + 2 * tau * d), base + tau * Math.sqrt(d));
}

/**
 * Plans the mechanism: d = 2^⌈log₂ m⌉, β (default e^−0.5), σ² = (z·Δ₂)²/n for n = minContributors, then the
 * finest granularity γ for which the sum of up to N = maxContributors (default n) encodings stays inside the
 * centred range: with c' = c/γ and Δ₂ = roundedSensitivity(c', d, β), every coordinate of the sum of N
 * encodings is sub-Gaussian with variance proxy v = N²c'²/d (the rotated signal: ‖Σ xᵢ‖₂ ≤ N·c', worst case
 * aligned) + N/4 (rounding errors, each in an interval of length 1) + N·σ² (the shares), and γ is the smallest
 * with k·√v ≤ 2^(b−1) − 1 for k = √(2·ln(2d/p)), p = `wrapProbability` (2^−20): by the sub-Gaussian tail and a union bound over the d
 * coordinates, the sum wraps with probability ≤ p — k ≈ 6.6 at d = 1024, 7.4 at d = 2^18, so never below the
 * paper's k = 4. (The paper's conditioning of the rounding is not modelled in v.) γ is also kept coarse
 * enough that σ² ≤ 2^48, the exact sampler's limit. The sum's noise in the update's units is then γ·z·Δ₂ ≥ z·c
 * per coordinate; the excess γ·Δ₂/c − 1 is ~10⁻⁸ at b = 32, ~10⁻⁴ at b = 16 (d = 1024, n = 5, z = 1).
 *
 * @throws PrivacyError('INVALID_ARGUMENT') naming the field, or naming why b is too small: no γ at all (even
 *   as γ → ∞ the rounding and the noise alone, k·√(N/4 + N·σ²) with Δ₂ → ≈ √d/2, reach 2^(b−1)), or the
 *   finest γ that fits leaves so few integer steps that rounding more than doubles the noise (γ·Δ₂ > 2c).
 */
export function planDistributedDp(options: DistributedDpPlanOptions): DistributedDpPlan {
  if (typeof options !== 'object' || options === null)
    throw new PrivacyError('INVALID_ARGUMENT', 'options must be a DistributedDpPlanOptions object.');
  const m = requireInteger('modelLength', options.modelLength, 1, MAX_DISTRIBUTED_DP_MODEL_LENGTH);
  const c = requirePositive('clipNorm', options.clipNorm);
  const z = requirePositive('noiseMultiplier', options.noiseMultiplier);
  const n = requireInteger('minContributors', options.minContributors, 1, 1e9);
  const most = requireInteger('maxContributors', options.maxContributors ?? n, n, 1e9);
  const bits = requireInteger('bits', options.bits ?? 32, 2, 32);
  const beta = requireNumberInRange('beta', options.beta ?? DEFAULT_BETA, 0, 1, { maxExclusive: true });
  const p = requireNumberInRange('wrapProbability', options.wrapProbability ?? DEFAULT_WRAP_PROBABILITY, 0, 0.5, { minExclusive: true });
  const d = paddedLengthFor(m);
  const k = Math.sqrt(2 * Math.log((2 * d) / p));
  const limit = 2 ** (bits - 1) - 1;
  const variance = (scaledClip: number) => (z * roundedSensitivity(scaledClip, d, beta)) ** 2 / n;
  const fits = (scaledClip: number) => {
    const v = (most * most * scaledClip * scaledClip) / d + most / 4 + most * variance(scaledClip);
    return k * Math.sqrt(v) <= limit && variance(scaledClip) <= MAX_DISCRETE_GAUSSIAN_VARIANCE;
  };
  const tooFewBits = () => {
    const floor = k * Math.sqrt(most / 4 + most * variance(0));
    return new PrivacyError(
      'INVALID_ARGUMENT',
      `bits = ${bits} is too few: whatever the granularity, the rounding and noise of ${most} clients' encodings alone reach ${k.toFixed(2)} standard deviations = ${floor.toExponential(3)} ≥ 2^${bits - 1} − 1 in d = ${d} coordinates, so their sum could wrap mod 2^${bits}; use bits ≥ ${Math.ceil(Math.log2(floor + 1)) + 1}, or a smaller noiseMultiplier or maxContributors.`,
    );
  };
  if (!fits(0)) throw tooFewBits();
  // fits() is monotone in c' = c/γ: bisect for the largest c' (finest γ) that fits.
  let lo = 0;
  let hi = 1;
  while (fits(hi)) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > lo * 2 ** -50; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  if (!(lo > 0)) throw tooFewBits();
  let granularity = c / lo;
  while (!fits(c / granularity)) granularity *= 1 + 2 ** -40; // c/(c/c') can round above c'
  const sensitivity = roundedSensitivity(c / granularity, d, beta);
  if (granularity * sensitivity > MAX_ROUNDING_INFLATION * c)
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `bits = ${bits} is too few for d = ${d}: the finest granularity that keeps ${most} clients' sum from wrapping, γ = ${granularity.toExponential(3)}, leaves c/γ = ${(c / granularity).toFixed(1)} integer steps, and rounding then inflates the noise by γ·Δ₂/c = ${((granularity * sensitivity) / c).toFixed(2)} > ${MAX_ROUNDING_INFLATION}; use more bits.`,
    );
  const clientVariance = (z * sensitivity) ** 2 / n;
  const plan: DistributedDpPlan = {
    modelLength: m,
    paddedLength: d,
    clipNorm: c,
    granularity,
    beta,
    sensitivity,
    clientVariance,
    minContributors: n,
    bits,
    noiseMultiplier: z,
    effectiveNoiseMultiplier: Number.NaN,
  };
  plan.effectiveNoiseMultiplier = Math.min(z, 1 / distributedDpZcdpEpsilon(plan, n));
  return plan;
}

/**
 * Throws PrivacyError('INVALID_ARGUMENT') naming the first field out of range or inconsistent: d must be
 * 2^⌈log₂ m⌉ and Δ₂ must be roundedSensitivity(c/γ, d, β) (relative 1e-9), as a plan that crossed the wire must.
 * σ² is not tied to z here: the client adds the noise it is told to add; the accounting is the coordinator's.
 */
export function validateDistributedDpPlan(plan: DistributedDpPlan): void {
  if (typeof plan !== 'object' || plan === null) throw new PrivacyError('INVALID_ARGUMENT', 'plan must be a DistributedDpPlan object.');
  const m = requireInteger('plan.modelLength', plan.modelLength, 1, MAX_DISTRIBUTED_DP_MODEL_LENGTH);
  const d = requireInteger('plan.paddedLength', plan.paddedLength, 1);
  if (d !== paddedLengthFor(m))
    throw new PrivacyError('INVALID_ARGUMENT', `plan.paddedLength must be 2^⌈log2 modelLength⌉ = ${paddedLengthFor(m)}; got ${d}.`);
  const c = requirePositive('plan.clipNorm', plan.clipNorm);
  const granularity = requirePositive('plan.granularity', plan.granularity);
  const beta = requireNumberInRange('plan.beta', plan.beta, 0, 1, { maxExclusive: true });
  const sensitivity = requirePositive('plan.sensitivity', plan.sensitivity);
  const expected = roundedSensitivity(c / granularity, d, beta);
  if (!(Math.abs(sensitivity - expected) <= 1e-9 * expected))
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `plan.sensitivity must be Δ₂ = ${expected} for clipNorm/granularity = ${c / granularity}, paddedLength ${d} and beta ${beta}; got ${sensitivity}.`,
    );
  requireNumberInRange('plan.clientVariance', plan.clientVariance, 0, MAX_DISCRETE_GAUSSIAN_VARIANCE, { minExclusive: true });
  requireInteger('plan.minContributors', plan.minContributors, 1);
  requireInteger('plan.bits', plan.bits, 2, 32);
  requirePositive('plan.noiseMultiplier', plan.noiseMultiplier);
  requirePositive('plan.effectiveNoiseMultiplier', plan.effectiveNoiseMultiplier);
}

/**
 * Client side (Algorithm 1): clip to c, pad to d with zeros, rotate (x ↦ H·D·x/√d, D the ±1 signs from the
 * public 32-byte `rotationSeed` shared by the round's clients), scale by 1/γ, round each coordinate up with
 * probability equal to its fractional part (32-bit coins: bias ≤ 2^−32) and redraw the whole rounding until
 * ‖x̃‖₂ ≤ Δ₂ — each draw succeeds with probability ≥ 1 − β (expected ≤ 2.6 draws at the default β); after
 * `MAX_ROUNDING_ATTEMPTS` failures, possible only for a plan whose Δ₂ does not fit its γ and β, it throws
 * PrivacyError('NUMERICAL_FAILURE') and encodes nothing — then add N_Z(0, σ²) per coordinate (exact sampler)
 * and reduce mod 2^b. Returns d words, each < 2^b, ready for `SecAggClient.maskedInputEncoded`.
 *
 * @throws PrivacyError('NON_FINITE_INPUT') when the update holds NaN or ±Infinity
 */
export function encodeDistributedDp(
  update: Float32Array,
  plan: DistributedDpPlan,
  rotationSeed: Uint8Array,
  options: EncodeDistributedDpOptions = {},
): Uint32Array {
  validateDistributedDpPlan(plan);
  const { modelLength: m, paddedLength: d, clipNorm, granularity, sensitivity, clientVariance, bits } = plan;
  if (!(update instanceof Float32Array) || update.length !== m)
    throw new PrivacyError('INVALID_ARGUMENT', `update must be a Float32Array of length plan.modelLength = ${m}.`);
  const signs = rotationSigns(rotationSeed, d);
  const source = options.source ?? defaultRandomSource();
  const [clipped] = clipByL2Norm([update], clipNorm).clipped as [Float32Array];
  const x = new Float64Array(d);
  x.set(clipped);
  clipped.fill(0);
  rotate(x, signs, 1 / granularity);
  const rounded = conditionalRounding(x, sensitivity, source);
  x.fill(0);
  const noise = sampleDiscreteGaussian(clientVariance, d, { source });
  const modulus = 2 ** bits;
  const out = new Uint32Array(d);
  for (let i = 0; i < d; i++) {
    const v = (rounded[i] as number) + (noise[i] as number); // an integer below 2^53 in magnitude: exact
    out[i] = v - modulus * Math.floor(v / modulus);
  }
  rounded.fill(0);
  noise.fill(0);
  return out;
}

/**
 * Server side: the modular sum of the contributors' encodings (d words < 2^b) → centred signed integers in
 * [−2^(b−1), 2^(b−1)) → ×γ → inverse rotation (D·H·v/√d) → the first m values: the noisy SUM of the clipped
 * updates, in the update's units (divide by the contributors, or by the expected cohort, for a mean).
 */
export function decodeDistributedDp(sum: Uint32Array, plan: DistributedDpPlan, rotationSeed: Uint8Array): Float64Array {
  validateDistributedDpPlan(plan);
  const { modelLength: m, paddedLength: d, granularity, bits } = plan;
  if (!(sum instanceof Uint32Array) || sum.length !== d)
    throw new PrivacyError('INVALID_ARGUMENT', `sum must be a Uint32Array of length plan.paddedLength = ${d}.`);
  const signs = rotationSigns(rotationSeed, d);
  const modulus = 2 ** bits;
  const half = modulus / 2;
  const v = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const word = sum[i] as number;
    if (word >= modulus) throw new PrivacyError('INVALID_ARGUMENT', `sum[${i}] = ${word} is not below 2^${bits}.`);
    v[i] = word >= half ? word - modulus : word;
  }
  inverseRotate(v, signs, granularity);
  return v.slice(0, m);
}
