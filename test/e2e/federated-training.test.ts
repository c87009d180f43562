import { afterEach, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { PROTOCOL_VERSION, encodeTensors, type RoundStart } from '@cohort/protocol';
import type { Coordinator } from '@cohort/coordinator';
import { createClient, type CohortClient } from '@cohort/client';
import { RawClient, honestClients, quiet, startCoordinator, syntheticData, waitUntil } from '../helpers/federation';

const dataset = syntheticData(1);
let coordinator: Coordinator | undefined;
let clients: CohortClient[] = [];
let raw: RawClient[] = [];

afterEach(async () => {
  raw.forEach((r) => r.close());
  await Promise.all(clients.map((c) => c.close()));
  await coordinator?.close();
  coordinator = undefined;
  clients = [];
  raw = [];
});

/** Answers a fit round with an update built from the round's own model, altered by `mutate`. */
function updateFrom(
  client: RawClient,
  start: RoundStart,
  mutate: (m: Record<string, unknown>) => Record<string, unknown>,
): Record<string, unknown> {
  const tensors = client.description!.weightSpecs.map((s) => ({
    name: s.name,
    shape: s.shape,
    data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)),
  }));
  const { manifest, payload } = encodeTensors(tensors);
  const base = {
    protocolVersion: PROTOCOL_VERSION,
    runId: start.runId,
    round: start.round,
    clientId: client.clientId,
    numExamples: 10,
    metrics: { loss: 1, accuracy: 0.5 },
    manifest,
    payload,
  };
  return mutate(base);
}

describe('federated training over real sockets', () => {
  it('5 clients × 3 rounds on synthetic data improve on the initial model', async () => {
    const started = await startCoordinator(dataset, { rounds: 3, minClients: 5 });
    coordinator = started.coordinator;
    clients = honestClients(started.url, dataset, 5);
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('finished');
    expect(outcome.lastRound).toBe(3);
    const initial = started.reports.find((r) => r.round === 0)!.evaluation!;
    const final = started.reports.find((r) => r.round === 3)!.evaluation!;
    expect(
      started.reports.filter((r) => r.round > 0).every((r) => r.participation?.participants === 5 && r.participation.failures.length === 0),
    ).toBe(true);
    expect(final.examples).toBe(dataset.test.count);
    expect(final.accuracy).toBeGreaterThan(0.85);
    expect(final.accuracy - initial.accuracy).toBeGreaterThan(0.2);
    expect(final.loss).toBeLessThan(initial.loss);
  });

  it('rejects a wrong shape, NaN, an oversize payload, a wrong round and a replay, each with its reason, and completes the round', async () => {
    const maxMessageBytes = 16_384;
    const started = await startCoordinator(dataset, { rounds: 1, minClients: 3, evalEvery: 0, roundTimeoutMs: 30_000, maxMessageBytes });
    coordinator = started.coordinator;
    const answerFit =
      (mutate: (m: Record<string, unknown>, c: RawClient) => Record<string, unknown>, twice = false) =>
      (c: RawClient, s: RoundStart) => {
        if (s.task !== 'fit') return;
        const message = updateFrom(c, s, (m) => mutate(m, c));
        c.send('round:update', message);
        if (twice) c.send('round:update', message);
      };
    const specs = () => raw[0]!.description!.weightSpecs;
    raw = [
      new RawClient(
        started.url,
        'bad-shape',
        answerFit((m) => {
          const wrong = specs().map((s, i) => ({
            name: s.name,
            shape: i === 0 ? [s.shape[0]! + 1, ...s.shape.slice(1)] : s.shape,
            data: new Float32Array((i === 0 ? s.shape[0]! + 1 : s.shape[0]!) * (s.shape[1] ?? 1)),
          }));
          return { ...m, ...encodeTensors(wrong) };
        }),
      ),
      new RawClient(
        started.url,
        'bad-nan',
        answerFit((m) => {
          const payload = (m.payload as Uint8Array).slice();
          new DataView(payload.buffer).setFloat32(8, Number.NaN, true);
          return { ...m, payload };
        }),
      ),
      new RawClient(
        started.url,
        'bad-size',
        answerFit((m) => {
          const huge = [{ name: 'x', shape: [maxMessageBytes / 4 + 1], data: new Float32Array(maxMessageBytes / 4 + 1) }];
          return { ...m, ...encodeTensors(huge) };
        }),
      ),
      new RawClient(
        started.url,
        'bad-round',
        answerFit((m) => ({ ...m, round: (m.round as number) + 1 })),
      ),
      new RawClient(
        started.url,
        'replay',
        answerFit((m) => m, true),
      ),
    ];
    clients = honestClients(started.url, dataset, 3);
    await waitUntil(() => raw.every((r) => r.description) && clients.every((c) => c.connected));
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('finished');
    const report = started.reports.find((r) => r.round === 1)!.participation!;
    expect(report.participants).toBe(4); // three honest clients and the replaying client's first copy
    const reasons = Object.fromEntries(report.failures.map((f) => [f.clientId, f]));
    expect(reasons['bad-shape']).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^SHAPE_MISMATCH: tensor 0: expected dense1\/kernel/),
    });
    expect(reasons['bad-nan']).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^NON_FINITE: tensor dense1\/kernel has a non-finite value at index 2/),
    });
    expect(reasons['bad-size']).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^TOO_LARGE: payload of 16388 bytes exceeds the limit of 16384 bytes/),
    });
    expect(reasons['bad-round']).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/^WRONG_ROUND: message answers fit round 2, but fit round 1 is open/),
    });
    expect(report.failures).toHaveLength(4);
    // Every misbehaving client heard why; the round did not wait for its timeout.
    await waitUntil(() => raw.slice(0, 4).every((r) => r.acks.length === 1) && raw[4]!.acks.length === 2);
    expect(raw.slice(0, 4).map((r) => r.acks[0])).toEqual([
      expect.objectContaining({ ok: false, code: 'SHAPE_MISMATCH' }),
      expect.objectContaining({ ok: false, code: 'NON_FINITE' }),
      expect.objectContaining({ ok: false, code: 'TOO_LARGE' }),
      expect.objectContaining({ ok: false, code: 'WRONG_ROUND' }),
    ]);
    // The copy's refusal may come first: the first copy's verdict waits until the aggregate adds it.
    expect(raw[4]!.acks).toHaveLength(2);
    expect(raw[4]!.acks).toEqual(expect.arrayContaining([{ ok: true }, expect.objectContaining({ ok: false, code: 'DUPLICATE' })]));
    expect(started.reports.find((r) => r.round === 1)!.durationMs).toBeLessThan(30_000);
  });

  it('records a client that drops mid-round as a failure and aggregates the rest', async () => {
    const started = await startCoordinator(dataset, { rounds: 1, minClients: 2, evalEvery: 0 });
    coordinator = started.coordinator;
    raw = [new RawClient(started.url, 'dropper', (c, s) => s.task === 'fit' && c.close())];
    clients = honestClients(started.url, dataset, 2);
    await waitUntil(() => raw[0]!.socket.connected && clients.every((c) => c.connected));
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('finished');
    const report = started.reports.find((r) => r.round === 1)!.participation!;
    expect(report.participants).toBe(2);
    expect(report.failures).toEqual([{ clientId: 'dropper', kind: 'disconnected', reason: 'client namespace disconnect' }]);
  });

  it('records a client whose local training fails as a client error, without waiting for the timeout', async () => {
    const started = await startCoordinator(dataset, { rounds: 1, minClients: 2, evalEvery: 0, roundTimeoutMs: 60_000 });
    coordinator = started.coordinator;
    const broken = createClient({
      serverUrl: started.url,
      clientId: 'broken',
      trainer: { fit: () => Promise.reject(new Error('device out of memory')), evaluate: () => Promise.reject(new Error('unused')) },
      logger: quiet,
    });
    clients = [broken, ...honestClients(started.url, dataset, 2)];
    await waitUntil(() => clients.every((c) => c.connected));
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('finished');
    const report = started.reports.find((r) => r.round === 1)!;
    expect(report.participation!.failures).toEqual([{ clientId: 'broken', kind: 'client-error', reason: 'device out of memory' }]);
    expect(report.durationMs).toBeLessThan(60_000);
  });

  it('retries a round that gets too few updates, then records the run as failed', async () => {
    const started = await startCoordinator(dataset, { rounds: 1, minClients: 2, evalEvery: 0, roundTimeoutMs: 300, maxRoundAttempts: 2 });
    coordinator = started.coordinator;
    raw = ['silent-a', 'silent-b'].map((id) => new RawClient(started.url, id, () => undefined));
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/round 1 failed 2 times/);
    expect(outcome.lastRound).toBe(0);
  });

  it('refuses a peer that speaks another protocol version, naming both versions', async () => {
    const started = await startCoordinator(dataset);
    coordinator = started.coordinator;
    const socket = io(started.url, {
      auth: { protocolVersion: PROTOCOL_VERSION + 1, clientId: 'future' },
      transports: ['websocket'],
      reconnection: false,
    });
    const error = await new Promise<Error & { data?: { code: string } }>((resolve) => socket.on('connect_error', resolve));
    socket.close();
    expect(error.data?.code).toBe('VERSION_MISMATCH');
    expect(error.message).toBe(
      `protocol version mismatch: this peer speaks version ${PROTOCOL_VERSION}, the other speaks version ${PROTOCOL_VERSION + 1}`,
    );
  });
});
