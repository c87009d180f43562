/**
 * Quantisation and the mask PRG of secure aggregation: stochastic rounding is unbiased (the mean of many
 * roundings lands within 5 standard errors of x·scale), the quantised values respect ⌈scale·C⌉ + 1 so that
 * n clients' sum cannot wrap, and expandMask is AES-256-CTR (FIPS-197 known answer), deterministic in its
 * key, different across keys, and reduced mod 2^b by its low bits.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dequantiseSum, expandMask, planSecAgg, quantise, type SecAggParams } from '@cohort/privacy/secagg';

const unitScale: SecAggParams = { bits: 32, scale: 1, clipNorm: 1e6, modelLength: 100_000, neighbours: 4, threshold: 2 };

describe('quantise', () => {
  it('rounds stochastically without bias: the mean of 100 000 roundings of x is x within 5 standard errors', () => {
    for (const x of [0.3, -2.7, 0.999, 5.5, -0.01]) {
      const q = quantise(new Float32Array(unitScale.modelLength).fill(x), unitScale);
      const xf = Math.fround(x);
      const floor = Math.floor(xf);
      const p = xf - floor;
      let sum = 0;
      let outside = 0;
      for (const word of q) {
        const v = word | 0; // two's complement back to signed
        if (v !== floor && v !== floor + 1) outside++;
        sum += v;
      }
      expect(outside).toBe(0);
      const standardError = Math.sqrt((p * (1 - p)) / q.length);
      expect(Math.abs(sum / q.length - xf)).toBeLessThan(5 * standardError + 1e-12);
    }
  });

  it('is unbiased at a planned scale too, over a vector of mixed values (mean error ≪ one quantisation step)', () => {
    const params = planSecAgg({ clients: 100, clipNorm: 1, modelLength: 50_000 });
    const update = Float32Array.from({ length: 50_000 }, (_, i) => Math.sin(i) * 0.004); // ‖x‖ ≈ 0.63 < C
    const q = quantise(update, params);
    let error = 0;
    for (let i = 0; i < q.length; i++) error += ((q[i] as number) | 0) - (update[i] as number) * params.scale;
    // Each error is a centred Bernoulli in [−1, 1]: the mean of 50 000 has standard deviation ≤ 0.5/√50 000 ≈ 0.0022.
    expect(Math.abs(error / q.length)).toBeLessThan(0.012);
  });

  it('clips to the L2 bound first, stays within ⌈scale·C⌉ + 1, and n clients at the bound sum without wrapping', () => {
    const clients = 500;
    const params = planSecAgg({ clients, clipNorm: 2, modelLength: 8, bits: 32 });
    const bound = Math.ceil(params.scale * params.clipNorm) + 1;
    const spike = new Float32Array(8);
    spike[3] = 1e9; // far beyond C: clipped to exactly (at most) C
    const negative = Float32Array.from(spike, (v) => -v);
    for (const update of [spike, negative, Float32Array.from({ length: 8 }, () => 1e5)]) {
      const q = quantise(update, params);
      for (const word of q) expect(Math.abs(word | 0)).toBeLessThanOrEqual(bound);
    }
    for (const update of [spike, negative]) {
      const sum = new Uint32Array(8);
      for (let c = 0; c < clients; c++) {
        const q = quantise(update, params);
        for (let i = 0; i < 8; i++) sum[i] = (sum[i] as number) + (q[i] as number);
      }
      const total = dequantiseSum(sum, params);
      // Without wrapping, the sum of 500 clipped spikes is ±500·C within one step per client.
      expect(Math.abs((total[3] as number) - Math.sign(update[3] as number) * clients * 2)).toBeLessThanOrEqual(
        (clients * 1) / params.scale,
      );
      expect(Array.from(total).filter((_, i) => i !== 3)).toEqual(new Array(7).fill(0));
    }
  });

  it('reduces mod 2^b for b < 32 and dequantises the centred sum', () => {
    const params: SecAggParams = { bits: 12, scale: 10, clipNorm: 100, modelLength: 3, neighbours: 2, threshold: 2 };
    const q = quantise(Float32Array.of(-1, 0, 2.5), params);
    expect(Array.from(q)).toEqual([4096 - 10, 0, 25]);
    expect(Array.from(dequantiseSum(Uint32Array.of(4096 - 10, 2047, 2048), params))).toEqual([-1, 204.7, -204.8]);
    expect(() => dequantiseSum(Uint32Array.of(4096, 0, 0), params)).toThrow(/not below 2\^12/);
  });

  it('refuses a NaN, a wrong length, and parameters whose single client could already wrap', () => {
    expect(() => quantise(Float32Array.of(Number.NaN, 0, 0), { ...unitScale, modelLength: 3 })).toThrow(/NaN or infinite/);
    expect(() => quantise(new Float32Array(2), { ...unitScale, modelLength: 3 })).toThrow(/length modelLength = 3/);
    expect(() => quantise(new Float32Array(3), { ...unitScale, modelLength: 3, bits: 8, scale: 200, clipNorm: 1 })).toThrow(/could wrap/);
  });
});

describe('expandMask', () => {
  it('is the AES-256-CTR keystream with a zero IV (FIPS-197 known answer for the all-zero key)', () => {
    // AES-256 of the zero block under the zero key: dc95c078a2408989ad48a21492842087 (read as little-endian words).
    const words = expandMask(new Uint8Array(32), 4, 32);
    expect(Buffer.from(words.buffer).toString('hex')).toBe('dc95c078a2408989ad48a21492842087');
  });

  it('is deterministic in the key, differs across keys, and keeps the low b bits', () => {
    const key = randomBytes(32);
    const a = expandMask(Uint8Array.from(key), 50_000, 32);
    const same = (x: Uint32Array, y: Uint32Array) => Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
    expect(same(expandMask(Uint8Array.from(key), 50_000, 32), a)).toBe(true);
    const other = Uint8Array.from(key);
    other[31] = (other[31] as number) ^ 1;
    const b = expandMask(other, 50_000, 32);
    expect(a.filter((w, i) => w === b[i]).length).toBeLessThan(5); // independent streams agree on ~50 000/2^32 words
    const low = expandMask(Uint8Array.from(key), 50_000, 20);
    expect(
      same(
        low,
        a.map((w) => w & 0xfffff),
      ),
    ).toBe(true);
    // The same stream as node:crypto's cipher over zero bytes, across the 64 KiB chunk boundary.
    const reference = createCipheriv('aes-256-ctr', key, new Uint8Array(16)).update(new Uint8Array(4 * 50_000));
    expect(Buffer.from(a.buffer).equals(reference)).toBe(true);
  });

  it('refuses a key that is not 32 bytes (never a short seed)', () => {
    expect(() => expandMask(new Uint8Array(16), 10, 32)).toThrow(/32 bytes/);
    expect(() => expandMask(new Uint8Array(32), 10, 0)).toThrow(/bits/);
  });
});
