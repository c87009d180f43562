import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Coordinator, MemoryTransport, Store, type CoordinatorOptions, type MemoryMessage } from '@cohort/coordinator';
import { PROTOCOL_VERSION, encodeTensors, type Ack, type RoundStart } from '@cohort/protocol';
import { RdpAccountant } from '@cohort/privacy';

const quiet = pino({ level: 'silent' });
const model = { topology: { name: 'tiny' }, weights: [{ name: 'w', shape: [2], data: new Float32Array(2) }], numClasses: 2 };

/** How a memory client answers a fit round: an update, another message, or nothing. */
type Answer = (start: RoundStart) => Record<string, unknown> | undefined;

function update(start: RoundStart, clientId: string, value: number, numExamples = 1, round = start.round): Record<string, unknown> {
  const { manifest, payload } = encodeTensors([{ name: 'w', shape: [2], data: Float32Array.of(value, value) }]);
  return { protocolVersion: PROTOCOL_VERSION, runId: start.runId, round, clientId, numExamples, manifest, payload };
}

/** A client living in the test: it records what it is sent and the coordinator's acks. */
function memoryClient(transport: MemoryTransport, clientId: string, answer: Answer) {
  const seen: MemoryMessage[] = [];
  const acks: Promise<Ack>[] = [];
  transport.connect(clientId, (message) => {
    seen.push(message);
    if (message.event !== 'round:start' || message.message.task !== 'fit') return;
    const start = message.message;
    queueMicrotask(() => {
      const reply = answer(start);
      if (reply) acks.push(transport.send(clientId, 'round:update', reply));
    });
  });
  return {
    clientId,
    seen,
    acks,
    ended: () => seen.filter((m) => m.event === 'run:end').map((m) => (m.message as { reason: string }).reason),
  };
}

describe('the round engine, driven through an in-memory transport', () => {
  let coordinator: Coordinator | undefined;
  afterEach(async () => coordinator?.close());

  async function start(options: Partial<CoordinatorOptions>, transport: MemoryTransport) {
    coordinator = new Coordinator({
      rounds: 1,
      minClients: 2,
      evalEvery: 0,
      roundTimeoutMs: 1_000,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath: ':memory:',
      model,
      logger: quiet,
      transport,
      ...options,
    });
    expect(await coordinator.start()).toBe('memory://coordinator');
    return coordinator;
  }

  it('runs FedAvg rounds: the example-weighted mean of the deltas is applied, and every client hears run:end', async () => {
    const transport = new MemoryTransport();
    const a = memoryClient(transport, 'a', (s) => update(s, 'a', 1, 1));
    const b = memoryClient(transport, 'b', (s) => update(s, 'b', 3, 3));
    const c = await start({ rounds: 2 }, transport);
    const outcome = await c.runRounds();
    expect(outcome).toMatchObject({ status: 'finished', lastRound: 2 });
    // Round 1: (1·1 + 3·3) / 4 = 2.5 on each weight; round 2 adds the same again.
    const dir = mkdtempSync(join(tmpdir(), 'engine-'));
    c.saveModel(dir);
    const bytes = readFileSync(join(dir, 'weights.bin'));
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)]).toEqual([5, 5]);
    expect(await Promise.all(a.acks)).toEqual([{ ok: true }, { ok: true }]);
    expect(b.ended()).toEqual(['completed 2 rounds']);
    expect(a.ended()).toEqual(['completed 2 rounds']);
    expect(a.seen.filter((m) => m.event === 'round:end').map((m) => (m.message as { round: number }).round)).toEqual([1, 2]);
  });

  it('tries a round again when too few clients answer, then fails the run and still tells every client', async () => {
    const transport = new MemoryTransport();
    const speaker = memoryClient(transport, 'speaker', (s) => update(s, 'speaker', 1));
    const silent = memoryClient(transport, 'silent', () => undefined);
    const c = await start({ roundTimeoutMs: 30, maxRoundAttempts: 3 }, transport);
    const outcome = await c.runRounds();
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toBe('round 1 failed 3 times: fewer than 2 clients answered');
    expect(await Promise.all(speaker.acks)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(silent.ended()).toEqual([outcome.reason]);
  });

  it('refuses a duplicate and a late answer with their codes, without failing the round they arrive in', async () => {
    const transport = new MemoryTransport();
    const early: Promise<Ack>[] = [];
    const honest = memoryClient(transport, 'honest', (s) => update(s, 'honest', 1));
    // Round 1: answers, then answers again (a duplicate). Round 2: first re-sends a round-1 answer (late), then answers.
    const twice = memoryClient(transport, 'twice', (s) => {
      early.push(transport.send('twice', 'round:update', update(s, 'twice', 1, 1, 1)));
      return update(s, 'twice', 1);
    });
    const c = await start({ rounds: 2 }, transport);
    const reports: number[] = [];
    c.on('round', (r) => reports.push(r.participation!.participants));
    expect((await c.runRounds()).status).toBe('finished');
    expect(reports).toEqual([2, 2]);
    const codes = async (acks: Promise<Ack>[]) => (await Promise.all(acks)).map((a) => (a.ok ? 'ok' : a.code));
    expect(await codes(early)).toEqual(['ok', 'WRONG_ROUND']);
    expect(await codes(twice.acks)).toEqual(['DUPLICATE', 'ok']);
    expect((await Promise.all(honest.acks)).every((a) => a.ok)).toBe(true);
  });

  it('stops at the privacy budget before the round that would cross it, tells every client, and signs the final head', async () => {
    const transport = new MemoryTransport();
    const clients = ['a', 'b', 'c'].map((id) => memoryClient(transport, id, (s) => update(s, id, 0)));
    const keyDir = join(mkdtempSync(join(tmpdir(), 'engine-')), 'keys');
    const dp = { mode: 'central' as const, clipNorm: 1, noiseMultiplier: 3, sampleRate: 1, delta: 1e-5, budgetEpsilon: 2, keyDir };
    const c = await start({ rounds: 100, dp }, transport);
    const outcome = await c.runRounds();
    expect(outcome.status).toBe('budget-exhausted');
    let fits = 0;
    const rdp = new RdpAccountant();
    while (rdp.step({ noiseMultiplier: 3, sampleRate: 1 }, 1).getEpsilon(1e-5) <= 2) fits++;
    expect(outcome.lastRound).toBe(fits);
    for (const client of clients) expect(client.ended()).toEqual([outcome.reason]);
  });

  it('says the budget ran out before round 1 when a resumed run cannot fit its first round (clients map the prefix to exit code 4)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-'));
    const rdp = new RdpAccountant();
    const once = rdp.step({ noiseMultiplier: 2, sampleRate: 1 }, 1).getEpsilon(1e-5);
    const twice = rdp.step({ noiseMultiplier: 2, sampleRate: 1 }, 1).getEpsilon(1e-5);
    const dp = {
      mode: 'local' as const,
      clipNorm: 1,
      noiseMultiplier: 2,
      sampleRate: 1,
      delta: 1e-5,
      budgetEpsilon: (once + twice) / 2,
      keyDir: join(dir, 'keys'),
    };
    const options = { rounds: 3, dp, dbPath: join(dir, 'state.db'), roundTimeoutMs: 60_000 };
    // Round 1's local-DP release is accounted when it is broadcast; the coordinator stops before it commits.
    const first = new MemoryTransport();
    for (const id of ['a', 'b']) memoryClient(first, id, () => undefined);
    const stopped = await start(options, first);
    const running = stopped.runRounds();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stopped.close();
    expect((await running).status).toBe('stopped');
    const second = new MemoryTransport();
    const clients = ['a', 'b'].map((id) => memoryClient(second, id, () => undefined));
    const outcome = await (await start(options, second)).runRounds();
    expect(outcome).toMatchObject({ status: 'budget-exhausted', lastRound: 0 });
    expect(outcome.reason).toMatch(/^privacy budget exhausted before round 1: /);
    for (const client of clients) expect(client.ended()).toEqual([outcome.reason]);
  });

  it('keeps a release that was accounted before its round was broadcast (local DP) when the coordinator stops mid-round', async () => {
    const transport = new MemoryTransport();
    const dir = mkdtempSync(join(tmpdir(), 'engine-'));
    memoryClient(transport, 'a', () => undefined);
    memoryClient(transport, 'b', () => undefined);
    const dp = { mode: 'local' as const, clipNorm: 1, noiseMultiplier: 2, sampleRate: 1, delta: 1e-5, keyDir: join(dir, 'keys') };
    const c = await start({ rounds: 3, dp, dbPath: join(dir, 'state.db'), roundTimeoutMs: 60_000 }, transport);
    const running = c.runRounds();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await c.close();
    expect((await running).status).toBe('stopped');
    const store = new Store(join(dir, 'state.db'));
    expect(store.ledger().map((e) => [e.round, e.attempt, e.mechanism])).toEqual([[1, 1, 'gaussian-local']]);
    store.close();
  });

  it('never commits a non-finite or absurd aggregate: the attempt fails, is tried again, and the run ends with the reason', async () => {
    const transport = new MemoryTransport();
    memoryClient(transport, 'honest', (s) => update(s, 'honest', 0.5));
    const poisoner = memoryClient(transport, 'poisoner', (s) => update(s, 'poisoner', 1e38));
    const dir = mkdtempSync(join(tmpdir(), 'engine-'));
    const c = await start({ dbPath: join(dir, 'state.db'), maxRoundAttempts: 2 }, transport);
    const outcome = await c.runRounds();
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(
      /^round 1 failed 2 times: the aggregate was not committed \(tensor 0 has a weight of [\d.e+]+ at index 0, beyond ±1000000\)$/,
    );
    expect(poisoner.ended()).toEqual([outcome.reason]);
    await c.close();
    const store = new Store(join(dir, 'state.db'));
    expect([...store.checkpoints(outcome.runId)].map((k) => k.round)).toEqual([0]);
    store.close();
  });

  it('without DP, a client whose last three rounds failed sits out three rounds, then is asked again', async () => {
    const transport = new MemoryTransport();
    memoryClient(transport, 'a', (s) => update(s, 'a', 0));
    memoryClient(transport, 'b', (s) => update(s, 'b', 0));
    const flaky = memoryClient(transport, 'flaky', () => undefined);
    const c = await start({ rounds: 8, roundTimeoutMs: 20 }, transport);
    expect((await c.runRounds()).status).toBe('finished');
    const asked = flaky.seen.filter((m) => m.event === 'round:start').map((m) => (m.message as RoundStart).round);
    expect(asked).toEqual([1, 2, 3, 7]);
  });

  it('commits the same model whatever order the updates arrive in, though float64 sums depend on their order', async () => {
    // Summed in client-id order, (2^60 − 2^60) + 1 = 1; in the arrival order c, a, b, (1 + 2^60) − 2^60 = 0.
    const values: Record<string, number> = { a: 2 ** 60, b: -(2 ** 60), c: 1 };
    const models: number[][] = [];
    for (const arrival of [
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
    ]) {
      const transport = new MemoryTransport();
      const acks: Promise<Ack>[] = [];
      for (const id of Object.keys(values)) {
        transport.connect(id, (message) => {
          if (message.event !== 'round:start') return;
          const start = message.message;
          const delayMs = 10 * arrival.indexOf(id);
          setTimeout(() => acks.push(transport.send(id, 'round:update', update(start, id, values[id]!))), delayMs);
        });
      }
      const c = await start({ minClients: 3 }, transport);
      expect((await c.runRounds()).status).toBe('finished');
      expect(await Promise.all(acks)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
      const dir = mkdtempSync(join(tmpdir(), 'engine-'));
      c.saveModel(dir);
      const bytes = readFileSync(join(dir, 'weights.bin'));
      models.push([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)]);
      await c.close();
      coordinator = undefined;
    }
    expect(models).toEqual([Array(2).fill(Math.fround(1 / 3)), Array(2).fill(Math.fround(1 / 3)), Array(2).fill(Math.fround(1 / 3))]);
  });
});
