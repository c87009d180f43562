import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandomSource } from '@cohort/privacy/mechanisms';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  Q8_CHUNK_LENGTH,
  decodeTensors,
  decodeUpdateTensors,
  dequantiseQ8,
  encodeTensors,
  encodeUpdateTensors,
  fitConfigSchema,
  q8ByteLength,
  quantiseQ8,
  specsOf,
  updateSchema,
  type NamedTensor,
} from '@cohort/protocol';
import { createRng } from '@cohort/simulations';

const unbounded = { maxBytes: Number.MAX_SAFE_INTEGER, maxTensors: 1000 };
const MAGIC_BYTES = 4;

function roundTrip(tensors: readonly NamedTensor[], seed = 1): NamedTensor[] {
  const encoded = quantiseQ8(tensors, seededRandomSource(seed));
  return decodeUpdateTensors({ ...encoded, compression: 'q8' }, { ...unbounded, expected: specsOf(tensors) });
}

/** The q8 grid of each value's chunk: its min, its max and its step (max − min) / 255. */
function chunkGrid(values: Float32Array): { min: Float64Array; max: Float64Array; step: Float64Array } {
  const min = new Float64Array(values.length);
  const max = new Float64Array(values.length);
  const step = new Float64Array(values.length);
  for (let start = 0; start < values.length; start += Q8_CHUNK_LENGTH) {
    const chunk = values.subarray(start, start + Q8_CHUNK_LENGTH);
    const lo = Math.min(...chunk);
    const hi = Math.max(...chunk);
    min.fill(lo, start, start + chunk.length);
    max.fill(hi, start, start + chunk.length);
    step.fill((hi - lo) / 255, start, start + chunk.length);
  }
  return { min, max, step };
}

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
  throw new Error('expected a rejection');
}

const finiteTensorArb = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 48 }), { minLength: 0, maxLength: 2 }),
    name: fc.string({ minLength: 1, maxLength: 12 }),
  })
  .chain(({ shape, name }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc
      .float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true })
      .map((data): NamedTensor => ({ name, shape, data }));
  });

describe('q8 update compression', () => {
  it('keeps each tensor’s name, shape and dtype in the manifest, with offsets after the magic bytes', () => {
    const tensors = [
      { name: 'kernel', shape: [40, 30], data: new Float32Array(1200).map((_, i) => Math.sin(i)) },
      { name: 'bias', shape: [30], data: new Float32Array(30).fill(0.5) },
    ];
    const { manifest, payload } = quantiseQ8(tensors);
    expect(manifest).toEqual([
      { name: 'kernel', shape: [40, 30], dtype: 'float32', offset: MAGIC_BYTES },
      { name: 'bias', shape: [30], dtype: 'float32', offset: MAGIC_BYTES + 2 * 8 + 1200 },
    ]);
    expect(payload.byteLength).toBe(MAGIC_BYTES + q8ByteLength(1200) + q8ByteLength(30));
    expect(q8ByteLength(1200)).toBe(2 * 8 + 1200);
    const decoded = roundTrip(tensors);
    expect(decoded.map((t) => [t.name, t.shape, t.data.constructor])).toEqual(tensors.map((t) => [t.name, t.shape, Float32Array]));
  });

  it('decodes every value within one step, (max − min) / 255 of its chunk, and inside [min, max]', () => {
    fc.assert(
      fc.property(fc.array(finiteTensorArb, { minLength: 1, maxLength: 4 }), fc.integer(), (tensors, seed) => {
        const decoded = roundTrip(tensors, seed);
        decoded.forEach((t, k) => {
          const x = tensors[k]!.data as Float32Array;
          const { min, max, step } = chunkGrid(x);
          for (let i = 0; i < x.length; i++) {
            const d = t.data[i]!;
            // Beyond the step, only the float32 rounding of the decoded level.
            const rounding = Math.max(Math.abs(min[i]!), Math.abs(max[i]!)) * 2 ** -23;
            if (!(Math.abs(d - x[i]!) <= step[i]! + rounding && d >= min[i]! && d <= max[i]!))
              throw new Error(`tensor ${k} value ${i}: ${x[i]} decoded as ${d}, chunk [${min[i]}, ${max[i]}]`);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('is unbiased: the mean of 2,000 decodes is within a Bernstein bound of every value, and of their sum', () => {
    const rng = createRng(11);
    const x = new Float32Array(3 * Q8_CHUNK_LENGTH - 72);
    for (let i = 0; i < x.length; i++) {
      const chunk = Math.floor(i / Q8_CHUNK_LENGTH);
      x[i] = chunk === 0 ? rng.normal() : chunk === 1 ? -0.01 + 0.04 * rng.next() : 3 + 0.5 * rng.normal();
    }
    const { min, step } = chunkGrid(x);
    const reps = 2000;
    const sums = new Float64Array(x.length);
    const random = seededRandomSource('q8-unbiased');
    const tensor = [{ name: 'x', shape: [x.length], data: x }];
    const bounds = { ...unbounded, expected: specsOf(tensor) };
    for (let r = 0; r < reps; r++) {
      const [decoded] = decodeUpdateTensors(encodeUpdateTensors(tensor, 'q8', random), bounds);
      for (let i = 0; i < x.length; i++) sums[i]! += decoded!.data[i]!;
    }
    // Bernstein: the mean of n independent terms with variance σ² and |term − mean| ≤ b is off by
    // more than b·L/(3n) + √((b·L/(3n))² + 2σ²·L/n) with probability at most 2e^−L.
    const bernstein = (variance: number, b: number, n: number, L: number) =>
      b * (L / (3 * n)) + Math.sqrt(((b * L) / (3 * n)) ** 2 + (2 * variance * L) / n);
    const delta = 1e-6;
    const perValueL = Math.log((2 * x.length) / delta);
    let totalBias = 0;
    let totalVariance = 0;
    let totalRounding = 0;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const t = (x[i]! - min[i]!) / step[i]!;
      const p = t - Math.floor(t);
      // A value p of a step above a level is rounded up with probability p: variance step²·p(1 − p).
      const variance = step[i]! ** 2 * p * (1 - p);
      const bias = sums[i]! / reps - x[i]!;
      // Beyond sampling, only the float32 rounding of the two decoded levels.
      const rounding = Math.abs(x[i]!) * 2 ** -23;
      worst = Math.max(worst, Math.abs(bias) / (bernstein(variance, step[i]!, reps, perValueL) + rounding));
      totalBias += bias;
      totalVariance += variance;
      totalRounding += rounding;
    }
    expect(worst).toBeLessThanOrEqual(1);
    // All 6M rounding decisions together: a bias common to the values, far below any one value's bound, would show here.
    const sumBound = x.length * bernstein(totalVariance / x.length, Math.max(...step), reps * x.length, Math.log(2 / delta));
    expect(Math.abs(totalBias)).toBeLessThanOrEqual(sumBound + totalRounding);
  });

  it('draws its rounding from the CSPRNG by default: two encodings of the same update differ', () => {
    const tensor = [{ name: 'w', shape: [4096], data: new Float32Array(4096).map((_, i) => Math.cos(i)) }];
    const a = encodeUpdateTensors(tensor, 'q8');
    const b = encodeUpdateTensors(tensor, 'q8');
    expect(a.compression).toBe('q8');
    expect(Buffer.from(a.payload).equals(Buffer.from(b.payload))).toBe(false);
  });

  it('decodes constant tensors exactly, across chunks', () => {
    const tensors = [0, -3.25, 1e-30, 65_504].map((v, i) => ({
      name: `c${i}`,
      shape: [2, Q8_CHUNK_LENGTH + 7],
      data: new Float32Array(2 * Q8_CHUNK_LENGTH + 14).fill(v),
    }));
    roundTrip(tensors).forEach((t, i) => {
      expect(t.data).toEqual(tensors[i]!.data);
    });
  });

  it('carries zero-size tensors in zero bytes, beside others', () => {
    const tensors = [
      { name: 'empty', shape: [0], data: new Float32Array(0) },
      { name: 'scalar', shape: [], data: Float32Array.of(2.5) },
      { name: 'none', shape: [3, 0, 2], data: new Float32Array(0) },
    ];
    const { manifest, payload } = quantiseQ8(tensors);
    expect(manifest.map((e) => e.offset)).toEqual([MAGIC_BYTES, MAGIC_BYTES, MAGIC_BYTES + 9]);
    expect(payload.byteLength).toBe(MAGIC_BYTES + 9);
    const decoded = roundTrip(tensors);
    expect(decoded.map((t) => [t.name, t.shape, t.data.length])).toEqual([
      ['empty', [0], 0],
      ['scalar', [], 1],
      ['none', [3, 0, 2], 0],
    ]);
    expect(decoded[1]!.data[0]).toBe(2.5);
    const nothing = quantiseQ8([]);
    expect(decodeUpdateTensors({ ...nothing, compression: 'q8' }, unbounded)).toEqual([]);
  });

  it('sends the McMahan 2NN’s update in at most 0.26× its float32 bytes', () => {
    const shapes = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
    const tensors = shapes.map((shape, i) => ({
      name: `t${i}`,
      shape,
      data: new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, j) => Math.sin(j)),
    }));
    const plain = encodeTensors(tensors).payload.byteLength;
    const compressed = quantiseQ8(tensors).payload.byteLength;
    expect(plain).toBe(199_210 * 4);
    expect(compressed / plain).toBeLessThanOrEqual(0.26);
  });

  it('refuses to encode a non-finite value or an integer tensor', () => {
    expect(rejection(() => quantiseQ8([{ name: 'w', shape: [3], data: Float32Array.of(1, Number.NaN, 2) }]))).toBe('NON_FINITE');
    expect(() => quantiseQ8([{ name: 'i', shape: [1], data: Int32Array.of(1) }])).toThrow(RangeError);
    expect(() => quantiseQ8([{ name: 'w', shape: [4], data: new Float32Array(3) }])).toThrow(RangeError);
  });

  describe('rejects malformed q8 updates with a typed code', () => {
    const model = [
      { name: 'k', shape: [3, Q8_CHUNK_LENGTH], data: new Float32Array(3 * Q8_CHUNK_LENGTH).map((_, i) => Math.sin(i)) },
      { name: 'b', shape: [5], data: Float32Array.of(1, 2, 3, 4, 5) },
    ];
    const bounds = { ...unbounded, expected: specsOf(model) };
    const good = quantiseQ8(model);
    const decode = (manifest: typeof good.manifest, payload: Uint8Array, limits = bounds) =>
      decodeUpdateTensors({ manifest, payload, compression: 'q8' }, limits);
    /** The payload with chunk `chunk` of tensor `tensor` given this min and max. */
    const withHeader = (tensor: number, chunk: number, lo: number, hi: number) => {
      const payload = good.payload.slice();
      const view = new DataView(payload.buffer);
      view.setFloat32(good.manifest[tensor]!.offset + chunk * 8, lo, true);
      view.setFloat32(good.manifest[tensor]!.offset + chunk * 8 + 4, hi, true);
      return payload;
    };

    it('accepts the well-formed one', () => {
      expect(decode(good.manifest, good.payload)).toHaveLength(2);
    });

    it('a non-finite min or max, or min above max', () => {
      expect(rejection(() => decode(good.manifest, withHeader(0, 1, Number.NaN, 1)))).toBe('NON_FINITE');
      expect(rejection(() => decode(good.manifest, withHeader(0, 2, -1, Number.POSITIVE_INFINITY)))).toBe('NON_FINITE');
      expect(rejection(() => decode(good.manifest, withHeader(1, 0, Number.NEGATIVE_INFINITY, 0)))).toBe('NON_FINITE');
      expect(rejection(() => decode(good.manifest, withHeader(1, 0, 2, 1)))).toBe('INVALID_MESSAGE');
    });

    it('shapes other than the model’s, even with a consistent layout', () => {
      const reshaped = quantiseQ8([{ ...model[0]!, shape: [Q8_CHUNK_LENGTH, 3] }, model[1]!]);
      expect(rejection(() => decode(reshaped.manifest, reshaped.payload))).toBe('SHAPE_MISMATCH');
      const missing = quantiseQ8([model[0]!]);
      expect(rejection(() => decode(missing.manifest, missing.payload))).toBe('SHAPE_MISMATCH');
      const renamed = quantiseQ8([model[0]!, { ...model[1]!, name: 'c' }]);
      expect(rejection(() => decode(renamed.manifest, renamed.payload))).toBe('SHAPE_MISMATCH');
    });

    it('lengths and offsets that do not fit the payload, and dtypes q8 cannot carry', () => {
      expect(rejection(() => decode(good.manifest, good.payload.subarray(0, good.payload.byteLength - 1)))).toBe('INVALID_MESSAGE');
      const longer = new Uint8Array(good.payload.byteLength + 1);
      longer.set(good.payload);
      expect(rejection(() => decode(good.manifest, longer))).toBe('INVALID_MESSAGE');
      const shifted = good.manifest.map((e, i) => (i === 1 ? { ...e, offset: e.offset - 1 } : e));
      expect(rejection(() => decode(shifted, good.payload))).toBe('INVALID_MESSAGE');
      const bigger = good.manifest.map((e, i) => (i === 1 ? { ...e, shape: [6] } : e));
      expect(rejection(() => decode(bigger, good.payload))).toBe('INVALID_MESSAGE');
      const integer = good.manifest.map((e, i) => (i === 1 ? { ...e, dtype: 'int32' as const } : e));
      expect(rejection(() => decode(integer, good.payload))).toBe('INVALID_MESSAGE');
    });

    it('the size and tensor-count bounds, on the bytes as sent', () => {
      const size = good.payload.byteLength;
      expect(rejection(() => decode(good.manifest, good.payload, { ...bounds, maxBytes: size - 1 }))).toBe('TOO_LARGE');
      expect(decode(good.manifest, good.payload, { ...bounds, maxBytes: size })).toHaveLength(2);
      expect(rejection(() => decode(good.manifest, good.payload, { ...bounds, maxTensors: 1 }))).toBe('TOO_MANY_TENSORS');
      expect(rejection(() => dequantiseQ8(good.manifest, good.payload, { maxBytes: size, maxTensors: 1 }))).toBe('TOO_MANY_TENSORS');
    });

    it('an encoding other than the one declared: never misread, always refused', () => {
      const plain = encodeTensors(model);
      expect(rejection(() => decode(plain.manifest, plain.payload))).toBe('INVALID_MESSAGE');
      expect(rejection(() => decodeUpdateTensors(good, bounds))).toBe('INVALID_MESSAGE');
      expect(rejection(() => decodeTensors(good.manifest, good.payload, bounds))).toBe('INVALID_MESSAGE');
    });
  });

  it('is declared in the fit config and in the update, and nothing but q8 is accepted', () => {
    const config = { localEpochs: 1, batchSize: 8, learningRate: 0.1, seed: 0 };
    expect(fitConfigSchema.parse({ ...config, compression: 'q8' }).compression).toBe('q8');
    expect(fitConfigSchema.safeParse({ ...config, compression: 'q4' }).success).toBe(false);
    const { manifest, payload } = quantiseQ8([{ name: 'w', shape: [2], data: Float32Array.of(1, 2) }]);
    const update = { protocolVersion: PROTOCOL_VERSION, runId: 'r', round: 1, clientId: 'c', numExamples: 1, manifest, payload };
    expect(updateSchema.parse({ ...update, compression: 'q8' }).compression).toBe('q8');
    expect(updateSchema.safeParse({ ...update, compression: 'gzip' }).success).toBe(false);
  });
});
