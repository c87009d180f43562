import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { HeldDeltas } from '../../packages/coordinator/src/strategy/held-deltas';
import { lend } from '../../packages/coordinator/src/lent-memory';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { contiguousFloat32 } from '@cohort/protocol';
import {
  Coordinator,
  FedAdam,
  FedAvg,
  FedMedian,
  applyWeightedMeanDelta,
  resolveStrategy,
  type CoordinatorOptions,
  type Failure,
  type FitAggregate,
  type FitResult,
  type InfluenceBounds,
  type NonFiniteValue,
} from '@cohort/coordinator';

/** Sizes that cross the kernels' 8,192-value blocks and leave a tail of fewer than four values. */
const SHAPES = [37, 16_389];
/** Values whose float64 sums depend on the order they are added in. */
const valueArb = fc.oneof(
  fc.constantFrom(2 ** 60, -(2 ** 60), 1, -1, 2 ** -20, 3e38, -3e38),
  fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }),
);

interface Client {
  numExamples: number;
  fails: boolean;
  seed: number[];
  /** One value made NaN or ±Infinity: the update must be refused, naming it, and add nothing. */
  poison?: { tensor: number; index: number; value: number } | null;
}

const poisonArb = fc.record({
  tensor: fc.integer({ min: 0, max: SHAPES.length - 1 }),
  // The first value, the last of a block, the first of the next, the tail, or anywhere.
  index: fc.oneof(fc.constantFrom(0, 8191, 8192, 16_388), fc.nat()),
  value: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
});

const clientArb = fc.record({
  numExamples: fc.integer({ min: 1, max: 1000 }),
  fails: fc.boolean(),
  seed: fc.array(valueArb, { minLength: 8, maxLength: 8 }),
  poison: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: poisonArb, weight: 1 }),
});

function resultOf(clientId: string, c: Client, i: number): FitResult {
  const delta = SHAPES.map((n, t) => Float32Array.from({ length: n }, (_, j) => c.seed[(j * 7 + t + i) % 8]! * (j % 5 === 4 ? -1 : 1)));
  if (c.poison) delta[c.poison.tensor]![c.poison.index % SHAPES[c.poison.tensor]!] = c.poison.value;
  return { clientId, numExamples: c.numExamples, delta, metrics: { loss: i, accuracy: 0.5 } };
}

const sortedById = <T extends { clientId: string }>(xs: readonly T[]) => [...xs].sort((a, b) => (a.clientId < b.clientId ? -1 : 1));

/** A HeldDeltas that overwrites each copy with NaN as it takes it back (a read after release would show) and counts what it allocates. */
class PoisoningHeldDeltas extends HeldDeltas {
  holds = 0;
  allocated = 0;

  override hold(delta: readonly Float32Array[]): Float32Array[] {
    this.holds++;
    if (this.size === 0) this.allocated++;
    return super.hold(delta);
  }

  override release(copy: Float32Array[]): void {
    for (const t of copy) t.fill(Number.NaN);
    super.release(copy);
  }
}

/** FedAvg with a PoisoningHeldDeltas in place of its own. */
function withPoisoningPool(options: ConstructorParameters<typeof FedAvg>[0] = {}): FedAvg {
  const strategy = new FedAvg(options);
  (strategy as unknown as { held: HeldDeltas }).held = new PoisoningHeldDeltas();
  return strategy;
}

const poolOf = (strategy: FedAvg) => (strategy as unknown as { held: PoisoningHeldDeltas }).held;

/**
 * Feeds answers to FedAvg's accumulator in `arrival` order (each in a buffer of its own, overwritten once it may no longer be read), flushes it and finishes as the round
 * engine does (the refused updates no longer among the results); every update must have its verdict.
 * In `lent` memory (as the socket transport receives large updates), every update's memory must be
 * handed back once, after its verdict, and is overwritten then.
 */
function streamed(
  strategy: FedAvg,
  global: Float32Array[],
  answers: readonly (FitResult | Failure)[],
  memory: 'own' | 'lent' = 'own',
): FitAggregate & { refused: Map<string, NonFiniteValue> } {
  const accumulator = strategy.fitAccumulator(
    1,
    answers.map((a) => a.clientId),
    global,
  )!;
  const verdicts = new Map<string, NonFiniteValue | undefined>();
  const handedBack: string[] = [];
  const pending = new Set(answers.map((a) => a.clientId));
  for (const answer of answers) {
    pending.delete(answer.clientId);
    if (!('delta' in answer)) {
      accumulator.skip(answer.clientId);
      continue;
    }
    // The update comes in a buffer of its own, as the socket's. Once its verdict is given the
    // accumulator must not read that buffer; nor, when the update came before its turn in client-id
    // order, once add returns (it keeps a copy, and the socket's buffer may go): the buffer is then
    // overwritten with NaNs.
    const arrived: FitResult = { ...answer, delta: answer.delta.map((d) => d.slice()) };
    const scribble = () => arrived.delta.forEach((d) => d.fill(Number.NaN));
    if (memory === 'lent') {
      arrived.delta = contiguousFloat32(answer.delta.map((d) => d.length));
      arrived.delta.forEach((d, t) => d.set(answer.delta[t]!));
      lend(arrived.delta[0]!.buffer as ArrayBuffer, () => {
        if (!verdicts.has(answer.clientId)) throw new Error(`${answer.clientId}'s memory handed back before its verdict`);
        handedBack.push(answer.clientId);
        scribble();
      });
    }
    const beforeItsTurn = strategy.aggregationOrder === 'client-id' && [...pending].some((id) => id < answer.clientId);
    accumulator.add(arrived, (refusal) => {
      if (verdicts.has(answer.clientId)) throw new Error(`a second verdict for ${answer.clientId}`);
      verdicts.set(answer.clientId, refusal);
      scribble();
    });
    // Own memory may go once add returns (the accumulator keeps a copy); lent memory only when handed back.
    if (beforeItsTurn && memory === 'own') scribble();
  }
  accumulator.flush();
  const updates = answers.filter((a): a is FitResult => 'delta' in a);
  expect([...verdicts.keys()].sort()).toEqual(updates.map((u) => u.clientId).sort());
  if (memory === 'lent') expect(handedBack.sort()).toEqual(updates.map((u) => u.clientId).sort());
  const refused = new Map([...verdicts].flatMap(([id, refusal]) => (refusal ? [[id, refusal] as const] : [])));
  const results = sortedById(updates.filter((u) => !refused.has(u.clientId))).map(({ delta: _, ...summary }) => summary);
  const failures = sortedById(answers.filter((a): a is Failure => !('delta' in a)));
  return { ...accumulator.finish(results, failures), refused };
}

function bits(weights: readonly Float32Array[]): number[][] {
  return weights.map((w) => [...new Uint32Array(w.buffer, w.byteOffset, w.length)]);
}

describe('FedAvg taking updates as they arrive', () => {
  const global = SHAPES.map((n) => Float32Array.from({ length: n }, (_, j) => (j % 3) - 1));

  for (const [bounds, memory] of [
    [{}, 'own'],
    [{ maxExamples: 300, clipNorm: 5 }, 'own'],
    [{}, 'lent'],
  ] as [InfluenceBounds, 'own' | 'lent'][]) {
    it(`gives aggregateFit's model bit for bit, in any arrival order and with failures between (bounds ${JSON.stringify(bounds)}, ${memory} memory)`, () => {
      fc.assert(
        fc.property(
          fc.array(clientArb, { minLength: 2, maxLength: 10 }).filter((cs) => cs.some((c) => !c.fails)),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          (clients, shuffleSeed) => {
            const strategy = withPoisoningPool(bounds);
            const answers = clients.map((c, i): FitResult | Failure => {
              const clientId = `client-${String.fromCharCode(97 + ((i * 7) % 26))}${i}`;
              return c.fails ? { clientId, kind: 'timeout', reason: 'no answer' } : resultOf(clientId, c, i);
            });
            const finite = answers.filter((a, i): a is FitResult => 'delta' in a && !clients[i]!.poison);
            fc.pre(finite.length > 0);
            const expected = strategy.aggregateFit(1, sortedById(finite), [], global);
            const arrival = shuffled(answers, shuffleSeed);
            const got = streamed(strategy, global, arrival, memory);
            expect(bits(got.weights)).toEqual(bits(expected.weights));
            // Lent memory is reused anyway: an update that waits for its turn waits in it, uncopied.
            if (memory === 'lent') expect(poolOf(strategy).holds).toBe(0);
            const poisoned = clients.flatMap((c, i) =>
              !c.fails && c.poison
                ? [[answers[i]!.clientId, { tensor: c.poison.tensor, index: c.poison.index % SHAPES[c.poison.tensor]! }]]
                : [],
            );
            expect(Object.fromEntries(got.refused)).toEqual(Object.fromEntries(poisoned));
            expect(got.trainLoss).toBe(expected.trainLoss);
            expect(got.trainAccuracy).toBe(expected.trainAccuracy);
          },
        ),
        { numRuns: 25 },
      );
    });
  }

  it("refuses NaNs in a long round and still gives aggregateFit's model bit for bit, clean and refused batches in turn", () => {
    const strategy = withPoisoningPool();
    const clients = Array.from({ length: 30 }, (_, i) => ({
      numExamples: 1 + ((i * 37) % 500),
      fails: i === 7,
      seed: [1, -2, 2 ** -20, 3e3, -1e-3, 7, 2 ** 30, -5],
    }));
    // Batches of 8 in id order: the first and third clean (their sums go to the other buffer), the
    // second and the last (taken in by flush) each with a bad value: a block boundary, the very last
    // value, the very first.
    const poisons = new Map([
      [12, { tensor: 1, index: 8192, value: Number.POSITIVE_INFINITY }],
      [14, { tensor: 1, index: 16_388, value: Number.NaN }],
      [29, { tensor: 0, index: 0, value: Number.NEGATIVE_INFINITY }],
    ]);
    const answers = clients.map((c, i): FitResult | Failure => {
      const clientId = `c${String(i).padStart(2, '0')}`;
      return c.fails ? { clientId, kind: 'timeout', reason: 'no answer' } : resultOf(clientId, { ...c, poison: poisons.get(i) ?? null }, i);
    });
    const finite = answers.filter((a, i): a is FitResult => 'delta' in a && !poisons.has(i));
    const expected = strategy.aggregateFit(1, finite, [], global);
    for (const seed of [0, 1, 2]) {
      // Seed 0 keeps id order, so that every batch is complete when it is added.
      const got = streamed(strategy, global, seed === 0 ? answers : shuffled(answers, seed));
      expect(bits(got.weights)).toEqual(bits(expected.weights));
      expect(Object.fromEntries(got.refused)).toEqual({
        c12: { tensor: 1, index: 8192 },
        c14: { tensor: 1, index: 16_388 },
        c29: { tensor: 0, index: 0 },
      });
    }
  });

  it("gives aggregateFit's model round after round, in either order; client-id order keeps the updates that wait for their turn in memory it reuses", () => {
    for (const aggregationOrder of ['client-id', 'arrival'] as const) {
      const strategy = withPoisoningPool({ aggregationOrder });
      for (let round = 1; round <= 3; round++) {
        const answers = Array.from({ length: 19 }, (_, i) =>
          resultOf(
            `c${String(i).padStart(2, '0')}`,
            { numExamples: 1 + i * round, fails: false, seed: [1, -2, 3, 2 ** -20, 5, -6, 7, 3e3] },
            i + round,
          ),
        );
        const arrival = shuffled(answers, round * 7919);
        const expected = strategy.aggregateFit(round, aggregationOrder === 'arrival' ? arrival : answers, [], global);
        expect(bits(streamed(strategy, global, arrival).weights)).toEqual(bits(expected.weights));
        // Kept for the next round: as many copies as waited at once (in arrival order none waits for its turn).
        if (aggregationOrder === 'arrival') expect(poolOf(strategy).holds).toBe(0);
        else expect(poolOf(strategy).size).toBeGreaterThan(0);
      }
      if (aggregationOrder === 'client-id') expect(poolOf(strategy).allocated).toBeLessThan(poolOf(strategy).holds / 2);
    }
  });

  it('sums in client-id order: an arrival-order float64 sum would give another model', () => {
    const strategy = new FedAvg();
    const one = (clientId: string, value: number): FitResult => ({
      clientId,
      numExamples: 1,
      delta: SHAPES.map((n) => new Float32Array(n).fill(value)),
    });
    const [a, b, c] = [one('a', 2 ** 60), one('b', -(2 ** 60)), one('c', 1)];
    const inOrder = streamed(strategy, global, [a, b, c]);
    const reversed = streamed(strategy, global, [c, a, b]);
    expect(bits(reversed.weights)).toEqual(bits(inOrder.weights));
    // (2^60 − 2^60) + 1 = 1, but (1 + 2^60) − 2^60 = 0 in float64.
    expect(inOrder.weights[0]![1]).toBe(Math.fround(0 + 1 / 3));
    expect(applyWeightedMeanDelta(global, [c, a, b])[0]![1]).toBe(0);
  });

  it('is the plain float64 loop of Σ nᵢ·Δᵢ, bit for bit, across blocks and their tails', () => {
    const results = [3, 1, 1000].map((numExamples, k) => ({
      clientId: `c${k}`,
      numExamples,
      delta: SHAPES.map((n) => Float32Array.from({ length: n }, (_, j) => Math.fround(Math.sin(j * (k + 1)) * 10 ** ((j % 9) - 4)))),
    }));
    const got = applyWeightedMeanDelta(global, results);
    const total = 1004;
    SHAPES.forEach((n, t) => {
      const want = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (const r of results) acc += r.numExamples * r.delta[t]![j]!;
        want[j] = global[t]![j]! + acc / total;
      }
      expect(bits([got[t]!])).toEqual(bits([want]));
    });
  });

  it('is not offered by a subclass with its own aggregateFit, whose rule must see every update', () => {
    class Uniform extends FedAvg {
      override aggregateFit(round: number, results: readonly FitResult[], failures: readonly Failure[], g: readonly Float32Array[]) {
        return super.aggregateFit(
          round,
          results.map((r) => ({ ...r, numExamples: 1 })),
          failures,
          g,
        );
      }
    }
    expect(new Uniform().fitAccumulator(1, ['a'], global)).toBeUndefined();
    expect(new FedAvg().fitAccumulator(1, ['a'], global)).toBeDefined();
  });

  it('gives its verdict at once to an update that comes after flush (a round cut short)', () => {
    const accumulator = new FedAvg().fitAccumulator(1, ['a', 'b'], global)!;
    accumulator.flush();
    const verdicts: (NonFiniteValue | 'ok')[] = [];
    const seed = [1, 2, 3, 4, 5, 6, 7, 8];
    accumulator.add(resultOf('b', { numExamples: 1, fails: false, seed }, 0), (refusal) => verdicts.push(refusal ?? 'ok'));
    accumulator.add(
      resultOf('a', { numExamples: 1, fails: false, seed, poison: { tensor: 0, index: 5, value: Number.NaN } }, 0),
      (refusal) => verdicts.push(refusal ?? 'ok'),
    );
    expect(verdicts).toEqual(['ok', { tensor: 0, index: 5 }]);
  });

  it('refuses to finish with results other than the ones it was given', () => {
    const strategy = new FedAvg();
    const accumulator = strategy.fitAccumulator(1, ['a', 'b'], global)!;
    accumulator.add(resultOf('a', { numExamples: 1, fails: false, seed: [1, 2, 3, 4, 5, 6, 7, 8] }, 0), () => undefined);
    accumulator.skip('b');
    expect(() => accumulator.finish([{ clientId: 'b', numExamples: 1 }], [])).toThrow(/other than the ones added/);
  });
});

describe('FedAvg adding updates in arrival order', () => {
  const global = SHAPES.map((n) => Float32Array.from({ length: n }, (_, j) => (j % 3) - 1));

  for (const [bounds, memory] of [
    [{}, 'own'],
    [{ maxExamples: 300, clipNorm: 5 }, 'own'],
    [{ maxExamples: 300, clipNorm: 5 }, 'lent'],
  ] as [InfluenceBounds, 'own' | 'lent'][])
    it(`gives aggregateFit's model on the results in the order they came, bit for bit, with failures and refusals between (bounds ${JSON.stringify(bounds)}, ${memory} memory)`, () => {
      fc.assert(
        fc.property(
          fc.array(clientArb, { minLength: 2, maxLength: 20 }).filter((cs) => cs.some((c) => !c.fails && !c.poison)),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          (clients, shuffleSeed) => {
            const strategy = new FedAvg({ ...bounds, aggregationOrder: 'arrival' });
            const answers = clients.map((c, i): FitResult | Failure => {
              const clientId = `client-${String.fromCharCode(97 + ((i * 7) % 26))}${i}`;
              return c.fails ? { clientId, kind: 'timeout', reason: 'no answer' } : resultOf(clientId, c, i);
            });
            const arrival = shuffled(answers, shuffleSeed);
            const poisoned = new Set(clients.flatMap((c, i) => (!c.fails && c.poison ? [answers[i]!.clientId] : [])));
            const finiteAsTheyCame = arrival.filter((a): a is FitResult => 'delta' in a && !poisoned.has(a.clientId));
            const got = streamed(strategy, global, arrival, memory);
            expect(bits(got.weights)).toEqual(bits(strategy.aggregateFit(1, finiteAsTheyCame, [], global).weights));
            expect([...got.refused.keys()].sort()).toEqual([...poisoned].sort());
            // The training metrics are averaged over the results sorted by id, as in client-id order.
            const inIdOrder = strategy.aggregateFit(1, sortedById(finiteAsTheyCame), [], global);
            expect(got.trainLoss).toBe(inIdOrder.trainLoss);
            expect(got.trainAccuracy).toBe(inIdOrder.trainAccuracy);
          },
        ),
        { numRuns: 25 },
      );
    });

  it('keeps at most 7 updates waiting when they come in reverse id order, where client-id order keeps them all', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const seed = [1, -2, 3, -4, 5, -6, 7, -8];
    const waitingAfterEach = (order: 'client-id' | 'arrival') => {
      const accumulator = new FedAvg({ aggregationOrder: order }).fitAccumulator(1, ids, global)!;
      let judged = 0;
      return [...ids].reverse().map((id, k) => {
        accumulator.add(resultOf(id, { numExamples: 1, fails: false, seed }, k), () => judged++);
        return k + 1 - judged;
      });
    };
    const arrival = waitingAfterEach('arrival');
    expect(Math.max(...arrival)).toBe(7);
    expect(arrival.slice(0, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 0, 1]);
    expect(waitingAfterEach('client-id')).toEqual(ids.map((_, k) => (k + 1 === ids.length ? 0 : k + 1)));
  });

  it('sums in arrival order, within a full batch and in the one flush takes: the model differs from client-id order where float64 rounding says so', () => {
    const one = (clientId: string, value: number): FitResult => ({
      clientId,
      numExamples: 1,
      delta: SHAPES.map((n) => new Float32Array(n).fill(value)),
    });
    // Ids sort a < b < c, so client-id order adds (2^60 − 2^60) + 1 = 1; arrival order c, a, b adds
    // (1 + 2^60) − 2^60 = 0 in float64. Zeros fill the first batch of 8; the second triple goes in at flush.
    const zeros = Array.from({ length: 5 }, (_, i) => one(`z${i}`, 0));
    const first = [one('c1', 1), one('a1', 2 ** 60), one('b1', -(2 ** 60)), ...zeros];
    const second = [one('c2', 1), one('a2', 2 ** 60), one('b2', -(2 ** 60))];
    const arrival = streamed(new FedAvg({ aggregationOrder: 'arrival' }), global, [...first, ...second]);
    expect(arrival.weights[0]![1]).toBe(0);
    const inIdOrder = streamed(new FedAvg(), global, [...first, ...second]);
    expect(inIdOrder.weights[0]![1]).toBe(Math.fround(2 / 11));
    // And each half on its own: the batch of 8 (added when it fills), and three taken in by flush.
    expect(streamed(new FedAvg({ aggregationOrder: 'arrival' }), global, first).weights[0]![1]).toBe(0);
    expect(streamed(new FedAvg({ aggregationOrder: 'arrival' }), global, second).weights[0]![1]).toBe(0);
  });

  it('refuses a second update of a client in one round, which would cost its batch their verdicts', () => {
    const accumulator = new FedAvg({ aggregationOrder: 'arrival' }).fitAccumulator(1, ['a', 'b'], global)!;
    const seed = [1, 2, 3, 4, 5, 6, 7, 8];
    accumulator.add(resultOf('a', { numExamples: 1, fails: false, seed }, 0), () => undefined);
    expect(() => accumulator.add(resultOf('a', { numExamples: 1, fails: false, seed }, 1), () => undefined)).toThrow(
      /a second update of client a/,
    );
  });

  it('refuses an order it does not know', () => {
    expect(() => new FedAvg({ aggregationOrder: 'random' as never })).toThrow(/aggregationOrder must be client-id or arrival, got random/);
  });

  it("is refused by strategies that take every update at the round's end", () => {
    class Uniform extends FedAvg {
      override aggregateFit(round: number, results: readonly FitResult[], failures: readonly Failure[], g: readonly Float32Array[]) {
        return super.aggregateFit(round, results, failures, g);
      }
    }
    expect(() => new Uniform({ aggregationOrder: 'arrival' })).toThrow(/Uniform takes every update at the round's end/);
    expect(new Uniform({ aggregationOrder: 'client-id' }).fitAccumulator(1, ['a'], global)).toBeUndefined();
    // Their option types leave it out; plain JavaScript can still pass it.
    expect(() => new FedAdam({ aggregationOrder: 'arrival' } as never)).toThrow(/FedAdam takes every update at the round's end/);
    expect(() => new FedMedian({ aggregationOrder: 'arrival' } as never)).toThrow(/FedMedian takes every update at the round's end/);
  });

  it('is refused where no update is added on its own: under DP, under secure aggregation, with a server optimiser', () => {
    const plan = { fraction: 1, minClients: 2, seed: 0, dp: false };
    // Client-id order is what they all do anyway: said explicitly, it is accepted.
    expect(resolveStrategy({ strategy: 'median', aggregationOrder: 'client-id' }, plan).name).toMatch(/Median/);
    expect(resolveStrategy({ aggregationOrder: 'client-id' }, { ...plan, dp: true }).name).toMatch(/DP|FedAvg/);
    expect(resolveStrategy({ aggregationOrder: 'arrival' }, plan)).toMatchObject({ aggregationOrder: 'arrival' });
    expect(() => resolveStrategy({ aggregationOrder: 'arrival' }, { ...plan, dp: true })).toThrow(/under --dp they are all aggregated/);
    expect(() => resolveStrategy({ aggregationOrder: 'arrival' }, { ...plan, secureAggregation: true })).toThrow(
      /under --secure-aggregation the coordinator sees only their sum/,
    );
    expect(() => resolveStrategy({ strategy: 'fedadam', aggregationOrder: 'arrival' }, plan)).toThrow(
      /--aggregation-order arrival applies to --strategy fedavg only/,
    );
    expect(() => resolveStrategy({ aggregationOrder: 'arrival', serverLearningRate: 0.5 }, plan)).toThrow(/fedavg is FedAvgM/);
    const dir = mkdtempSync(join(tmpdir(), 'arrival-order-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const coordinator = (options: Partial<CoordinatorOptions>) => () =>
      new Coordinator({
        rounds: 1,
        minClients: 2,
        fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
        dbPath: join(dir, 'state.db'),
        model: { topology: { name: 'tiny' }, weights: [{ name: 'w', shape: [4], data: new Float32Array(4) }], numClasses: 2 },
        logger: pino({ level: 'silent' }),
        strategy: new FedAvg({ aggregationOrder: 'arrival' }),
        ...options,
      });
    expect(coordinator({})).not.toThrow();
    expect(coordinator({ secureAggregation: {} })).toThrow(/under secure aggregation they are never added one by one/);
    const keyDir = join(dir, 'keys');
    expect(coordinator({ dp: { mode: 'central', clipNorm: 1, noiseMultiplier: 1, sampleRate: 1, delta: 1e-5, keyDir } })).toThrow(
      /under DP they are never added one by one/,
    );
  });
});

/** A seeded Fisher–Yates shuffle. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
