/**
 * Continuous Gaussian noise for DP-FedAvg: each coordinate of a clipped update (or of a sum of
 * clipped updates) receives an independent N(0, stdDev²) draw, where by convention
 * `stdDev = noiseMultiplier × clipNorm` — a standard deviation, never a variance.
 *
 * Draws use the Box–Muller transform on 53-bit uniforms taken from a `RandomSource`: the OS CSPRNG
 * by default, or — only when a seed is given — a reproducible AES-CTR stream whose source is
 * labelled `private: false`; never a non-cryptographic PRNG. With 53-bit uniforms the radius
 * √(−2 ln u) is at most √(106 ln 2) ≈ 8.57, so draws beyond 8.57 standard deviations (probability
 * about 1e-17) never occur.
 *
 * Floating-point caveat: Mironov (2012), "On significance of the least significant bits for
 * differential privacy" (ACM CCS), showed that textbook floating-point samplers of continuous
 * noise leave gaps and biases in the low-order bits of the output that can reveal the unnoised
 * value, so the DP proof for real-valued noise does not carry over verbatim to doubles (or to the
 * float32 updates used here). This module follows common practice (Opacus, TF Privacy) and does not
 * close that gap. Where an exact guarantee matters — e.g. noise added before secure aggregation —
 * use the integer-valued `sampleDiscreteGaussian`, which is sampled exactly and has no such leak.
 */
import { cryptoRandomSource, fillUniform53, seededRandomSource } from './random-source';
import type { RandomSeed, RandomSource } from './random-source';
import { requireNonNegative } from '../validation';

export interface GaussianSourceOptions {
  /**
   * Seed of a reproducible stream for simulations and tests. The resulting source has
   * `private: false`: anyone who knows the seed can subtract the noise.
   * @default undefined — draw from node:crypto's CSPRNG (`private: true`)
   */
  seed?: RandomSeed;
}

/** A random source that also draws standard normals. */
export interface GaussianSource extends RandomSource {
  /** Fills `out` with independent N(0, 1) draws. */
  fillStandardNormal(out: Float64Array): void;
}

const BATCH = 8192;
const TWO_PI = 2 * Math.PI;

export function createGaussianSource(options: GaussianSourceOptions = {}): GaussianSource {
  const bytes = options.seed === undefined ? cryptoRandomSource() : seededRandomSource(options.seed);
  const uniforms = new Float64Array(BATCH);
  return {
    private: bytes.private,
    fillBytes: (out) => bytes.fillBytes(out),
    fillStandardNormal(out: Float64Array): void {
      for (let start = 0; start < out.length; start += BATCH) {
        const n = Math.min(BATCH, out.length - start);
        const pairs = Math.ceil(n / 2);
        const u = uniforms.subarray(0, 2 * pairs);
        fillUniform53(bytes, u);
        for (let k = 0; k < pairs; k++) {
          // 1 − U lies in (0, 1], so the logarithm is finite.
          const radius = Math.sqrt(-2 * Math.log(1 - (u[2 * k] as number)));
          const angle = TWO_PI * (u[2 * k + 1] as number);
          const i = start + 2 * k;
          out[i] = radius * Math.cos(angle);
          if (i + 1 < start + n) out[i + 1] = radius * Math.sin(angle);
        }
        u.fill(0);
      }
    },
  };
}

let defaultSource: GaussianSource | undefined;

/** The process-wide CSPRNG-backed source. */
function cryptoGaussianSource(): GaussianSource {
  defaultSource ??= createGaussianSource();
  return defaultSource;
}

/**
 * Returns new tensors equal to `tensors` plus independent N(0, stdDev²) noise per coordinate.
 * Noise is computed in float64 and the sum rounded once to the tensor's own precision.
 *
 * @param stdDev standard deviation of the noise, in the units of the tensor values
 *   (`noiseMultiplier × clipNorm` for DP-FedAvg); 0 returns copies
 * @param source randomness; defaults to the CSPRNG
 */
export function addGaussianNoise<T extends Float32Array | Float64Array>(
  tensors: readonly T[],
  stdDev: number,
  source: GaussianSource = cryptoGaussianSource(),
): T[] {
  requireNonNegative('stdDev', stdDev);
  if (stdDev === 0) return tensors.map((tensor) => tensor.slice() as T);
  const noise = new Float64Array(BATCH);
  return tensors.map((tensor) => {
    const out = (tensor instanceof Float64Array ? new Float64Array(tensor.length) : new Float32Array(tensor.length)) as T;
    for (let start = 0; start < tensor.length; start += BATCH) {
      const n = Math.min(BATCH, tensor.length - start);
      const z = noise.subarray(0, n);
      source.fillStandardNormal(z);
      for (let i = 0; i < n; i++) out[start + i] = (tensor[start + i] as number) + stdDev * (z[i] as number);
    }
    noise.fill(0);
    return out;
  });
}
