import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FedAvg, applyWeightedMeanDelta, sampleClients, type FitResult } from '@cohort/coordinator';

function result(clientId: string, numExamples: number, delta: number[][]): FitResult {
  return { clientId, numExamples, delta: delta.map((d) => Float32Array.from(d)), metrics: { loss: 1, accuracy: 0.5 } };
}

describe('FedAvg', () => {
  it('weights clients by example count, not equally', () => {
    const global = [Float32Array.from([0, 0])];
    const out = applyWeightedMeanDelta(global, [result('a', 1, [[1, 0]]), result('b', 3, [[5, 4]])]);
    expect([...out[0]!]).toEqual([4, 3]);
  });

  it('matches an independent float64 computation of Σ nᵢ·wᵢ / Σ nᵢ to float32 rounding', () => {
    const clientArb = fc.record({
      n: fc.integer({ min: 1, max: 100_000 }),
      delta: fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 16, maxLength: 16 }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 16, maxLength: 16 }),
        fc.array(clientArb, { minLength: 1, maxLength: 12 }),
        (g, clients) => {
          const global = [Float32Array.from(g)];
          const results = clients.map((c, i) => result(`c${i}`, c.n, [c.delta]));
          const out = applyWeightedMeanDelta(global, results)[0]!;
          // Independent form: average the clients' local models w_i = w + Δ_i (float32, as sent), in float64.
          const total = clients.reduce((s, c) => s + c.n, 0);
          for (let j = 0; j < 16; j++) {
            let acc = 0;
            for (const c of clients) acc += (c.n / total) * (global[0]![j]! + Math.fround(c.delta[j]!));
            expect(Math.abs(out[j]! - acc)).toBeLessThanOrEqual(Math.abs(acc) * 2 ** -23 + 1e-12 + 2 ** -24 * 10);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is exact where float32 can represent the answer, for millions of examples', () => {
    const global = [Float32Array.from([1])];
    const results = [result('a', 3_000_000, [[0.25]]), result('b', 1_000_000, [[-0.75]])];
    expect(applyWeightedMeanDelta(global, results)[0]![0]).toBe(1);
  });

  it('reports the example-weighted training metrics', () => {
    const strategy = new FedAvg();
    const agg = strategy.aggregateFit(
      1,
      [
        { ...result('a', 1, [[0]]), metrics: { loss: 1, accuracy: 0 } },
        { ...result('b', 3, [[0]]), metrics: { loss: 2, accuracy: 1 } },
      ],
      [],
      [new Float32Array(1)],
    );
    expect(agg.trainLoss).toBeCloseTo(1.75, 12);
    expect(agg.trainAccuracy).toBeCloseTo(0.75, 12);
  });

  it('rejects bad options with a sentence naming the field', () => {
    expect(() => new FedAvg({ fraction: 0 })).toThrow(/fraction must be in \(0, 1\]/);
    expect(() => new FedAvg({ minFitClients: 0 })).toThrow(/minFitClients/);
  });
});

describe('cohort sampling', () => {
  const ids = Array.from({ length: 50 }, (_, i) => `client-${i}`);

  it('is reproducible by seed and round, independent of arrival order', () => {
    const a = sampleClients(ids, 10, 7, 3);
    expect(sampleClients([...ids].reverse(), 10, 7, 3)).toEqual(a);
    expect(sampleClients(ids, 10, 8, 3)).not.toEqual(a);
    expect(sampleClients(ids, 10, 7, 4)).not.toEqual(a);
    expect(new Set(a).size).toBe(10);
  });

  it('gives every client a fair chance over many rounds', () => {
    const counts = new Map<string, number>();
    for (let round = 0; round < 1000; round++) for (const id of sampleClients(ids, 10, 1, round)) counts.set(id, (counts.get(id) ?? 0) + 1);
    // Each client is drawn with p = 0.2 per round: mean 200, sd ≈ 12.6; 5 sd bounds.
    for (const id of ids) expect(Math.abs((counts.get(id) ?? 0) - 200)).toBeLessThan(63);
  });
});
