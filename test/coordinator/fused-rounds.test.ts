/**
 * Fused rounds through the in-memory transport: the evaluation after round r rides on round r + 1's
 * download, so each contacted client is sent the model once per round, and the reports still come
 * one per round, in order, each with the evaluation of its own model.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Coordinator, MemoryTransport, Store, type CoordinatorOptions, type RoundReport } from '@cohort/coordinator';
import { PROTOCOL_VERSION, decodeTensors, encodeTensors, manifestOf, type RoundStart } from '@cohort/protocol';

const quiet = pino({ level: 'silent' });
const model = { topology: { name: 'tiny' }, weights: [{ name: 'w', shape: [2], data: new Float32Array(2) }], numClasses: 2 };
const specs = [{ name: 'w', shape: [2], dtype: 'float32' as const }];

/** What a client's evaluation reports: `correct` right answers out of 4, so that accuracy tells whose model it saw. */
function counts(correct: number) {
  return { numExamples: 4, lossSum: 1, confusion: [correct, 4 - correct, 0, 0] };
}

/** The first weight of the model a task carries: each round adds 1, so it names the model's round. */
function modelRound(start: RoundStart): number {
  return decodeTensors(manifestOf(specs), start.payload, { maxBytes: 64, maxTensors: 1, expected: specs })[0]!.data[0]!;
}

interface Behaviour {
  /** What goes in the update's `evaluation` when the task asks for one (default: honest counts). */
  fused?: (start: RoundStart) => Record<string, unknown> | undefined;
  /** Whether the client answers this fit task at all. */
  answers?: (start: RoundStart) => boolean;
  /** The update's two values (default: +1 each). */
  update?: (start: RoundStart) => Float32Array;
}

/**
 * A client in the test. Its evaluation scores the model it saw (round k model: k correct of 4), so a
 * report's accuracy shows which model was evaluated; its update moves each weight by +1.
 */
function memoryClient(transport: MemoryTransport, clientId: string, behaviour: Behaviour = {}) {
  const starts: RoundStart[] = [];
  const acks: Promise<{ ok: boolean; code?: string }>[] = [];
  transport.connect(clientId, (message) => {
    if (message.event !== 'round:start') return;
    const start = message.message;
    starts.push(start);
    queueMicrotask(() => {
      const binding = { protocolVersion: PROTOCOL_VERSION, runId: start.runId, round: start.round, clientId };
      const seen = Math.max(0, Math.min(4, Math.round(modelRound(start))));
      if (start.task === 'evaluate') {
        acks.push(transport.send(clientId, 'round:evaluation', { ...binding, ...counts(seen) }));
        return;
      }
      if (behaviour.answers && !behaviour.answers(start)) return;
      const data = behaviour.update ? behaviour.update(start) : Float32Array.of(1, 1);
      const { manifest, payload } = encodeTensors([{ name: 'w', shape: [2], data }]);
      const evaluation = start.evaluate ? (behaviour.fused ? behaviour.fused(start) : counts(seen)) : undefined;
      const update = { ...binding, numExamples: 1, manifest, payload, ...(evaluation ? { evaluation } : {}) };
      acks.push(transport.send(clientId, 'round:update', update));
    });
  });
  return { clientId, starts, acks };
}

describe('fused rounds', () => {
  let coordinator: Coordinator | undefined;
  afterEach(async () => coordinator?.close());

  async function start(options: Partial<CoordinatorOptions>, transport: MemoryTransport) {
    coordinator = new Coordinator({
      rounds: 3,
      minClients: 2,
      evalEvery: 1,
      roundTimeoutMs: 2_000,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath: ':memory:',
      model,
      logger: quiet,
      transport,
      ...options,
    });
    await coordinator.start();
    const reports: RoundReport[] = [];
    const stages: string[] = [];
    coordinator.on('round', (r) => reports.push(r));
    coordinator.on('stage', (s) => stages.push(`${s.round}:${s.stage}`));
    return { c: coordinator, reports, stages };
  }

  it('sends each contacted client one model per round; evaluate-only tasks go to the evaluated clients that do not train', async () => {
    const transport = new MemoryTransport();
    const clients = ['a', 'b', 'c', 'd'].map((id) => memoryClient(transport, id));
    // Half the clients train each round; every client evaluates.
    const { c, reports, stages } = await start({ fraction: 0.5 }, transport);
    expect((await c.runRounds()).status).toBe('finished');

    for (const client of clients) {
      // Rounds 1–3 carry the evaluations of models 0–2; round 3's own evaluation has a round of its own.
      const perRound = [1, 2, 3].map((round) =>
        client.starts.filter((s) => (s.task === 'fit' && s.round === round) || (s.task === 'evaluate' && s.round === round - 1)),
      );
      expect(perRound.map((tasks) => tasks.length)).toEqual([1, 1, 1]);
      for (const [k, [task]] of perRound.entries()) {
        expect(modelRound(task!)).toBe(k); // the model sent with round k + 1 is the model of round k
        if (task!.task === 'fit') expect(task!.evaluate).toBe(true);
      }
      expect(client.starts.filter((s) => s.task === 'evaluate' && s.round === 3)).toHaveLength(1);
      expect((await Promise.all(client.acks)).every((a) => a.ok)).toBe(true);
    }
    // One report per round, in order, each with the evaluation of its own model (k correct of 4 for model k).
    expect(reports.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect(reports.map((r) => r.evaluation?.accuracy)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(reports.every((r) => r.evaluation?.examples === 16)).toBe(true);
    expect(reports.slice(1).map((r) => r.participation?.participants)).toEqual([2, 2, 2]);
    expect(stages).toEqual([
      ...[1, 2, 3].flatMap((r) => ['sample', 'broadcast', 'collect', 'aggregate', 'commit'].map((s) => `${r}:${s}`)),
      '3:evaluate',
    ]);
  });

  it('counts the update of a client whose fused evaluation failed or was malformed, and records that evaluation as failed', async () => {
    const transport = new MemoryTransport();
    memoryClient(transport, 'honest');
    const broken = memoryClient(transport, 'broken', { fused: () => ({ error: 'out of memory while evaluating' }) });
    const malformed = memoryClient(transport, 'malformed', { fused: () => ({ numExamples: 4, lossSum: 1, confusion: [4] }) });
    const silent = memoryClient(transport, 'silent', { fused: () => undefined });
    const dir = mkdtempSync(join(tmpdir(), 'fused-'));
    const { c, reports } = await start({ rounds: 2, dbPath: join(dir, 'state.db') }, transport);
    const outcome = await c.runRounds();
    expect(outcome.status).toBe('finished');
    for (const client of [broken, malformed, silent]) expect((await Promise.all(client.acks)).every((a) => a.ok)).toBe(true);
    expect(reports.slice(1).map((r) => r.participation?.participants)).toEqual([4, 4]);
    // Models 0 and 1 were evaluated by the honest client alone; model 2 (the final one) by all four, separately.
    expect(reports.map((r) => r.evaluation?.examples)).toEqual([4, 4, 16]);
    await c.close();
    const store = new Store(join(dir, 'state.db'));
    const failures = store.evaluation(outcome.runId, 0)!.failures.map((f) => [f.clientId, f.kind]);
    expect(failures).toEqual([
      ['broken', 'client-error'],
      ['malformed', 'rejected'],
      ['silent', 'rejected'],
    ]);
    store.close();
  });

  it('refuses an update with a NaN when the aggregate adds it — verdict, failure and the evaluation it carried — and the round goes on', async () => {
    const transport = new MemoryTransport();
    for (const id of ['a', 'b']) memoryClient(transport, id);
    const poisoned = memoryClient(transport, 'c', {
      update: (s) => (s.round === 2 ? Float32Array.of(1, Number.NaN) : Float32Array.of(1, 1)),
    });
    const dir = mkdtempSync(join(tmpdir(), 'fused-'));
    const { c, reports } = await start({ rounds: 2, dbPath: join(dir, 'state.db') }, transport);
    const outcome = await c.runRounds();
    expect(outcome.status).toBe('finished');
    const reason = 'tensor w has a non-finite value at index 1';
    expect(await Promise.all(poisoned.acks)).toEqual([{ ok: true }, { ok: false, code: 'NON_FINITE', message: reason }, { ok: true }]);
    expect(reports[2]!.participation).toMatchObject({
      participants: 2,
      failures: [{ clientId: 'c', kind: 'rejected', reason: `NON_FINITE: ${reason}` }],
    });
    await c.close();
    const store = new Store(join(dir, 'state.db'));
    // Round 2 carried model 1's evaluation: the refused update's share of it is refused too.
    expect(store.evaluation(outcome.runId, 1)!.failures).toEqual([{ clientId: 'c', kind: 'rejected', reason: `NON_FINITE: ${reason}` }]);
    expect(store.evaluation(outcome.runId, 1)!.participants).toEqual(['a', 'b']);
    store.close();
  });

  it('settles the fused evaluation on the first attempt of a round that is tried again, and asks for it only once', async () => {
    const transport = new MemoryTransport();
    let tries = 0;
    const steady = memoryClient(transport, 'steady');
    // Fails round 1's first attempt (minClients 2), answers everything after.
    const late = memoryClient(transport, 'late', { answers: (s) => s.round !== 1 || ++tries > 1 });
    const { c, reports } = await start({ rounds: 1, roundTimeoutMs: 200, maxRoundAttempts: 2 }, transport);
    expect((await c.runRounds()).status).toBe('finished');
    const roundOne = (client: typeof steady) => client.starts.filter((s) => s.task === 'fit' && s.round === 1).map((s) => s.evaluate);
    expect(roundOne(steady)).toEqual([true, undefined]);
    expect(roundOne(late)).toEqual([true, undefined]);
    // Model 0's evaluation came from the client that answered the first attempt.
    expect(reports.map((r) => [r.round, r.evaluation?.examples])).toEqual([
      [0, 4],
      [1, 8],
    ]);
  });

  it('after a stop between a commit and the next round, a restart still evaluates the last committed model and reports its round', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fused-'));
    const dbPath = join(dir, 'state.db');
    const first = new MemoryTransport();
    // Round 2 never completes: the coordinator is stopped with model 1 committed and not yet evaluated.
    for (const id of ['a', 'b']) memoryClient(first, id, { answers: (s) => s.round === 1 });
    const before = await start({ dbPath, roundTimeoutMs: 60_000 }, first);
    const running = before.c.runRounds();
    while (before.reports.length < 1 || !before.stages.includes('2:collect')) await new Promise((r) => setTimeout(r, 5));
    await before.c.close();
    expect((await running).status).toBe('stopped');
    expect(before.reports.map((r) => r.round)).toEqual([0]);

    const second = new MemoryTransport();
    for (const id of ['a', 'b']) memoryClient(second, id);
    const after = await start({ dbPath }, second);
    const outcome = await after.c.runRounds();
    expect(outcome.status).toBe('finished');
    expect(after.reports.map((r) => [r.round, r.evaluation?.accuracy])).toEqual([
      [1, 0.25],
      [2, 0.5],
      [3, 0.75],
    ]);
    expect(after.reports[0]!.participation?.participants).toBe(2); // rebuilt from the committed round's row
    await after.c.close();
    const store = new Store(dbPath);
    expect(store.evaluations(outcome.runId).map((e) => e.round)).toEqual([0, 1, 2, 3]);
    store.close();
  });

  it('keeps evaluation rounds of their own under DP: no fit task asks for an evaluation', async () => {
    const transport = new MemoryTransport();
    const clients = ['a', 'b', 'c'].map((id) => memoryClient(transport, id));
    const keyDir = join(mkdtempSync(join(tmpdir(), 'fused-')), 'keys');
    const dp = { mode: 'central' as const, clipNorm: 10, noiseMultiplier: 1, sampleRate: 1, delta: 1e-5, keyDir };
    const { c, reports } = await start({ rounds: 2, dp }, transport);
    expect((await c.runRounds()).status).toBe('finished');
    for (const client of clients) {
      expect(client.starts.some((s) => s.evaluate)).toBe(false);
      expect(client.starts.filter((s) => s.task === 'evaluate').map((s) => s.round)).toEqual([0, 1, 2]);
    }
    expect(reports.map((r) => r.round)).toEqual([0, 1, 2]);
  });
});
