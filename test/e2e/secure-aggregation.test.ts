/**
 * Secure aggregation over real sockets: the coordinator runs advertise keys → share keys → masked
 * input → unmask with real clients, commits the mean of their (quantised) updates, survives clients
 * that drop out after sharing keys, fails a round below the threshold without committing anything,
 * and never has any client's update on the wire in the clear — the recorded traffic holds no 32-byte
 * block of any update.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Coordinator, CoordinatorOptions, RoundReport, RunOutcome } from '@cohort/coordinator';
import { createClient, type FitOutcome, type FitTask, type Trainer } from '@cohort/client';
import { generateDeviceIdentity } from '@cohort/privacy/identity';
import { encodeTensors } from '@cohort/protocol';
import { createRng } from '@cohort/simulations';
import { RawClient, quiet, startCoordinator, syntheticData, tempDir, waitUntil } from '../helpers/federation';
import { RecordingProxy } from '../helpers/recording-proxy';

const dataset = syntheticData(11);
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A fixed pseudo-random delta per (client, round); `fail` makes local training throw instead. */
class FixedDeltaTrainer implements Trainer {
  readonly sent: Float32Array[] = [];
  constructor(
    private readonly name: string,
    private readonly fail = false,
  ) {}
  async fit(task: FitTask): Promise<FitOutcome> {
    if (this.fail) throw new Error('local training failed (test)');
    const rng = createRng(3).fork(`${this.name}:${task.round}`);
    const delta = task.weights.map((w) => Float32Array.from({ length: w.length }, () => (rng.next() - 0.5) * 0.02));
    this.sent.push(Float32Array.from(delta.flatMap((d) => [...d])));
    return { delta, numExamples: 10, metrics: { loss: 1, accuracy: 0.5 } };
  }
  async evaluate(): Promise<never> {
    throw new Error('no evaluation in this test');
  }
}

async function federation(
  count: number,
  options: Partial<CoordinatorOptions> & { failing?: number; viaProxy?: boolean; silent?: number } = {},
): Promise<{
  outcome: RunOutcome;
  reports: RoundReport[];
  trainers: FixedDeltaTrainer[];
  before: Float32Array;
  after: Float32Array;
  traffic?: Buffer;
}> {
  const { failing = 0, viaProxy = false, silent = 0, ...coordinatorOptions } = options;
  const { coordinator, url, reports } = await startCoordinator(dataset, {
    rounds: 1,
    minClients: 2,
    evalEvery: 0,
    roundTimeoutMs: 20_000,
    maxRoundAttempts: 1,
    secureAggregation: { clipNorm: 10 },
    ...coordinatorOptions,
  });
  closers.push(() => coordinator.close());
  let dial = url;
  let proxy: RecordingProxy | undefined;
  if (viaProxy) {
    proxy = new RecordingProxy(Number(new URL(url).port));
    closers.push(() => proxy!.close());
    dial = `http://127.0.0.1:${await proxy.listen()}`;
  }
  const trainers = Array.from({ length: count }, (_, i) => new FixedDeltaTrainer(`c${i}`, i < failing));
  const clients = trainers.map((trainer, i) =>
    createClient({ serverUrl: dial, identity: generateDeviceIdentity(`c${i}`), trainer, logger: quiet }),
  );
  closers.push(() => Promise.all(clients.map((c) => c.close())));
  // Clients that join and then never answer a stage request (a hung device).
  const mute = Array.from({ length: silent }, (_, i) => new RawClient(url, `mute-${i}`, () => undefined));
  closers.push(() => mute.forEach((m) => m.close()));
  const dir = tempDir();
  const before = weights(coordinator as Coordinator, join(dir, 'before'));
  // Every client registered (key proved) before the round is drawn.
  await waitUntil(() => (coordinator as unknown as { transport: { clients(): string[] } }).transport.clients().length === count + silent);
  const outcome = await coordinator.runRounds();
  const after = weights(coordinator as Coordinator, join(dir, 'after'));
  return { outcome, reports, trainers, before, after, ...(proxy ? { traffic: proxy.captured() } : {}) };
}

function weights(coordinator: Coordinator, dir: string): Float32Array {
  coordinator.saveModel(dir);
  const bytes = readFileSync(join(dir, 'weights.bin'));
  return Float32Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
}

/** The largest distance between the model's change and the plain mean of `deltas`. */
function offMean(before: Float32Array, after: Float32Array, deltas: Float32Array[]): number {
  let worst = 0;
  for (let i = 0; i < before.length; i++) {
    const mean = deltas.reduce((s, d) => s + d[i]!, 0) / deltas.length;
    worst = Math.max(worst, Math.abs(after[i]! - before[i]! - mean));
  }
  return worst;
}

describe('secure aggregation', () => {
  it('commits the mean of the clients’ updates, learning only their sum; each stage timed and counted', async () => {
    const { outcome, reports, trainers, before, after } = await federation(6);
    expect(outcome.status, outcome.reason).toBe('finished');
    // Quantisation (scale ≈ 2^31 / (6·10)) is far finer than float32 at these magnitudes.
    expect(
      offMean(
        before,
        after,
        trainers.map((t) => t.sent[0]!),
      ),
    ).toBeLessThan(1e-6);
    const report = reports[reports.length - 1]!;
    expect(report.participation?.participants).toBe(6);
    expect(Object.keys(report.participation?.secureAggregation ?? {})).toEqual(['advertise', 'share-keys', 'masked-input', 'unmask']);
  }, 90_000);

  it('survives clients that drop out after sharing keys, and names them as failures', async () => {
    const { outcome, reports, trainers, before, after } = await federation(8, { failing: 2 });
    expect(outcome.status, outcome.reason).toBe('finished');
    const report = reports[reports.length - 1]!;
    expect(report.participation?.participants).toBe(6);
    expect(report.participation?.failures.map((f) => f.clientId).sort()).toEqual(['c0', 'c1']);
    expect(
      offMean(
        before,
        after,
        trainers.slice(2).map((t) => t.sent[0]!),
      ),
    ).toBeLessThan(1e-6);
  }, 90_000);

  it('goes on without a client that never answers: each quick stage has its own timeout', async () => {
    const { outcome, reports, trainers, before, after } = await federation(5, {
      silent: 1,
      roundTimeoutMs: 30_000,
      secureAggregation: { clipNorm: 10, stageTimeoutMs: 1500 },
    });
    expect(outcome.status, outcome.reason).toBe('finished');
    const report = reports[reports.length - 1]!;
    expect(report.participation?.participants).toBe(5);
    expect(report.participation?.failures).toEqual([expect.objectContaining({ clientId: 'mute-0', kind: 'timeout' })]);
    expect(
      offMean(
        before,
        after,
        trainers.map((t) => t.sent[0]!),
      ),
    ).toBeLessThan(1e-6);
  }, 90_000);

  it('fails the round below the threshold, committing nothing', async () => {
    const { outcome, before, after } = await federation(5, { failing: 4, minClients: 1 });
    expect(outcome.status).toBe('failed');
    expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer))).toBe(true);
  }, 90_000);

  it('puts no client update on the wire in the clear (that a masked input is uniform is tested in test/privacy)', async () => {
    const { outcome, trainers, traffic } = await federation(4, { viaProxy: true });
    expect(outcome.status, outcome.reason).toBe('finished');
    const leaks = (payload: Uint8Array) => {
      for (let offset = 0; offset + 32 <= payload.length; offset += 32)
        if (traffic!.includes(Buffer.from(payload.buffer, payload.byteOffset + offset, 32))) return true;
      return false;
    };
    for (const t of trainers) {
      const update = t.sent[0]!;
      expect(leaks(encodeTensors([{ name: 'u', shape: [update.length], data: update }]).payload)).toBe(false);
    }
  }, 90_000);
});
