import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  CentralDp,
  Coordinator,
  CoordinatorError,
  FedAdam,
  FedAvg,
  FedYogi,
  MemoryTransport,
  Store,
  adamSecondMoment,
  fedOptStep,
  resolveStrategy,
  type CoordinatorOptions,
  type FitResult,
  type Strategy,
} from '@cohort/coordinator';
import { createGaussianSource } from '@cohort/privacy';
import { PROTOCOL_VERSION, encodeTensors, type RoundStart } from '@cohort/protocol';

const quiet = pino({ level: 'silent' });
const SIZE = 3;
const model = { topology: { name: 'tiny' }, weights: [{ name: 'w', shape: [SIZE], data: new Float32Array(SIZE) }], numClasses: 2 };
const adam = () => new FedAdam({ serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3, minFitClients: 2 });

/** A client's delta in `round`: it changes sign and size from round to round, so the moments matter. */
function deltaOf(clientId: string, round: number): Float32Array {
  const scale = clientId === 'a' ? 1 : -0.25;
  return Float32Array.from({ length: SIZE }, (_, i) => scale * Math.sin(round * 1.7 + i) * (1 + i));
}

/** Memory clients that answer every fit round with deltaOf. */
function connectClients(transport: MemoryTransport): void {
  for (const clientId of ['a', 'b']) {
    transport.connect(clientId, (message) => {
      if (message.event !== 'round:start' || message.message.task !== 'fit') return;
      const start = message.message as RoundStart;
      const { manifest, payload } = encodeTensors([{ name: 'w', shape: [SIZE], data: deltaOf(clientId, start.round) }]);
      queueMicrotask(() =>
        transport.send(clientId, 'round:update', {
          protocolVersion: PROTOCOL_VERSION,
          runId: start.runId,
          round: start.round,
          clientId,
          numExamples: clientId === 'a' ? 3 : 1,
          manifest,
          payload,
        }),
      );
    });
  }
}

describe('server optimiser state', () => {
  const open: Coordinator[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  async function start(dbPath: string, strategy: Strategy, extra: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
    const transport = new MemoryTransport();
    connectClients(transport);
    const coordinator = new Coordinator({
      rounds: 4,
      minClients: 2,
      evalEvery: 0,
      roundTimeoutMs: 5_000,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath,
      model,
      logger: quiet,
      transport,
      strategy,
      ...extra,
    });
    open.push(coordinator);
    await coordinator.start();
    return coordinator;
  }

  function finalWeights(coordinator: Coordinator): number[] {
    const dir = mkdtempSync(join(tmpdir(), 'server-opt-'));
    coordinator.saveModel(dir);
    const bytes = readFileSync(join(dir, 'weights.bin'));
    return [...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)];
  }

  it('a coordinator restarted after round 2 of 4 ends with exactly the model of an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'server-opt-'));
    const straight = await start(join(dir, 'straight.db'), adam());
    expect(await straight.runRounds()).toMatchObject({ status: 'finished', lastRound: 4 });
    const expected = finalWeights(straight);

    const first = await start(join(dir, 'restarted.db'), adam());
    first.on('round', (report) => {
      if (report.round === 2) void first.close();
    });
    expect(await first.runRounds()).toMatchObject({ status: 'stopped', lastRound: 2 });
    await first.close();
    const resumed = await start(join(dir, 'restarted.db'), adam());
    expect(await resumed.runRounds()).toMatchObject({ status: 'finished', lastRound: 4 });
    expect(finalWeights(resumed)).toEqual(expected);

    // The moments are what carried over: the same four rounds with them reset after round 2 end elsewhere.
    const forgetful = await start(join(dir, 'forgetful.db'), adam());
    forgetful.on('round', (report) => {
      if (report.round === 2) void forgetful.close();
    });
    await forgetful.runRounds();
    await forgetful.close();
    const fresh = adam();
    fresh.loadState = () => undefined;
    const reset = await start(join(dir, 'forgetful.db'), fresh);
    await reset.runRounds();
    expect(finalWeights(reset)).not.toEqual(expected);
  });

  it('refuses to resume a run with another optimiser’s moments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'server-opt-'));
    const first = await start(join(dir, 'state.db'), adam());
    first.on('round', (report) => {
      if (report.round === 1) void first.close();
    });
    await first.runRounds();
    await first.close();
    const yogi = new FedYogi({ minFitClients: 2 });
    await expect(start(join(dir, 'state.db'), yogi)).rejects.toMatchObject({
      code: 'SETTINGS_MISMATCH',
      message: expect.stringMatching(/saved by FedAdam, not FedYogi/),
    });
  });

  it('rejects a damaged state and moments of another model’s shape', () => {
    const trained = adam();
    trained.aggregateFit(1, [{ clientId: 'a', numExamples: 1, delta: [Float32Array.of(1, 2, 3)] }], [], [new Float32Array(3)]);
    const saved = JSON.parse(JSON.stringify(trained.saveState())) as { moments: { v: string[] } };
    const damaged = structuredClone(saved);
    damaged.moments.v = ['AAA'];
    expect(() => adam().loadState(damaged)).toThrow(CoordinatorError);
    const restored = adam();
    restored.loadState(saved);
    expect(() =>
      restored.aggregateFit(2, [{ clientId: 'a', numExamples: 1, delta: [Float32Array.of(1, 2)] }], [], [new Float32Array(2)]),
    ).toThrow(/does not have the model's shape/);
  });
});

describe('server optimisers under secure aggregation', () => {
  const build = (strategy: Strategy) => () =>
    new Coordinator({
      rounds: 1,
      minClients: 2,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath: join(mkdtempSync(join(tmpdir(), 'server-opt-')), 'state.db'),
      model,
      logger: quiet,
      secureAggregation: {},
      strategy,
    });

  it('accepts a server optimiser, which needs only the mean, and refuses a rule that needs each update', () => {
    expect(build(adam())).not.toThrow();
    expect(build(resolveStrategy({ strategy: 'median' }, { fraction: 1, minClients: 3, seed: 0, dp: false }))).toThrow(
      /secure aggregation works with FedAvg and the server optimisers only/,
    );
    expect(build(new FedAdam({ maxExamples: 10 }))).toThrow(/maxExamples and clipNorm bound each update/);
  });
});

describe('server optimisers under central DP', () => {
  const results: FitResult[] = ['a', 'b', 'c'].map((clientId, k) => ({
    clientId,
    numExamples: 10 * (k + 1),
    delta: [Float32Array.from({ length: 4 }, (_, i) => (i - k) * 0.3)],
  }));
  const central = (inner: Strategy) =>
    new CentralDp(inner, { clipNorm: 1, noiseMultiplier: 0.5, sampleRate: 1, random: createGaussianSource({ seed: 'server-opt' }) });

  it('steps on the wrapper’s noisy mean, the release unchanged: post-processing of the same release', () => {
    const population = ['a', 'b', 'c'];
    const global = [Float32Array.of(0.5, -0.5, 0, 1)];
    const averaged = central(new FedAvg());
    averaged.configureFit(1, population);
    const plain = averaged.aggregateFit(1, results, [], global);
    const adaptive = central(adam());
    adaptive.configureFit(1, population);
    const stepped = adaptive.aggregateFit(1, results, [], global);
    expect(stepped.release).toEqual(plain.release);
    // FedAvg's model minus the global is the noisy mean Δ̃ (to float32 rounding); FedAdam's first step on it:
    const noisyMean = Float32Array.from(plain.weights[0]!, (w, i) => w - global[0]![i]!);
    const settings = { learningRate: 0.1, beta1: 0.9, tau: 1e-3 };
    const expected = fedOptStep(global[0]!, new Float32Array(4), new Float32Array(4).fill(1e-6), noisyMean, settings, (v, d2) =>
      adamSecondMoment(v, d2, 0.99),
    );
    [...stepped.weights[0]!].forEach((w, i) => expect(w).toBeCloseTo(expected.weights[i]!, 4));
    expect(stepped.weights[0]).not.toEqual(plain.weights[0]);
    // The wrapper hides the clients' training metrics whatever the inner strategy.
    expect(stepped.trainLoss).toBeNull();
  });

  it('saves the optimiser’s moments with the wrapper’s clip, so that a restart under DP resumes them', () => {
    const population = ['a', 'b', 'c'];
    const global = [Float32Array.of(0.5, -0.5, 0, 1)];
    const first = central(adam());
    first.configureFit(1, population);
    const stepped = first.aggregateFit(1, results, [], global);
    const saved = JSON.parse(JSON.stringify(first.saveState())) as { clipNorm: number; inner?: unknown };
    expect(saved.clipNorm).toBe(1);
    expect(saved.inner).toBeDefined();
    // The round-2 step of a restarted wrapper equals the uninterrupted one's, and differs without the moments.
    const next = [stepped.weights[0]!];
    const restarted = central(adam());
    restarted.loadState(saved);
    const forgetful = central(adam());
    forgetful.loadState({ clipNorm: saved.clipNorm });
    const step = (s: Strategy) => {
      s.configureFit(2, population);
      return s.applyDelta(2, [Float32Array.of(0.1, 0.2, -0.1, 0)], next)[0];
    };
    expect(step(restarted)).toEqual(step(first));
    expect(step(forgetful)).not.toEqual(step(first));
  });

  it('runs a coordinator under dp: central with the strategy resolveStrategy builds, each round released once', async () => {
    const transport = new MemoryTransport();
    connectClients(transport);
    const dir = mkdtempSync(join(tmpdir(), 'server-opt-'));
    const dp = { mode: 'central' as const, clipNorm: 1, noiseMultiplier: 1, sampleRate: 1, delta: 1e-5, keyDir: join(dir, 'keys') };
    const coordinator = new Coordinator({
      rounds: 3,
      minClients: 2,
      evalEvery: 0,
      roundTimeoutMs: 5_000,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath: join(dir, 'state.db'),
      model,
      logger: quiet,
      transport,
      dp,
      strategy: resolveStrategy({ strategy: 'fedyogi', tau: 1e-3 }, { fraction: 1, minClients: 2, seed: 0, dp: true }),
    });
    try {
      await coordinator.start();
      expect(await coordinator.runRounds()).toMatchObject({ status: 'finished', lastRound: 3 });
    } finally {
      await coordinator.close();
    }
    const store = new Store(join(dir, 'state.db'));
    try {
      expect(store.ledger()).toHaveLength(3);
    } finally {
      store.close();
    }
  });
});
