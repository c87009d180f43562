/**
 * Distributed DP over real sockets: clients add discrete Gaussian shares under secure aggregation, so
 * the coordinator only ever holds a noised sum. The committed model carries noise of the planned
 * standard deviation (measured on zero updates, where a wrong σ, a missing share or a wrong divisor
 * would show), the ledger records 'gaussian-distributed' releases (before the round goes out) that
 * `auditLedger` accepts, and a round with fewer contributors than the noise needs is never unmasked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Coordinator, CoordinatorOptions, RunOutcome } from '@cohort/coordinator';
import { createClient, type FitOutcome, type FitTask, type Trainer } from '@cohort/client';
import { auditLedger, parseLedgerJsonl, publicKeyFromText } from '@cohort/privacy';
import { planDistributedDp } from '@cohort/privacy/mechanisms';
import { quiet, startCoordinator, syntheticData, tempDir, waitUntil } from '../helpers/federation';

const dataset = syntheticData(12);
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Zero updates (or a failure), so that the model's change is the decoded noise alone. */
class ZeroTrainer implements Trainer {
  constructor(private readonly fail = false) {}
  async fit(task: FitTask): Promise<FitOutcome> {
    if (this.fail) throw new Error('local training failed (test)');
    return { delta: task.weights.map((w) => new Float32Array(w.length)), numExamples: 1, metrics: { loss: 0, accuracy: 0 } };
  }
  async evaluate(): Promise<never> {
    throw new Error('no evaluation in this test');
  }
}

const Z = 1.5;
const CLIP = 1;

async function run(count: number, options: Partial<CoordinatorOptions> & { failing?: number }) {
  const { failing = 0, ...rest } = options;
  const dir = tempDir('cohort-ddp-');
  const { coordinator, url } = await startCoordinator(dataset, {
    rounds: 1,
    evalEvery: 0,
    roundTimeoutMs: 60_000,
    ledgerPath: join(dir, 'ledger.jsonl'),
    dp: { mode: 'distributed', clipNorm: CLIP, noiseMultiplier: Z, sampleRate: 1, delta: 1e-5, keyDir: join(dir, 'keys') },
    ...rest,
  });
  closers.push(() => coordinator.close());
  const clients = Array.from({ length: count }, (_, i) =>
    createClient({ serverUrl: url, clientId: `c${i}`, trainer: new ZeroTrainer(i < failing), logger: quiet }),
  );
  closers.push(() => Promise.all(clients.map((c) => c.close())));
  await waitUntil(() => (coordinator as unknown as { transport: { clients(): string[] } }).transport.clients().length === count);
  const before = weights(coordinator as Coordinator, join(dir, 'before'));
  const outcome: RunOutcome = await coordinator.runRounds();
  const after = weights(coordinator as Coordinator, join(dir, 'after'));
  const ledger = existsSync(join(dir, 'ledger.jsonl')) ? readFileSync(join(dir, 'ledger.jsonl'), 'utf8') : '';
  const publicKey = publicKeyFromText(readFileSync(join(dir, 'coordinator.pub'), 'utf8'));
  return { outcome, before, after, entries: ledger.trim() ? parseLedgerJsonl(ledger) : [], publicKey };
}

function weights(coordinator: Coordinator, dir: string): Float32Array {
  coordinator.saveModel(dir);
  const bytes = readFileSync(join(dir, 'weights.bin'));
  return Float32Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
}

describe('distributed DP', () => {
  it('commits a model whose noise has the planned standard deviation, and ledgers a release the auditor accepts', async () => {
    const n = 6;
    // 4 honest contributors carry the noise; one more (⌈0.1 × 6⌉) may collude: 5 of the 6 must contribute.
    const { outcome, before, after, entries, publicKey } = await run(n, { minClients: 4 });
    expect(outcome.status, outcome.reason).toBe('finished');
    // As the coordinator plans it: the noise for 4 contributors, the modulus for its 2,000 connections.
    const plan = planDistributedDp({
      modelLength: before.length,
      clipNorm: CLIP,
      noiseMultiplier: Z,
      minContributors: 4,
      maxContributors: 2000,
    });
    // Integer noise of variance n·σ² per coordinate, ×γ back to the update's units (the rotation keeps
    // iid noise iid), then the sum divided by the expected cohort q·N = n.
    const expected = (plan.granularity * Math.sqrt(n * plan.clientVariance)) / n;
    const change = after.map((w, i) => w - before[i]!);
    const mean = change.reduce((s, v) => s + v, 0) / change.length;
    const std = Math.sqrt(change.reduce((s, v) => s + (v - mean) ** 2, 0) / change.length);
    expect(change.length).toBeGreaterThan(400);
    expect(Math.abs(std / expected - 1)).toBeLessThan(0.1);
    expect(Math.abs(mean)).toBeLessThan((4 * expected) / Math.sqrt(change.length));

    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      mechanism: 'gaussian-distributed',
      sampleRate: 1,
      clipNorm: CLIP,
      population: n,
      expectedCohortSize: n,
    });
    expect(entries[0]!.noiseMultiplier).toBeLessThanOrEqual(Z);
    expect(entries[0]!.noiseMultiplier).toBeGreaterThan(0.9 * Z);
    expect(auditLedger(entries, { publicKey }).verdict).toBe('pass');
  }, 120_000);

  it('never unmasks a round with fewer contributors than the noise needs: nothing is committed, the release was accounted before it went out', async () => {
    const { outcome, before, after, entries } = await run(6, { minClients: 5, failing: 2 });
    expect(outcome.status).toBe('failed');
    // Under DP the reason says neither how many contributed nor who.
    expect(outcome.reason).toMatch(/the secure sum was not unmasked/);
    expect(outcome.reason).not.toMatch(/\d+ (masked inputs|of)|c\d/);
    expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer))).toBe(true);
    // Accounted at broadcast, as local DP is: a release the coordinator might have learnt is never missing.
    expect(entries.map((e) => [e.mechanism, e.round, e.attempt])).toEqual([['gaussian-distributed', 1, 1]]);
  }, 120_000);
});
