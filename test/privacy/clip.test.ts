import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipByL2Norm, l2Norm, PrivacyError } from '@cohort/privacy';

const tensorsArb = fc.array(fc.float32Array({ noNaN: true, noDefaultInfinity: true, minLength: 0, maxLength: 64 }), {
  minLength: 1,
  maxLength: 5,
});

describe('clipByL2Norm', () => {
  it('never lets the clipped update exceed the bound, over all tensors together (property)', () => {
    fc.assert(
      fc.property(tensorsArb, fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (tensors, clipNorm) => {
        const before = tensors.map((t) => t.slice());
        const { clipped, norm, scale } = clipByL2Norm(tensors, clipNorm);
        expect(l2Norm(clipped)).toBeLessThanOrEqual(clipNorm);
        expect(scale).toBeGreaterThan(0);
        expect(scale).toBeLessThanOrEqual(1);
        expect(tensors).toEqual(before); // inputs untouched
        if (norm <= clipNorm) {
          expect(scale).toBe(1);
          expect(clipped).toEqual(tensors);
        } else {
          // Same direction: every coordinate is the input times the reported scale, rounded to float32.
          clipped.forEach((t, k) => t.forEach((v, i) => expect(v).toBe(Math.fround((tensors[k]![i] as number) * scale))));
          // Clipping is to the bound, not below it (up to float32 rounding).
          expect(l2Norm(clipped)).toBeGreaterThan(clipNorm * (1 - 1e-5));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('computes the norm across tensors in float64 and reports the scale', () => {
    const { clipped, norm, scale } = clipByL2Norm([Float32Array.of(3), Float32Array.of(0, 4)], 1);
    expect(norm).toBe(5);
    expect(scale).toBeCloseTo(0.2, 7);
    expect(Array.from(clipped[0]!)).toEqual([Math.fround(3 * scale)]);
    expect(l2Norm(clipped)).toBeLessThanOrEqual(1);
  });

  it('handles huge float32 values without overflow', () => {
    const big = new Float32Array(1000).fill(3e38);
    const { norm, clipped } = clipByL2Norm([big], 10);
    expect(Math.abs(norm / (Math.fround(3e38) * Math.sqrt(1000)) - 1)).toBeLessThan(1e-12);
    expect(l2Norm(clipped)).toBeLessThanOrEqual(10);
  });

  it('refuses non-finite updates and bad bounds with a clear error', () => {
    expect(() => clipByL2Norm([Float32Array.of(1, NaN)], 1)).toThrow(
      expect.objectContaining({ name: 'PrivacyError', code: 'NON_FINITE_INPUT' }),
    );
    // A NaN followed by finite values (or in an earlier tensor) is not hidden by them.
    expect(l2Norm([Float32Array.of(Number.NaN, 0, 0)])).toBeNaN();
    expect(() => clipByL2Norm([Float32Array.of(Number.NaN), Float32Array.of(2, 3)], 1)).toThrow(
      expect.objectContaining({ code: 'NON_FINITE_INPUT' }),
    );
    for (const bad of [0, -1, NaN, Infinity]) {
      try {
        clipByL2Norm([Float32Array.of(1)], bad);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(PrivacyError);
        expect((e as PrivacyError).code).toBe('INVALID_ARGUMENT');
        expect((e as PrivacyError).message).toMatch(/clipNorm must be a finite number > 0/);
      }
    }
  });
});
