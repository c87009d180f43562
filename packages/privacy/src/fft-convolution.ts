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

/** Spectrum (interleaved re/im, full length) of a real vector zero-padded to `size`. */
function spectrum(fft: FFT, input: Float64Array, size: number): Float64Array {
  const padded = new Float64Array(size);
  padded.set(input.subarray(0, Math.min(input.length, size)));
  const out = new Float64Array(2 * size);
  fft.realTransform(out, padded);
  fft.completeSpectrum(out);
  return out;
}

/** Real part of the inverse transform of an interleaved spectrum. */
function inverseReal(fft: FFT, spec: Float64Array, size: number): Float64Array {
  const complex = new Float64Array(2 * size);
  fft.inverseTransform(complex, spec);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = complex[2 * i] as number;
  return out;
}

const DIRECT_LIMIT = 64 * 64;

/** Linear convolution, length a.length + b.length − 1. */
export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length + b.length - 1;
  if (a.length * b.length <= DIRECT_LIMIT) {
    const out = new Float64Array(n);
    for (let i = 0; i < a.length; i++) {
      for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + (a[i] as number) * (b[j] as number);
    }
    return out;
  }
  const size = nextPowerOfTwo(n);
  const fft = plan(size);
  const sa = spectrum(fft, a, size);
  const sb = spectrum(fft, b, size);
  for (let k = 0; k < 2 * size; k += 2) {
    const re = (sa[k] as number) * (sb[k] as number) - (sa[k + 1] as number) * (sb[k + 1] as number);
    const im = (sa[k] as number) * (sb[k + 1] as number) + (sa[k + 1] as number) * (sb[k] as number);
    sa[k] = re;
    sa[k + 1] = im;
  }
  return inverseReal(fft, sa, size).subarray(0, n);
}

/**
 * Entries `lo … hi` of the `count`-fold self-convolution of `p` (index 0 = all draws at index 0).
 * The transform length covers the window, so mass outside the window wraps around into it; the
 * caller bounds that mass (Chernoff) and accounts for it.
 */
export function selfConvolveWindow(p: Float64Array, count: number, lo: number, hi: number): Float64Array {
  const width = hi - lo + 1;
  const size = nextPowerOfTwo(Math.max(width, p.length));
  const fft = plan(size);
  const spec = spectrum(fft, p, size);
  for (let k = 0; k < 2 * size; k += 2) {
    const re = spec[k] as number;
    const im = spec[k + 1] as number;
    const r2 = re * re + im * im;
    if (r2 === 0) continue;
    const magnitude = Math.exp(0.5 * count * Math.log(r2));
    const angle = count * Math.atan2(im, re);
    spec[k] = magnitude * Math.cos(angle);
    spec[k + 1] = magnitude * Math.sin(angle);
  }
  const full = inverseReal(fft, spec, size);
  const out = new Float64Array(width);
  const shift = ((lo % size) + size) % size;
  for (let i = 0; i < width; i++) out[i] = full[(shift + i) % size] as number;
  return out;
}
