/**
 * The distributed discrete Gaussian (Kairouz, Liu, Steinke 2021, Algorithm 1): the rotation is orthonormal,
 * encode → sum → decode returns the sum of the clipped updates up to rounding, the decoded noise has the
 * planned standard deviation γ·√(n·σ²), conditional rounding keeps ‖x̃‖₂ ≤ Δ₂ with no visible bias, the
 * planned γ keeps the sum of n encodings inside the centred range, ε follows Theorem 1, and a secure
 * aggregation round over encoded vectors unmasks to their exact modular sum.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  clipByL2Norm,
  conditionalRounding,
  decodeDistributedDp,
  type DistributedDpPlan,
  distributedDpZcdpEpsilon,
  encodeDistributedDp,
  inverseRotate,
  planDistributedDp,
  rotate,
  rotationSigns,
  roundedSensitivity,
  seededRandomSource,
  validateDistributedDpPlan,
  walshHadamard,
} from '@cohort/privacy/mechanisms';
import { type EncryptedShare, neighbourGraph, planSecAgg, SecAggClient, SecAggServer } from '@cohort/privacy/secagg';
import { meanSd, sameBytes } from '../helpers/arrays';

const seed = new Uint8Array(32).fill(3);

function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s);
}

function randomUpdate(length: number, l2: number, source = seededRandomSource(`u${length}:${l2}`)): Float32Array {
  const bytes = new Uint8Array(length);
  source.fillBytes(bytes);
  const x = Float32Array.from(bytes, (b) => b - 127.5);
  const scale = l2 / norm(x);
  return x.map((v) => v * scale);
}

/** Centred value of a word mod 2^bits. */
function centred(word: number, bits: number): number {
  return word >= 2 ** (bits - 1) ? word - 2 ** bits : word;
}

function modularSum(vectors: readonly Uint32Array[], bits: number): Uint32Array {
  const modulus = 2 ** bits;
  const sum = new Uint32Array((vectors[0] as Uint32Array).length);
  for (const v of vectors) for (let i = 0; i < sum.length; i++) sum[i] = ((sum[i] as number) + (v[i] as number)) % modulus;
  return sum;
}

/** The plan with (almost) no noise: σ² = 10⁻¹², so every share is 0 except with probability e^(−5·10¹¹). */
function quiet(plan: DistributedDpPlan): DistributedDpPlan {
  return { ...plan, clientVariance: 1e-12 };
}

describe('the random rotation H·D/√d', () => {
  it('is the Walsh–Hadamard matrix at d = 4, orthonormal at d = 1024, and inverted exactly by inverseRotate', () => {
    const columns = [0, 1, 2, 3].map((j) => {
      const e = new Float64Array(4);
      e[j] = 1;
      walshHadamard(e);
      return Array.from(e);
    });
    expect(columns).toEqual([
      [1, 1, 1, 1],
      [1, -1, 1, -1],
      [1, 1, -1, -1],
      [1, -1, -1, 1],
    ]);
    const signs = rotationSigns(seed, 1024);
    expect(rotationSigns(seed, 1024)).toEqual(signs); // public and deterministic
    expect(rotationSigns(new Uint8Array(32).fill(4), 1024)).not.toEqual(signs);
    const negatives = signs.filter((s) => s === -1).length;
    expect(Math.abs(negatives - 512)).toBeLessThan(5 * 16); // Binomial(1024, ½): sd 16
    const x = Float64Array.from(randomUpdate(1024, 3));
    const y = x.slice();
    rotate(y, signs);
    expect(norm(y) / norm(x) - 1).toBeLessThan(1e-14);
    // Flattening: no coordinate of the rotated vector keeps a spike's mass.
    const spike = new Float64Array(1024);
    spike[17] = 3;
    rotate(spike, signs);
    expect(Math.max(...spike.map(Math.abs))).toBeCloseTo(3 / 32, 12);
    inverseRotate(y, signs);
    for (let i = 0; i < x.length; i++) expect(Math.abs((y[i] as number) - (x[i] as number))).toBeLessThan(1e-12);
    expect(() => rotationSigns(new Uint8Array(16), 8)).toThrow(/bad rotationSeed size/);
  });
});

describe('planDistributedDp', () => {
  it('pads to 2^⌈log2 m⌉, sets σ² = (zΔ₂)²/n, and picks the finest γ whose sum stays within k = √(2 ln(2d/2^−20)) sd of 2^(b−1)', () => {
    const plan = planDistributedDp({ modelLength: 1000, clipNorm: 0.5, noiseMultiplier: 1.2, minContributors: 5, bits: 16 });
    validateDistributedDpPlan(plan);
    expect(plan).toMatchObject({
      modelLength: 1000,
      paddedLength: 1024,
      clipNorm: 0.5,
      minContributors: 5,
      bits: 16,
      noiseMultiplier: 1.2,
    });
    expect(plan.beta).toBe(Math.exp(-0.5));
    const scaledClip = plan.clipNorm / plan.granularity;
    expect(plan.sensitivity).toBe(roundedSensitivity(scaledClip, 1024, plan.beta));
    expect(plan.clientVariance).toBeCloseTo((1.2 * plan.sensitivity) ** 2 / 5, 6);
    const k = Math.sqrt(2 * Math.log(2 * 1024 * 2 ** 20)); // 6.55
    const spread = (c: number) => k * Math.sqrt((25 * c * c) / 1024 + 5 / 4 + (1.2 * roundedSensitivity(c, 1024, plan.beta)) ** 2);
    expect(spread(scaledClip)).toBeLessThanOrEqual(2 ** 15 - 1);
    expect(spread(scaledClip * (1 + 1e-9))).toBeGreaterThan(2 ** 15 - 1); // the finest such γ
    expect(plan.effectiveNoiseMultiplier).toBeLessThanOrEqual(plan.noiseMultiplier);
    expect(plan.effectiveNoiseMultiplier).toBeCloseTo(1.2, 12); // σ ≫ 1: τ vanishes

    // Budgeting the wrap for N = 20 contributors: a coarser γ, the same σ² rule for n = 5, and the sum of 20 fits.
    const wide = planDistributedDp({
      modelLength: 1000,
      clipNorm: 0.5,
      noiseMultiplier: 1.2,
      minContributors: 5,
      maxContributors: 20,
      bits: 16,
    });
    expect(wide.granularity).toBeGreaterThan(1.5 * plan.granularity);
    expect(wide.clientVariance).toBeCloseTo((1.2 * wide.sensitivity) ** 2 / 5, 6);
    const c20 = wide.clipNorm / wide.granularity;
    const s20 = k * Math.sqrt((400 * c20 * c20) / 1024 + 20 / 4 + 20 * wide.clientVariance);
    expect(s20).toBeLessThanOrEqual(2 ** 15 - 1);
    expect(s20).toBeGreaterThan(0.999 * (2 ** 15 - 1));
    expect(() => planDistributedDp({ modelLength: 10, clipNorm: 1, noiseMultiplier: 1, minContributors: 5, maxContributors: 4 })).toThrow(
      /maxContributors must be an integer in \[5,/,
    );

    // b = 32 is limited by the sampler's σ² ≤ 2^48, not by the wrap; rounding then costs nothing.
    const fine = planDistributedDp({ modelLength: 199_210, clipNorm: 1, noiseMultiplier: 1, minContributors: 100 });
    expect(fine.paddedLength).toBe(2 ** 18);
    expect(fine.clientVariance).toBeLessThanOrEqual(2 ** 48);
    expect((fine.granularity * fine.sensitivity) / fine.clipNorm).toBeLessThan(1 + 1e-7);
  });

  it('refuses too few bits, saying why, and rejects fields out of range by name', () => {
    const base = { modelLength: 199_210, clipNorm: 1, noiseMultiplier: 1, minContributors: 100 };
    expect(() => planDistributedDp({ ...base, bits: 8 })).toThrow(/bits = 8 is too few.*could wrap mod 2\^8; use bits ≥ 1\d/);
    expect(() => planDistributedDp({ ...base, bits: 12 })).toThrow(/bits = 12 is too few.*rounding then inflates the noise/);
    expect(() => planDistributedDp({ ...base, modelLength: 0 })).toThrow(/modelLength must be an integer/);
    expect(() => planDistributedDp({ ...base, clipNorm: -1 })).toThrow(/clipNorm must be a finite number > 0/);
    expect(() => planDistributedDp({ ...base, minContributors: 1.5 })).toThrow(/minContributors must be an integer/);
    expect(() => planDistributedDp({ ...base, beta: 1 })).toThrow(/beta must be a finite number in \[0, 1\)/);
    expect(() => planDistributedDp({ ...base, bits: 33 })).toThrow(/bits must be an integer in \[2, 32\]/);
    const plan = planDistributedDp({ ...base, modelLength: 100 });
    expect(() => validateDistributedDpPlan({ ...plan, paddedLength: 256 })).toThrow(/paddedLength must be 2\^⌈log2 modelLength⌉ = 128/);
    expect(() => validateDistributedDpPlan({ ...plan, sensitivity: plan.sensitivity / 2 })).toThrow(/plan.sensitivity must be Δ₂/);
  });
});

describe('encode and decode (test 1: orthonormal round trip)', () => {
  it('decode(encode(x)) without noise is the clipped x within γ·√d, at b = 32 and b = 12; the sum of n within n·γ·√d', () => {
    for (const bits of [32, 12]) {
      const plan = quiet(planDistributedDp({ modelLength: 1000, clipNorm: 2, noiseMultiplier: 1, minContributors: 5, bits }));
      const bound = plan.granularity * Math.sqrt(plan.paddedLength);
      const update = randomUpdate(1000, 5); // ‖x‖ = 5 > c = 2: clipped
      const encoded = encodeDistributedDp(update, plan, seed);
      expect(encoded).toHaveLength(1024);
      expect(encoded.every((w) => w < 2 ** bits)).toBe(true);
      const decoded = decodeDistributedDp(encoded, plan, seed);
      expect(decoded).toHaveLength(1000);
      const [clipped] = clipByL2Norm([update], 2).clipped as [Float32Array];
      const error = norm(decoded.map((v, i) => v - (clipped[i] as number)));
      expect(error).toBeLessThanOrEqual(bound);
      if (bits === 12) expect(error).toBeGreaterThan(bound / 10); // the rounding is real, and measured
      // A wrong seed rotates back the wrong way: nothing like the update.
      const wrong = decodeDistributedDp(encoded, plan, new Uint8Array(32));
      expect(norm(wrong.map((v, i) => v - (clipped[i] as number)))).toBeGreaterThan(1);

      const n = 5;
      const updates = Array.from({ length: n }, (_, j) => randomUpdate(1000, 0.5 + j / 2, seededRandomSource(`c${j}`)));
      const sum = decodeDistributedDp(
        modularSum(
          updates.map((u) => encodeDistributedDp(u, plan, seed)),
          bits,
        ),
        plan,
        seed,
      );
      const expected = new Float64Array(1000);
      for (const u of updates) {
        const [c] = clipByL2Norm([u], 2).clipped as [Float32Array];
        for (let i = 0; i < 1000; i++) expected[i] = (expected[i] as number) + (c[i] as number);
      }
      expect(norm(sum.map((v, i) => v - (expected[i] as number)))).toBeLessThanOrEqual(n * bound);
    }
  });

  it('validates its inputs: length, finiteness, seed size, words below 2^b', () => {
    const plan = planDistributedDp({ modelLength: 100, clipNorm: 1, noiseMultiplier: 1, minContributors: 3, bits: 20 });
    expect(() => encodeDistributedDp(new Float32Array(99), plan, seed)).toThrow(
      /update must be a Float32Array of length plan.modelLength = 100/,
    );
    expect(() => encodeDistributedDp(new Float32Array(100).fill(Number.NaN), plan, seed)).toThrow(
      expect.objectContaining({ code: 'NON_FINITE_INPUT' }),
    );
    expect(() => encodeDistributedDp(new Float32Array(100), plan, new Uint8Array(31))).toThrow(/bad rotationSeed size/);
    expect(() => decodeDistributedDp(new Uint32Array(100), plan, seed)).toThrow(/length plan.paddedLength = 128/);
    expect(() => decodeDistributedDp(new Uint32Array(128).fill(2 ** 20), plan, seed)).toThrow(/sum\[0\] = 1048576 is not below 2\^20/);
  });
});

describe('the noise of the decoded sum (test 2)', () => {
  it('has per-coordinate sd γ·√(n·σ²) ≈ z·c within 3 % and mean 0, d = 1024, n = 5, 8 runs, b = 32 and b = 16', () => {
    for (const bits of [32, 16]) {
      const plan = planDistributedDp({ modelLength: 1000, clipNorm: 0.3, noiseMultiplier: 0.8, minContributors: 5, bits });
      const n = 5;
      const values: number[] = [];
      for (let run = 0; run < 8; run++) {
        const zero = new Float32Array(1000);
        const shares = Array.from({ length: n }, () => encodeDistributedDp(zero, plan, seed));
        values.push(...decodeDistributedDp(modularSum(shares, bits), plan, seed));
      }
      const expectedSd = plan.granularity * Math.sqrt(n * plan.clientVariance);
      expect(expectedSd).toBeCloseTo(0.8 * 0.3, 3); // z·c: the rounding's inflation γΔ₂/c is < 1.001 here
      const { mean, sd } = meanSd(values);
      // 8000 values: the sd's relative standard error is 1/√16000 = 0.8 %, the mean's is sd/89.
      expect(Math.abs(sd / expectedSd - 1)).toBeLessThan(0.03);
      expect(Math.abs(mean)).toBeLessThan((4 * expectedSd) / Math.sqrt(values.length));
    }
  });
});

describe('conditional randomised rounding (test 3)', () => {
  /** `draws` roundings of x: the largest ‖x̃‖₂², the mean x̃, and whether every x̃ᵢ is ⌊xᵢ⌋ or ⌈xᵢ⌉. */
  function roundMany(x: Float64Array, sensitivity: number, draws: number, label: string) {
    const source = seededRandomSource(label);
    const mean = new Float64Array(x.length);
    let largest = 0;
    let notRounding = 0;
    for (let r = 0; r < draws; r++) {
      const y = conditionalRounding(x, sensitivity, source);
      let squares = 0;
      for (let i = 0; i < x.length; i++) {
        const v = y[i] as number;
        if (!Number.isInteger(v) || Math.abs(v - (x[i] as number)) >= 1) notRounding += 1;
        squares += v * v; // exact: integer squares summed far below 2^53
        mean[i] = (mean[i] as number) + v / draws;
      }
      largest = Math.max(largest, squares);
    }
    return { largest, mean, notRounding };
  }

  it('keeps ‖x̃‖₂ ≤ Δ₂ always; a generic x shows no bias (every coordinate within 5 standard errors + 0.01), β = 0 none at all', () => {
    const d = 256;
    const x = Float64Array.from(randomUpdate(d, 6)); // c' = 6: Δ₂ = √(36 + 64 + 1·(6 + 8)) = 10.68
    for (const beta of [Math.exp(-0.5), 0]) {
      const sensitivity = roundedSensitivity(6, d, beta);
      expect(sensitivity).toBeCloseTo(beta === 0 ? 6 + 16 : Math.sqrt(114), 12);
      const draws = 3000;
      const { largest, mean, notRounding } = roundMany(x, sensitivity, draws, `generic ${beta}`);
      expect(notRounding).toBe(0);
      expect(largest).toBeLessThanOrEqual(sensitivity ** 2);
      let worst = 0;
      for (let i = 0; i < d; i++) {
        const frac = (x[i] as number) - Math.floor(x[i] as number);
        const standardError = Math.sqrt((frac * (1 - frac)) / draws);
        worst = Math.max(worst, Math.abs((mean[i] as number) - (x[i] as number)) - 5 * standardError);
      }
      expect(worst).toBeLessThan(0.01);
    }
  });

  it('has a small, bounded bias where the condition binds: x = (1.5, …, 1.5) shrinks by ~0.006 per coordinate, within √(βd)/(2(1 − β))', () => {
    // d = 256, xᵢ = 1.5, c' = 24: Δ₂² = 576 + 64 + 1·(24 + 8) = 672, and ‖x̃‖₂² = 256 + 3·Binomial(256, ½) has mean 640 and
    // sd 24, so the condition rejects ~9 % of draws, all with many coordinates rounded up: the accepted mean moves down by
    // 8·φ(1.33)/Φ(1.33)/256 ≈ 0.0057 per coordinate. Conditioning on an event of probability ≥ 1 − β bounds the bias in L2 by
    // √(β·d/4)/(1 − β) = 15.8 (integer units); in the update's units multiply by γ.
    const d = 256;
    const beta = Math.exp(-0.5);
    const x = new Float64Array(d).fill(1.5);
    const sensitivity = roundedSensitivity(24, d, beta);
    expect(sensitivity ** 2).toBeCloseTo(672, 10);
    const draws = 3000;
    const { largest, mean } = roundMany(x, sensitivity, draws, 'binding');
    expect(largest).toBeLessThanOrEqual(672);
    let shift = 0;
    let l2 = 0;
    for (let i = 0; i < d; i++) {
      shift += ((mean[i] as number) - 1.5) / d;
      l2 += ((mean[i] as number) - 1.5) ** 2;
    }
    // The average shift has standard error 0.5/√(256·3000) = 0.00057 (plus a little from the conditioning).
    expect(shift).toBeLessThan(-0.0057 + 5 * 0.00057);
    expect(shift).toBeGreaterThan(-0.0057 - 5 * 0.00057);
    expect(Math.sqrt(l2)).toBeLessThan(Math.sqrt((beta * d) / 4) / (1 - beta));
  });

  it('throws NUMERICAL_FAILURE, encoding nothing, when Δ₂ cannot be met', () => {
    const x = Float64Array.from({ length: 64 }, () => 0.5);
    expect(() => conditionalRounding(x, 1, seededRandomSource('x'))).toThrow(expect.objectContaining({ code: 'NUMERICAL_FAILURE' }));
  });
});

describe('no wrap (test 4)', () => {
  it('at b = 16, n = 5 aligned updates at the clip norm stay inside ±(2^15 − 1) in 200 trials, the planner using most of the range', () => {
    const plan = planDistributedDp({ modelLength: 200, clipNorm: 1, noiseMultiplier: 1, minContributors: 5, bits: 16 });
    const n = 5;
    const aligned = randomUpdate(200, 1);
    const spike = new Float32Array(200);
    spike[0] = 1;
    let largest = 0;
    for (let trial = 0; trial < 200; trial++) {
      const rotation = randomBytes(32); // fresh per round, independent of the updates
      const update = trial % 2 === 0 ? aligned : spike;
      const shares = Array.from({ length: n }, () => encodeDistributedDp(update, plan, rotation));
      for (let i = 0; i < plan.paddedLength; i++) {
        let exact = 0;
        for (const share of shares) exact += centred(share[i] as number, 16);
        largest = Math.max(largest, Math.abs(exact));
      }
    }
    expect(largest).toBeLessThanOrEqual(2 ** 15 - 1);
    expect(largest).toBeGreaterThan(2 ** 15 / 4); // γ is not wastefully coarse
  });
});

describe('accounting (test 5)', () => {
  const plan = (sensitivity: number, clientVariance: number, paddedLength = 4): DistributedDpPlan => ({
    modelLength: paddedLength,
    paddedLength,
    clipNorm: 1,
    granularity: 1,
    beta: 0,
    sensitivity,
    clientVariance,
    minContributors: 3,
    bits: 32,
    noiseMultiplier: 1,
    effectiveNoiseMultiplier: 1,
  });

  it('tends to Δ₂/(√n·σ) as τ → 0 (large σ), and the effective noise multiplier never exceeds the requested one', () => {
    for (const sigma of [2, 10, 1e4]) {
      const eps = distributedDpZcdpEpsilon(plan(3 * sigma, sigma ** 2, 1024), 3);
      expect(eps / (3 / Math.sqrt(3)) - 1).toBeLessThan(1e-14);
      expect(eps).toBeGreaterThanOrEqual((3 / Math.sqrt(3)) * (1 - 1e-15));
    }
    // Small σ: τ is not negligible and ε grows above Δ₂/(√n·σ).
    expect(distributedDpZcdpEpsilon(plan(1, 0.25, 1024), 10)).toBeGreaterThan(1.5 / Math.sqrt(2.5));
    for (const [z, n, bits] of [
      [0.5, 2, 20],
      [1, 10, 32],
      [3, 100, 24],
    ] as const) {
      const p = planDistributedDp({ modelLength: 5000, clipNorm: 1, noiseMultiplier: z, minContributors: n, bits });
      expect(p.effectiveNoiseMultiplier).toBeLessThanOrEqual(z);
      expect(p.effectiveNoiseMultiplier).toBe(Math.min(z, 1 / distributedDpZcdpEpsilon(p, n)));
      // More contributors than planned: more noise, smaller ε.
      expect(distributedDpZcdpEpsilon(p, 2 * n)).toBeLessThan(distributedDpZcdpEpsilon(p, n));
    }
  });

  it('matches values computed by hand (mpmath, 30 digits) on both branches of the min', () => {
    // Δ₂ = 2, σ² = 0.5, n = 3, d = 4: τ = 10(e^(−π²/2) + e^(−2π²/3)) = 0.0858009872004517,
    // Δ₂/(√n·σ) = 2/√1.5 = 1.63299316185545; √(1.63299316185545² + 2τ·4) = 1.83114023610162,
    // 1.63299316185545 + τ·√4 = 1.80459513625636 → ε = 1.80459513625636.
    expect(distributedDpZcdpEpsilon(plan(2, 0.5), 3)).toBeCloseTo(1.80459513625636, 12);
    // Δ₂ = 1, σ² = 0.25, n = 3, d = 4: τ = 10(e^(−π²/4) + e^(−π²/3)) = 1.22063734718655, Δ₂/(√n·σ) = 1.15470053837925;
    // √(1.15470053837925² + 2τ·4) = 3.33143094042571 < 1.15470053837925 + 2τ = 3.59597523275235 → ε = 3.33143094042571.
    expect(distributedDpZcdpEpsilon(plan(1, 0.25), 3)).toBeCloseTo(3.33143094042571, 12);
    expect(() => distributedDpZcdpEpsilon(plan(1, 0.25), 0)).toThrow(/contributors must be an integer/);
  });
});

describe('SecAggClient.maskedInputEncoded (test 6)', () => {
  it('a round of 7 clients (one dropout after share-keys) unmasks to the exact modular sum of the encodings, which decodes to the noisy sum', async () => {
    const n = 7;
    const dp = planDistributedDp({ modelLength: 300, clipNorm: 1, noiseMultiplier: 1, minContributors: 6, bits: 24 });
    const ids = Array.from({ length: n }, (_, i) => `client-${i}`);
    const planned = planSecAgg({ clients: n, clipNorm: 1, modelLength: dp.paddedLength, bits: dp.bits });
    const params = { ...planned, scale: 1 }; // scale and clipNorm are unused by encoded inputs
    const graph = neighbourGraph(ids, params.neighbours, new Uint8Array(32).fill(9));
    const server = new SecAggServer({ runId: 'run-dp', round: 2, params, graph });
    const clients = new Map(ids.map((clientId) => [clientId, new SecAggClient({ runId: 'run-dp', round: 2, clientId, params })]));
    const client = (id: string) => clients.get(id) as SecAggClient;
    const adverts = server.receiveAdvertisements(ids.map((id) => client(id).advertise()));
    const shares = new Map<string, EncryptedShare[]>();
    for (const [id, neighbourAdverts] of adverts) shares.set(id, await client(id).shareKeys(neighbourAdverts));
    const routed = server.routeShares(shares);
    const rotation = randomBytes(32);
    const encodings = new Map<string, Uint32Array>();
    const masked = new Map<string, Uint32Array>();
    for (const [id, received] of routed) {
      if (id === 'client-3') continue; // drops out after share-keys
      const encoded = encodeDistributedDp(randomUpdate(300, 2, seededRandomSource(id)), dp, rotation);
      const copy = encoded.slice();
      masked.set(id, client(id).maskedInputEncoded(encoded, received, server.survivorsFor(id)));
      expect(sameBytes(encoded, copy)).toBe(true); // the input is not modified
      expect(sameBytes(masked.get(id) as Uint32Array, encoded)).toBe(false);
      encodings.set(id, encoded);
    }
    const requests = server.receiveMaskedInputs(masked);
    const sum = await server.unmask([...requests].map(([id, request]) => client(id).unmask(request)));
    expect(server.contributors).toHaveLength(6);
    expect(sameBytes(sum, modularSum([...encodings.values()], dp.bits))).toBe(true);
    const decoded = decodeDistributedDp(sum, dp, rotation);
    const clippedSum = new Float64Array(300);
    for (const id of encodings.keys()) {
      const u = randomUpdate(300, 2, seededRandomSource(id));
      for (let i = 0; i < 300; i++) clippedSum[i] = (clippedSum[i] as number) + (u[i] as number) / 2;
    }
    // Noise sd per coordinate is γ·√(6σ²) ≈ z·c = 1: the decoded sum is within 6 sd of the clipped sum everywhere.
    const sd = dp.granularity * Math.sqrt(6 * dp.clientVariance);
    for (let i = 0; i < 300; i++) expect(Math.abs((decoded[i] as number) - (clippedSum[i] as number))).toBeLessThan(6 * sd);
  });

  it('rejects a wrong length or a word ≥ 2^bits before touching any secret, and runs only at the masked-input stage', async () => {
    const ids = ['a', 'b', 'c'];
    const params = {
      ...planSecAgg({ clients: 3, clipNorm: 1, modelLength: 8, bits: 12, fullGraph: true, dropoutFraction: 0, corruptionFraction: 0 }),
      scale: 1,
    };
    const server = new SecAggServer({ runId: 'r', round: 0, params, graph: neighbourGraph(ids, 2, randomBytes(32)) });
    const clients = ids.map((clientId) => new SecAggClient({ runId: 'r', round: 0, clientId, params }));
    expect(() => clients[0]?.maskedInputEncoded(new Uint32Array(8), [], [])).toThrow(/maskedInputEncoded\(\) is out of order/);
    const adverts = server.receiveAdvertisements(clients.map((c) => c.advertise()));
    const shares = new Map<string, EncryptedShare[]>();
    for (const c of clients) shares.set(c.clientId, await c.shareKeys(adverts.get(c.clientId) ?? []));
    const routed = server.routeShares(shares);
    const a = clients[0] as SecAggClient;
    const received = routed.get('a') ?? [];
    expect(() => a.maskedInputEncoded(new Uint32Array(7), received, server.survivorsFor('a'))).toThrow(/length modelLength = 8/);
    expect(() => a.maskedInputEncoded(new Uint32Array(8).fill(4096), received, server.survivorsFor('a'))).toThrow(
      /encoded\[0\] = 4096 is not below 2\^12/,
    );
    const masked = a.maskedInputEncoded(new Uint32Array(8).fill(4095), received, server.survivorsFor('a'));
    expect(masked.every((w) => w < 4096)).toBe(true);
  });
});
