/**
 * Convolutions of probability vectors by FFT (fft.js, radix-4, power-of-two sizes): the linear
 * convolution of two vectors, and the n-fold self-convolution computed as one forward transform, a
 * pointwise n-th power and one inverse transform — the way dp_accounting's `self_convolve` composes
 * a privacy loss distribution with itself (Koskela, Jälkö, Honkela 2020, "Computing Tight
 * Differential Privacy Guarantees Using FFT"). The power is taken in polar form, so n = 10⁴ costs
 * the same as n = 2.
 */
import FFT from 'fft.js';

const plans = new Map<number, FFT>();

function plan(size: number): FFT {
  let p = plans.get(size);
  if (!p) {
    if (plans.size > 4) plans.clear(); // trig tables are large; keep only a few sizes
    p = new FFT(size);
    plans.set(size, p);
  }
  return p;
}

function nextPowerOfTwo(n: number): number {
  let size = 4; // fft.js needs a power of two > 1
  while (size < n) size *= 2;
  return size;
}

/**
 * Bins 0 … size/2 of the spectrum of a real vector zero-padded to `size` (entries 0 … size + 1; the
 * other bins are their conjugates), by one complex transform of half the length: the padded vector,
 * read as interleaved (even, odd) samples, is the complex vector z = e + i·o, and with Z its
 * transform X[k] = E[k] + e^{−2πik/size}·O[k], E[k] = (Z[k] + Z̄[m − k])/2, O[k] = (Z[k] − Z̄[m − k])/(2i),
 * m = size/2. Only transforms of size/2 are planned, as for the inverse.
 */
function halfSpectrum(input: Float64Array, size: number): Float64Array {
  const m = size / 2;
  const padded = new Float64Array(size);
  padded.set(input.subarray(0, Math.min(input.length, size)));
  const z = new Float64Array(size);
  plan(m).transform(z, padded);
  const tw = twiddle(size);
  const out = new Float64Array(size + 2);
  for (let k = 0; k <= m; k++) {
    const a = 2 * (k % m);
    const b = 2 * ((m - k) % m);
    const zr = z[a] as number;
    const zi = z[a + 1] as number;
    const yr = z[b] as number;
    const yi = -(z[b + 1] as number);
    const or = 0.5 * (zi - yi);
    const oi = -0.5 * (zr - yr);
    const c = k < m ? (tw[2 * k] as number) : -1;
    const s = k < m ? (tw[2 * k + 1] as number) : 0;
    out[2 * k] = 0.5 * (zr + yr) + c * or + s * oi;
    out[2 * k + 1] = 0.5 * (zi + yi) + c * oi - s * or;
  }
  return out;
}

/**
 * Half spectra kept per input vector (and transform size), for as long as the vector lives. The PLD
 * accountant convolves its running composition with the same single-release PLD round after round;
 * this saves that PLD's transform each time.
 */
const halfSpectra = new WeakMap<Float64Array, { size: number; half: Float64Array }>();

function cachedHalfSpectrum(input: Float64Array, size: number): Float64Array {
  const hit = halfSpectra.get(input);
  if (hit && hit.size === size) return hit.half;
  const half = halfSpectrum(input, size);
  halfSpectra.set(input, { size, half });
  return half;
}

const twiddles = new Map<number, Float64Array>();

/** e^{2πik/size} for k < size/2, interleaved (cos, sin). */
function twiddle(size: number): Float64Array {
  let t = twiddles.get(size);
  if (!t) {
    if (twiddles.size > 4) twiddles.clear();
    t = new Float64Array(size);
    for (let k = 0; k < size / 2; k++) {
      const angle = (2 * Math.PI * k) / size;
      t[2 * k] = Math.cos(angle);
      t[2 * k + 1] = Math.sin(angle);
    }
    twiddles.set(size, t);
  }
  return t;
}

/**
 * The real vector of length `size` whose spectrum has bins 0 … size/2 in `half` (entries 0 … size + 1;
 * the other bins are their conjugates), by one complex inverse transform of half the length: the
 * even and odd samples are the real and imaginary parts of the inverse of E + iO, where
 * E[k] = (X[k] + X̄[m − k])/2 and O[k] = (X[k] − X̄[m − k])·e^{2πik/size}/2, m = size/2.
 */
function inverseRealHalf(half: Float64Array, size: number): Float64Array {
  const m = size / 2;
  const tw = twiddle(size);
  const z = new Float64Array(size);
  for (let k = 0; k < m; k++) {
    const xr = half[2 * k] as number;
    const xi = half[2 * k + 1] as number;
    const yr = half[2 * (m - k)] as number;
    const yi = -(half[2 * (m - k) + 1] as number);
    const dr = 0.5 * (xr - yr);
    const di = 0.5 * (xi - yi);
    const c = tw[2 * k] as number;
    const s = tw[2 * k + 1] as number;
    z[2 * k] = 0.5 * (xr + yr) - (dr * s + di * c);
    z[2 * k + 1] = 0.5 * (xi + yi) + (dr * c - di * s);
  }
  const out = new Float64Array(size);
  plan(m).inverseTransform(out, z); // interleaved (even, odd) samples: the vector itself
  return out;
}

const DIRECT_LIMIT = 64 * 64;

/**
 * Linear convolution, length a.length + b.length − 1. When `a` is much longer than `b`, `a` is cut
 * into blocks convolved separately and added up (overlap-add) if that needs less transform work
 * than one transform covering everything, so the cost grows with a.length instead of jumping at
 * powers of two. The transform of `b` is kept (weakly) with `b`, so convolving many vectors with the
 * same `b` transforms it once per transform size; `b` must not be modified afterwards (the PLDs
 * passed here never are).
 */
export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length + b.length - 1;
  if (a.length * b.length <= DIRECT_LIMIT) {
    const out = new Float64Array(n);
    for (let i = 0; i < a.length; i++) {
      for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + (a[i] as number) * (b[j] as number);
    }
    return out;
  }
  let size = nextPowerOfTwo(n);
  let cost = size * Math.log2(size);
  for (let s = nextPowerOfTwo(2 * b.length); s < size; s *= 2) {
    const c = Math.ceil(a.length / (s - b.length + 1)) * s * Math.log2(s);
    if (c < cost) {
      size = s;
      cost = c;
    }
  }
  const block = size - b.length + 1;
  if (block >= a.length) return convolveBlock(a, b, size).subarray(0, n);
  const out = new Float64Array(n);
  for (let start = 0; start < a.length; start += block) {
    const part = convolveBlock(a.subarray(start, Math.min(a.length, start + block)), b, size);
    const length = Math.min(size, n - start);
    for (let i = 0; i < length; i++) out[start + i] = (out[start + i] as number) + (part[i] as number);
  }
  return out;
}

/** Cyclic convolution of `a` and `b` zero-padded to `size` (linear when size ≥ a.length + b.length − 1). */
function convolveBlock(a: Float64Array, b: Float64Array, size: number): Float64Array {
  const product = halfSpectrum(a, size);
  const sb = cachedHalfSpectrum(b, size);
  // The product of two real vectors' spectra is conjugate-symmetric: bins 0 … size/2 determine it.
  for (let k = 0; k <= size; k += 2) {
    const ar = product[k] as number;
    const ai = product[k + 1] as number;
    const br = sb[k] as number;
    const bi = sb[k + 1] as number;
    product[k] = ar * br - ai * bi;
    product[k + 1] = ar * bi + ai * br;
  }
  return inverseRealHalf(product, size);
}

/**
 * Entries `lo … hi` of the `count`-fold self-convolution of `p` (index 0 = all draws at index 0).
 * The transform length covers the window, so mass outside the window wraps around into it; the
 * caller bounds that mass (Chernoff) and accounts for it.
 */
export function selfConvolveWindow(p: Float64Array, count: number, lo: number, hi: number): Float64Array {
  const width = hi - lo + 1;
  const size = nextPowerOfTwo(Math.max(width, p.length));
  const spec = halfSpectrum(p, size);
  for (let k = 0; k <= size; k += 2) {
    const re = spec[k] as number;
    const im = spec[k + 1] as number;
    const r2 = re * re + im * im;
    if (r2 === 0) continue;
    const magnitude = Math.exp(0.5 * count * Math.log(r2));
    if (magnitude === 0) {
      // |X|^count underflowed (most bins, for a large count): skip the angle
      spec[k] = 0;
      spec[k + 1] = 0;
      continue;
    }
    const angle = count * Math.atan2(im, re);
    spec[k] = magnitude * Math.cos(angle);
    spec[k + 1] = magnitude * Math.sin(angle);
  }
  const full = inverseRealHalf(spec, size);
  const out = new Float64Array(width);
  const shift = ((lo % size) + size) % size;
  for (let i = 0; i < width; i++) out[i] = full[(shift + i) % size] as number;
  return out;
}
