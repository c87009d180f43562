import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '@cohort/simulations';
import { SimulationError } from '@cohort/simulations';
import { labelSkew, parsePartition, partition, formatPartition, type PartitionSpec } from '@cohort/simulations';

/** Every index in [0, n) exactly once across the parts, and no part empty. */
function expectDisjointCover(parts: Int32Array[], n: number, numClients: number): void {
  expect(parts).toHaveLength(numClients);
  const seen = new Uint8Array(n);
  for (const part of parts) {
    expect(part.length).toBeGreaterThan(0);
    for (const i of part) {
      expect(i >= 0 && i < n).toBe(true);
      expect(seen[i]).toBe(0);
      seen[i] = 1;
    }
  }
  expect(seen.every((s) => s === 1)).toBe(true);
}

const labelsArb = (minLength: number, maxLength: number) =>
  fc
    .integer({ min: 1, max: 10 })
    .chain((k) => fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength, maxLength }))
    .map((ls) => Int32Array.from(ls));

/** Labels 0..numClasses-1, `perClass` of each, interleaved. */
function balancedLabels(numClasses: number, perClass: number): Int32Array {
  return Int32Array.from({ length: numClasses * perClass }, (_, i) => i % numClasses);
}

function distinctLabels(labels: Int32Array, part: Int32Array): number {
  return new Set(Array.from(part, (i) => labels[i])).size;
}

describe('parsePartition', () => {
  it('parses the three forms', () => {
    expect(parsePartition('iid')).toEqual({ kind: 'iid' });
    expect(parsePartition(' IID ')).toEqual({ kind: 'iid' });
    expect(parsePartition('dirichlet:0.5')).toEqual({ kind: 'dirichlet', alpha: 0.5 });
    expect(parsePartition('dirichlet:1e-2')).toEqual({ kind: 'dirichlet', alpha: 0.01 });
    expect(parsePartition('shards:2')).toEqual({ kind: 'shards', shardsPerClient: 2 });
    for (const text of ['iid', 'dirichlet:0.3', 'shards:4']) expect(formatPartition(parsePartition(text))).toBe(text);
  });

  it.each([
    '',
    'noniid',
    'dirichlet',
    'dirichlet:',
    'dirichlet:0',
    'dirichlet:-1',
    'dirichlet:abc',
    'dirichlet:Infinity',
    'shards:0',
    'shards:1.5',
    'shards:-2',
    'shards:2:3',
    'iid:2',
  ])('refuses %j, naming the valid forms', (text) => {
    try {
      parsePartition(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SimulationError);
      expect((error as SimulationError).code).toBe('INVALID_PARTITION');
      expect((error as Error).message).toMatch(/iid.*dirichlet:ALPHA.*shards:K/);
    }
  });
});

describe('partition: every client gets its own disjoint, non-empty data covering the split', () => {
  it('iid, over random sizes; sizes differ by at most one', () => {
    fc.assert(
      fc.property(labelsArb(1, 300), fc.integer({ min: 1, max: 30 }), fc.integer(), (labels, clients, seed) => {
        fc.pre(clients <= labels.length);
        const parts = partition(labels, clients, 'iid', createRng(seed));
        expectDisjointCover(parts, labels.length, clients);
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 150 },
    );
  });

  it('dirichlet, over random sizes and alphas (or a PARTITION_INFEASIBLE error)', () => {
    let succeeded = 0;
    const caseArb = fc
      .record({ clients: fc.integer({ min: 1, max: 20 }), minPartitionSize: fc.integer({ min: 1, max: 5 }) })
      .chain(({ clients, minPartitionSize }) =>
        fc.record({
          clients: fc.constant(clients),
          minPartitionSize: fc.constant(minPartitionSize),
          labels: labelsArb(clients * minPartitionSize, clients * minPartitionSize * 8 + 50),
        }),
      );
    fc.assert(
      fc.property(
        caseArb,
        fc.double({ min: 0.05, max: 100, noNaN: true }),
        fc.integer(),
        ({ labels, clients, minPartitionSize }, alpha, seed) => {
          const spec: PartitionSpec = { kind: 'dirichlet', alpha, minPartitionSize };
          let parts: Int32Array[];
          try {
            parts = partition(labels, clients, spec, createRng(seed));
          } catch (error) {
            expect(error).toBeInstanceOf(SimulationError);
            expect((error as SimulationError).code).toBe('PARTITION_INFEASIBLE');
            return;
          }
          succeeded++;
          expectDisjointCover(parts, labels.length, clients);
          for (const p of parts) expect(p.length).toBeGreaterThanOrEqual(minPartitionSize);
        },
      ),
      { numRuns: 150 },
    );
    expect(succeeded).toBeGreaterThan(50);
  });

  it('shards, over random sizes', () => {
    fc.assert(
      fc.property(
        labelsArb(1, 300),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (labels, clients, k, seed) => {
          fc.pre(clients * k <= labels.length);
          const parts = partition(labels, clients, `shards:${k}`, createRng(seed));
          expectDisjointCover(parts, labels.length, clients);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fails clearly when there are more clients than examples', () => {
    const labels = balancedLabels(2, 5);
    expect(() => partition(labels, 11, 'iid', createRng(1))).toThrow(/Too many clients.*10 examples.*11 clients/);
    expect(() => partition(labels, 6, 'shards:2', createRng(1))).toThrow(/12 non-empty shards.*only 10 examples/);
    expect(() => partition(labels, 2, 'dirichlet:1', createRng(1))).toThrow(/at least 10 examples each/);
    expect(() => partition(labels, 0, 'iid', createRng(1))).toThrow(SimulationError);
  });
});

describe('dirichlet label skew (Hsu et al. 2019)', () => {
  it('grows as alpha shrinks: 100 < 1 < 0.1, on 5,000 examples of 10 classes over 20 clients', () => {
    const labels = balancedLabels(10, 500);
    for (let seed = 0; seed < 5; seed++) {
      const skew = (alpha: number) => labelSkew(labels, partition(labels, 20, { kind: 'dirichlet', alpha }, createRng(seed)), 10);
      const [high, mid, low] = [skew(100), skew(1), skew(0.1)];
      expect(high).toBeLessThan(0.1); // close to the global mix
      expect(mid).toBeGreaterThan(high + 0.15);
      expect(low).toBeGreaterThan(mid + 0.15);
      expect(low).toBeGreaterThan(0.6); // most clients hold a few classes
    }
  });

  it('repeats the draw to reach minPartitionSize, then fails saying why', () => {
    const labels = balancedLabels(10, 100);
    // 50 clients × 20 = all 1,000 examples: only a perfectly even draw would do.
    expect(() => partition(labels, 50, { kind: 'dirichlet', alpha: 0.1, minPartitionSize: 20, maxAttempts: 3 }, createRng(1))).toThrow(
      /dirichlet:0.1 over 50 clients left a client with \d+ examples \(minPartitionSize 20\) in all 3 attempts/,
    );
    const parts = partition(labels, 10, { kind: 'dirichlet', alpha: 0.5, minPartitionSize: 30 }, createRng(1));
    for (const p of parts) expect(p.length).toBeGreaterThanOrEqual(30);
  });

  it('with selfBalancing, still a disjoint cover', () => {
    const labels = balancedLabels(10, 300);
    const parts = partition(labels, 15, { kind: 'dirichlet', alpha: 0.3, selfBalancing: true }, createRng(4));
    expectDisjointCover(parts, labels.length, 15);
  });
});

describe('shards (McMahan et al. 2017)', () => {
  it('gives each client at most K labels when every shard holds a single label', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        (clients, k, shardSize, seed) => {
          // Class sizes are multiples of the shard size, so shard boundaries fall on class boundaries.
          const numShards = clients * k;
          const rng = createRng(seed);
          const shardsPerClass: number[] = [];
          for (let left = numShards; left > 0; ) {
            const take = 1 + rng.int(Math.min(left, 5));
            shardsPerClass.push(take);
            left -= take;
          }
          const labels = rng.shuffle(Int32Array.from(shardsPerClass.flatMap((s, c) => new Array<number>(s * shardSize).fill(c))));
          const parts = partition(labels, clients, `shards:${k}`, createRng(seed + 1));
          expectDisjointCover(parts, labels.length, clients);
          for (const part of parts) {
            expect(part.length).toBe(k * shardSize);
            expect(distinctLabels(labels, part)).toBeLessThanOrEqual(k);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is far more skewed than iid on the same labels', () => {
    const labels = balancedLabels(10, 600);
    const shards = labelSkew(labels, partition(labels, 100, 'shards:2', createRng(2)), 10);
    const iid = labelSkew(labels, partition(labels, 100, 'iid', createRng(2)), 10);
    expect(shards).toBeGreaterThan(0.75); // ≤ 2 of 10 classes: TV ≥ 0.8 up to boundary shards
    expect(iid).toBeLessThan(0.3);
  });
});

describe('determinism', () => {
  const labels = Int32Array.from({ length: 2000 }, (_, i) => (i * 7919) % 10);
  it.each(['iid', 'dirichlet:0.5', 'shards:2'])('%s: same seed → same partition, other seed → another', (spec) => {
    const a = partition(labels, 10, spec, createRng(123).fork('train'));
    const b = partition(labels, 10, spec, createRng(123).fork('train'));
    const c = partition(labels, 10, spec, createRng(124).fork('train'));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('labelSkew', () => {
  it('is 0 when every client has the global mix and ½·Σ|p−q| otherwise', () => {
    const labels = Int32Array.of(0, 1, 0, 1, 0, 0);
    expect(labelSkew(labels, [Int32Array.of(0, 1), Int32Array.of(2, 3)], 2)).toBe(0);
    // Clients {0,0} and {1,1} against a 50/50 mix: each at distance 0.5.
    expect(labelSkew(labels, [Int32Array.of(0, 2), Int32Array.of(1, 3)], 2)).toBeCloseTo(0.5, 12);
    // Global mix: 4/6 zeros. Client {0,2,4,5} is all zeros: TV = 1/3; client {1,3} all ones: TV = 2/3.
    expect(labelSkew(labels, [Int32Array.of(0, 2, 4, 5), Int32Array.of(1, 3)], 2)).toBeCloseTo((1 / 3 + 2 / 3) / 2, 12);
    // Empty clients are left out of the mean.
    expect(labelSkew(labels, [Int32Array.of(0, 1), new Int32Array(0)], 2)).toBe(0);
  });
});
