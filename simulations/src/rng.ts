/**
 * Seeded pseudo-random numbers for simulations: data splits, partitions, synthetic data, client
 * sampling in virtual runs. Built on pure-rand's xoroshiro128+ (mutable in place since pure-rand 8).
 *
 * NOT for privacy: differential-privacy noise and masks must come from a CSPRNG (`@cohort/privacy`).
 *
 * Streams are derived, not consumed: `fork(label)` depends only on the seed of the stream it is
 * called on and on `label`, never on how many numbers that stream has already produced, so adding
 * a draw in one place does not reshuffle every client downstream. Forking twice with the same label
 * gives two identical streams; use distinct labels (`fork('partition')`, `fork(clientIndex)`).
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { SimulationError } from './errors';

/** Anything with a length and writable numeric indices: arrays and typed arrays. */
export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

export interface Rng {
  /** Uniform in [0, 1), a multiple of 2^-53. */
  next(): number;
  /** Uniform integer in [0, n), unbiased; `n` a positive safe integer. */
  int(n: number): number;
  /** Standard normal N(0, 1) (Marsaglia polar method). */
  normal(): number;
  /** Gamma(shape, scale 1) for shape > 0 (Marsaglia–Tsang 2000, with the U^(1/shape) boost below 1). */
  gamma(shape: number): number;
  /**
   * A draw from the Dirichlet distribution: `alpha` is either one concentration repeated `k` times
   * (symmetric) or the full vector. Computed in log space, so tiny alphas never give 0/0.
   */
  dirichlet(alpha: number | ArrayLike<number>, k?: number): Float64Array;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A;
  /** An independent stream derived from this stream's seed and `label` (see the module comment). */
  fork(label: string | number): Rng;
}

/** Creates a stream from a safe integer seed (negative and > 32-bit seeds are fine). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new SimulationError('INVALID_OPTION', `The seed must be a safe integer; got ${seed}.`);
  }
  const big = BigInt(seed);
  const lo = Number(BigInt.asUintN(32, big));
  const hi = Number(BigInt.asUintN(32, big >> 32n));
  return new SeededRng(deriveKey([0x243f6a88, 0x85a308d3, lo, hi], hashLabel(`seed:${seed}`)));
}

class SeededRng implements Rng {
  private readonly gen: JumpableRandomGenerator;
  private spare = Number.NaN;

  constructor(private readonly key: readonly [number, number, number, number]) {
    // pure-rand's own `xoroshiro128plus(seed)` sets the state to (-1, ~seed, seed, 0), so nearby seeds
    // start with nearly equal outputs; a mixed 128-bit state avoids that. State order: s01, s00, s11, s10.
    this.gen = xoroshiro128plusFromState(key);
  }

  next(): number {
    return uniformFloat64(this.gen);
  }

  int(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new SimulationError('INVALID_OPTION', `int(n) needs a positive safe integer n; got ${n}.`);
    }
    return uniformInt(this.gen, 0, n - 1);
  }

  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  gamma(shape: number): number {
    checkShape(shape);
    return shape >= 1 ? this.marsagliaTsang(shape) : Math.exp(this.logGamma(shape));
  }

  dirichlet(alpha: number | ArrayLike<number>, k?: number): Float64Array {
    const size = typeof alpha === 'number' ? k : alpha.length;
    if (size === undefined || !Number.isSafeInteger(size) || size < 1) {
      throw new SimulationError('INVALID_OPTION', `dirichlet needs k ≥ 1 components; got ${String(size)}.`);
    }
    const out = new Float64Array(size);
    let max = -Infinity;
    for (let i = 0; i < size; i++) {
      const a = typeof alpha === 'number' ? alpha : (alpha[i] as number);
      checkShape(a);
      const logG = this.logGamma(a);
      out[i] = logG;
      if (logG > max) max = logG;
    }
    let sum = 0;
    for (let i = 0; i < size; i++) {
      const g = Math.exp((out[i] as number) - max);
      out[i] = g;
      sum += g;
    }
    for (let i = 0; i < size; i++) out[i] = (out[i] as number) / sum;
    return out;
  }

  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = uniformInt(this.gen, 0, i);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  fork(label: string | number): Rng {
    const text = typeof label === 'number' ? `n:${label}` : `s:${label}`;
    return new SeededRng(deriveKey(this.key, hashLabel(text)));
  }

  /** log of a Gamma(shape) draw; for shape < 1 uses Gamma(shape) = Gamma(shape + 1) · U^(1/shape). */
  private logGamma(shape: number): number {
    if (shape >= 1) return Math.log(this.marsagliaTsang(shape));
    const u = 1 - this.next(); // (0, 1]
    return Math.log(this.marsagliaTsang(shape + 1)) + Math.log(u) / shape;
  }

  /** Marsaglia & Tsang, "A Simple Method for Generating Gamma Variables", ACM TOMS 2000; shape ≥ 1. */
  private marsagliaTsang(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }
}

function checkShape(shape: number): void {
  if (!(shape > 0) || !Number.isFinite(shape)) {
    throw new SimulationError('INVALID_OPTION', `A gamma/Dirichlet shape must be finite and > 0; got ${shape}.`);
  }
}

/** murmur3's 32-bit finaliser: a bijection on uint32 with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, then finalised. */
function hashLabel(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Mixes a 128-bit key with a 32-bit label hash; two passes so every output word depends on every input. */
function deriveKey(key: readonly number[], labelHash: number): [number, number, number, number] {
  const w = [0, 0, 0, 0];
  let acc = labelHash;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < 4; i++) {
      acc = fmix32((acc ^ (key[i] as number) ^ w[i]!) + Math.imul(i + 1 + 4 * pass, 0x9e3779b9));
      w[i] = acc;
    }
  }
  if ((w[0]! | w[1]! | w[2]! | w[3]!) === 0) w[0] = 1; // xoroshiro's all-zero state is a fixed point
  return [w[0]! | 0, w[1]! | 0, w[2]! | 0, w[3]! | 0];
}
