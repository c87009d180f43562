import { describe, expect, it } from 'vitest';
import {
  CoordinatorError,
  FedAvg,
  FedMedian,
  FedTrimmedAvg,
  Krum,
  MultiKrum,
  coordinateMedian,
  krumScores,
  krumSelect,
  resolveStrategy,
  trimmedMean,
  type FitResult,
  type Strategy,
} from '@cohort/coordinator';

function result(clientId: string, numExamples: number, ...delta: number[][]): FitResult {
  return { clientId, numExamples, delta: delta.map((d) => Float32Array.from(d)), metrics: { loss: numExamples, accuracy: 0.5 } };
}

const zeros = (...lengths: number[]) => lengths.map((n) => new Float32Array(n));
const aggregate = (s: Strategy, results: FitResult[], global = zeros(results[0]!.delta[0]!.length)) =>
  s.aggregateFit(1, results, [], global);
const values = (weights: readonly (Float32Array | Float64Array)[]) => weights.map((t) => [...t]);

/**
 * The Krum example, worked by hand (two tensors, x in the first, y in the second, so that distances
 * run over all tensors together): a (0,0), b (1,0), c (0,2), d (1,1), e (10,10), with f = 1, so each
 * score sums the n − f − 2 = 2 smallest squared distances to the others:
 *   a: {ab 1, ac 4, ad 2, ae 200} → 1 + 2 = 3      b: {1, bc 5, bd 1, be 181} → 1 + 1 = 2
 *   c: {4, 5, cd 2, ce 164} → 2 + 4 = 6           d: {2, 1, 2, de 162} → 1 + 2 = 3
 *   e: {200, 181, 164, 162} → 162 + 164 = 326
 * Krum takes b; Multi-Krum with m = 3 takes b, then a and d (tied at 3, lower index first): mean (2/3, 1/3).
 */
const points: [string, number, number][] = [
  ['a', 0, 0],
  ['b', 1, 0],
  ['c', 0, 2],
  ['d', 1, 1],
  ['e', 10, 10],
];
const krumResults = points.map(([id, x, y]) => result(id, 1, [x], [y]));

describe('coordinate-wise median (FedMedian)', () => {
  it('takes the middle value of an odd count and the mean of the two middle values of an even count', () => {
    const odd = [[Float32Array.from([1, 5])], [Float32Array.from([3, -2])], [Float32Array.from([2, 10])]];
    expect(values(coordinateMedian(odd))).toEqual([[2, 5]]);
    const even = [1, 4, 2, 100].map((v) => [Float32Array.from([v, -v])]);
    expect(values(coordinateMedian(even))).toEqual([[3, -3]]);
  });

  it('ignores the claimed example counts and a 1e38 outlier, and reports unweighted training metrics', () => {
    const results = [result('a', 1, [1]), result('b', 1, [2]), result('c', 1e9, [3]), result('z', 1e9, [1e38])];
    const out = aggregate(new FedMedian(), results, [Float32Array.from([10])]);
    expect(values(out.weights)).toEqual([[12.5]]);
    expect(out.trainLoss).toBe((1 + 1 + 1e9 + 1e9) / 4);
  });
});

describe('trimmed mean (FedTrimmedAvg)', () => {
  it('removes ⌊β·n⌋ values at each end of every coordinate', () => {
    const five = [10, 1, 2, 3, -50].map((v) => [Float32Array.from([v])]);
    expect(values(trimmedMean(five, 1))).toEqual([[2]]); // mean of 1, 2, 3
    const eight = [7, -100, 1, 2, 3, 4, 100, -7].map((v) => [Float32Array.from([v])]);
    expect(values(trimmedMean(eight, 2))).toEqual([[2.5]]); // mean of 1, 2, 3, 4
    const strategy = new FedTrimmedAvg({ beta: 0.25 }); // ⌊0.25 × 8⌋ = 2
    expect(
      values(
        aggregate(
          strategy,
          eight.map((d, i) => ({ clientId: `c${i}`, numExamples: 1, delta: d })),
        ).weights,
      ),
    ).toEqual([[2.5]]);
    expect(
      values(
        aggregate(
          new FedTrimmedAvg({ beta: 0.2 }),
          five.map((d, i) => ({ clientId: `c${i}`, numExamples: 1, delta: d })),
        ).weights,
      ),
    ).toEqual([[2]]);
  });

  it('needs enough results to trim at least one at each end', () => {
    expect(new FedTrimmedAvg({ beta: 0.1 }).minResults).toBe(10);
    expect(new FedTrimmedAvg({ beta: 0.25 }).minResults).toBe(4);
    expect(new FedTrimmedAvg({ beta: 0 }).minResults).toBe(1);
    const nine = Array.from({ length: 9 }, (_, i) => result(`c${i}`, 1, [i]));
    expect(() => aggregate(new FedTrimmedAvg({ beta: 0.1 }), nine)).toThrow(/at least 10 results.*minClients/);
  });
});

describe('Krum and Multi-Krum', () => {
  it('scores each update by its n − f − 2 nearest neighbours, over all tensors', () => {
    const updates = krumResults.map((r) => r.delta);
    expect(krumScores(updates, 1)).toEqual([3, 2, 6, 3, 326]);
    expect(krumSelect(updates, 1, 1)).toEqual([1]);
    expect(krumSelect(updates, 1, 3)).toEqual([1, 0, 3]);
  });

  it('Krum takes the expected client; Multi-Krum averages the expected m', () => {
    const global = [Float32Array.from([0.5]), Float32Array.from([0.5])];
    expect(values(aggregate(new Krum({ byzantine: 1 }), krumResults, global).weights)).toEqual([[1.5], [0.5]]);
    const three = aggregate(new MultiKrum({ byzantine: 1, keep: 3 }), krumResults, global).weights;
    expect(three[0]![0]).toBeCloseTo(0.5 + 2 / 3, 6);
    expect(three[1]![0]).toBeCloseTo(0.5 + 1 / 3, 6);
    // The default m = n − f = 4 leaves out only the outlier e: mean of a, b, c, d = (0.5, 0.75).
    expect(values(aggregate(new MultiKrum({ byzantine: 1 }), krumResults, global).weights)).toEqual([[1], [1.25]]);
    // Arrival order does not matter.
    expect(values(aggregate(new Krum(), [...krumResults].reverse(), global).weights)).toEqual([[1.5], [0.5]]);
  });

  it('refuses too few results for n > 2f + 2 with a clear error', () => {
    expect(new Krum({ byzantine: 1 }).minResults).toBe(5);
    expect(new MultiKrum({ byzantine: 1, keep: 6 }).minResults).toBe(7);
    expect(() => aggregate(new Krum({ byzantine: 1 }), krumResults.slice(0, 4))).toThrow(/Krum\(f=1\) needs at least 5 results.*got 4/);
  });
});

describe('bounded influence in FedAvg', () => {
  it('maxExamples caps the weight a client can claim', () => {
    const results = [result('honest', 1, [1]), result('greedy', 1000, [100])];
    expect(aggregate(new FedAvg(), results).weights[0]![0]).toBeCloseTo((1 + 100_000) / 1001, 4);
    const capped = new FedAvg({ maxExamples: 1 });
    const out = aggregate(capped, results);
    expect(values(out.weights)).toEqual([[50.5]]);
    expect(out.trainLoss).toBe((1 * 1 + 1 * 1000) / 2); // metrics weighted by the capped counts too
    expect(values(aggregate(new FedAvg({ maxExamples: 5000 }), [result('a', 1, [1]), result('b', 3, [5])]).weights)).toEqual([[4]]);
  });

  it('clipNorm clips each delta to L2 ≤ C over all tensors before the mean', () => {
    const results = [result('big', 1, [3], [4]), result('small', 1, [0], [0.5])];
    const out = aggregate(new FedAvg({ clipNorm: 1 }), results, zeros(1, 1)).weights;
    expect(out[0]![0]).toBeCloseTo(0.3, 6); // (0.6 + 0) / 2
    expect(out[1]![0]).toBeCloseTo(0.65, 6); // (0.8 + 0.5) / 2
    const huge = aggregate(new FedAvg({ clipNorm: 1 }), [result('z', 1, [1e38, 1e38])], zeros(2)).weights[0]!;
    expect(Math.hypot(...huge)).toBeLessThanOrEqual(1);
    expect(huge[0]).toBeCloseTo(Math.SQRT1_2, 6);
    // The robust rules clip too.
    expect(aggregate(new FedMedian({ clipNorm: 2 }), [result('a', 1, [30, 40])], zeros(2)).weights[0]![1]).toBeCloseTo(1.6, 6);
  });
});

describe('options', () => {
  const invalid = (make: () => unknown, pattern: RegExp) => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CoordinatorError);
    expect((error as CoordinatorError).code).toBe('INVALID_OPTION');
    expect((error as Error).message).toMatch(pattern);
  };

  it('constructors name the field and its range', () => {
    invalid(() => new FedAvg({ maxExamples: 0 }), /FedAvg option maxExamples must be an integer of at least 1, got 0/);
    invalid(() => new FedAvg({ clipNorm: -1 }), /FedAvg option clipNorm must be a positive finite number/);
    invalid(() => new FedTrimmedAvg({ beta: 0.5 }), /FedTrimmedAvg option beta must be in \[0, 0\.5\), got 0\.5/);
    invalid(() => new Krum({ byzantine: -1 }), /Krum option byzantine must be an integer of at least 0/);
    invalid(() => new MultiKrum({ keep: 0 }), /MultiKrum option keep must be an integer of at least 1/);
    invalid(() => new FedMedian({ fraction: 2 }), /FedMedian option fraction must be in \(0, 1\]/);
  });

  it('resolveStrategy refuses combinations that would not do what they say', () => {
    const plan = { fraction: 1, minClients: 10, seed: 0, dp: false };
    expect(resolveStrategy({}, plan)).toBeInstanceOf(FedAvg);
    expect(resolveStrategy({ strategy: 'median' }, plan).name).toBe('FedMedian');
    expect(resolveStrategy({ strategy: 'multi-krum', byzantine: 2, krumKeep: 3 }, plan).name).toBe('MultiKrum(f=2,m=3)');
    invalid(() => resolveStrategy({ strategy: 'krum' }, { ...plan, dp: true }), /--strategy krum has no effect under --dp/);
    invalid(() => resolveStrategy({ maxUpdateNorm: 1 }, { ...plan, dp: true }), /--max-update-norm .* --clip/);
    invalid(() => resolveStrategy({ maxExamples: 10 }, { ...plan, dp: true }), /--max-examples/);
    invalid(() => resolveStrategy({ strategy: 'median', maxExamples: 10 }, plan), /--max-examples applies to --strategy fedavg only/);
    invalid(
      () => resolveStrategy({ strategy: 'krum', trimFraction: 0.1 }, plan),
      /--trim-fraction applies to --strategy trimmed-mean only/,
    );
    invalid(() => resolveStrategy({ strategy: 'krum', byzantine: 4 }, plan), /needs at least 11 updates per round; set --min-clients/);
  });
});
