import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addWeighted, addWeightedIfFinite, allFinite, allWithinMagnitude, meanStep } from '../../packages/coordinator/src/float-kernels';

/** Lengths below one SIMD group, across the 8,192-value blocks, and with tails of 1–3 values. */
const LENGTHS = [3, 37, 8192, 16_389];
/** Values whose float64 sums depend on the order they are added in, and ordinary ones. */
const valueArb = fc.oneof(
  fc.constantFrom(2 ** 60, -(2 ** 60), 1, -1, 2 ** -20, 3e38, -3e38, 0, -0),
  fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }),
);

const bitsOf = (values: Float32Array | Float64Array) =>
  values instanceof Float32Array
    ? [...new Uint32Array(values.buffer, values.byteOffset, values.length)]
    : [...new BigUint64Array(values.slice().buffer)];

/** Fills `length` values from a few seeds, so that the order-sensitive ones recur across blocks and tails. */
function spread(seeds: readonly number[], length: number, salt: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => seeds[(i * 7 + salt) % seeds.length]! * (i % 5 === 4 ? -1 : 1));
}

describe('the float kernels', () => {
  it('add weighted deltas as the plain float64 loop does, bit for bit, for any number of deltas', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LENGTHS),
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 100_000 }), seeds: fc.array(valueArb, { minLength: 5, maxLength: 5 }) }), {
          minLength: 1,
          maxLength: 19,
        }),
        (length, clients) => {
          const deltas = clients.map((c, k) => spread(c.seeds, length, k));
          const weights = clients.map((c) => c.weight);
          const got = new Float64Array(length).fill(0.25);
          addWeighted(got, deltas, weights);
          const want = new Float64Array(length).fill(0.25);
          for (let i = 0; i < length; i++) for (let k = 0; k < deltas.length; k++) want[i] = want[i]! + weights[k]! * deltas[k]![i]!;
          expect(bitsOf(got)).toEqual(bitsOf(want));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('add only finite deltas when asked to check: the same sums into another buffer, or the bad delta named and the sums untouched', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LENGTHS),
        fc.integer({ min: 1, max: 11 }),
        fc.nat(),
        fc.option(fc.record({ at: fc.nat(), value: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) })),
        (length, count, salt, poison) => {
          const deltas = Array.from({ length: count }, (_, k) => spread([1.5, -(2 ** 40), 2 ** -30, 3e38, -7], length, salt + k));
          const weights = deltas.map((_, k) => k + 1);
          const bad = poison ? (salt + poison.at) % count : -1;
          if (poison) deltas[bad]![poison.at % length] = poison.value;
          const sums = Float64Array.from({ length }, (_, i) => i / 3);
          const before = bitsOf(sums);
          const out = new Float64Array(length);
          expect(addWeightedIfFinite(sums, deltas, weights, out)).toBe(bad);
          expect(bitsOf(sums)).toEqual(before);
          if (bad >= 0) return;
          addWeighted(sums, deltas, weights);
          expect(bitsOf(out)).toEqual(bitsOf(sums));
        },
      ),
      { numRuns: 60 },
    );
    expect(() => addWeightedIfFinite(new Float64Array(4), [], [], new Float64Array(3))).toThrow(RangeError);
  });

  it('take the mean step as the plain loop does, rounding to float32 once (ties to even)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LENGTHS), fc.integer({ min: 1, max: 2 ** 40 }), fc.integer(), (length, total, salt) => {
        const global = Float32Array.from({ length }, (_, i) => Math.fround(Math.sin(i + salt) * 10 ** ((i % 7) - 3)));
        const sums = Float64Array.from({ length }, (_, i) => Math.cos(i * salt) * 10 ** ((i % 11) - 2) * total);
        // Halfway cases: 1 + 2⁻²⁴ rounds down to 1, 1 + 3·2⁻²⁴ up to 1 + 2⁻²², in float32.
        if (length > 2) [global[0], sums[0], global[1], sums[1]] = [1, 2 ** -24 * total, 1, 3 * 2 ** -24 * total];
        const got = new Float32Array(length);
        meanStep(global, sums, total, got);
        const want = new Float32Array(length);
        for (let i = 0; i < length; i++) want[i] = global[i]! + sums[i]! / total;
        expect(bitsOf(got)).toEqual(bitsOf(want));
      }),
      { numRuns: 30 },
    );
  });

  it('find a value beyond the magnitude bound wherever it lies, and pass the bound itself', () => {
    const bound = 1e6;
    const boundBits = new Uint32Array(Float32Array.of(bound).buffer);
    boundBits[0]! += 1;
    const above = new Float32Array(boundBits.buffer)[0]!; // the next float32 up
    const negativeNaN = new Float32Array(new Uint32Array([0xffc00001]).buffer)[0]!;
    for (const length of LENGTHS) {
      const within = Float32Array.from({ length }, (_, i) => (i % 2 ? -bound : bound));
      expect(allWithinMagnitude([within], bound)).toBe(true);
      for (const bad of [above, -above, Number.NaN, negativeNaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        for (const at of [0, length - 1, Math.floor(length / 2)]) {
          const values = within.slice();
          values[at] = bad;
          expect(allWithinMagnitude([within, values], bound), `${bad} at ${at} of ${length}`).toBe(false);
        }
      }
    }
    expect(allWithinMagnitude([Float32Array.of(0, -0, 0, 0, -0)], 0)).toBe(true);
    expect(allWithinMagnitude([Float32Array.of(0, -0, 0, 0, -0)], -0)).toBe(true);
    expect(allWithinMagnitude([Float32Array.of(0, 0, 0, 0, 1e-45)], 0)).toBe(false);
    expect(() => allWithinMagnitude([], 0.1)).toThrow(RangeError);
    expect(() => allWithinMagnitude([], -1)).toThrow(RangeError);
  });

  it('call the largest float32 finite and ±Infinity or NaN not', () => {
    const largest = 3.4028234663852886e38;
    expect(allFinite([new Float32Array(37).fill(largest), new Float32Array(37).fill(-largest)])).toBe(true);
    for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      const values = new Float32Array(37);
      values[35] = bad;
      expect(allFinite([values])).toBe(false);
    }
  });
});
