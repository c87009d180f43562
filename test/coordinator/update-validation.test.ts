import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Coordinator, MemoryTransport } from '@cohort/coordinator';
import { PROTOCOL_VERSION, encodeTensors, type Ack, type RoundStart } from '@cohort/protocol';

const quiet = pino({ level: 'silent' });
/** Past one 16,384-value block of the coordinator's SIMD check, with a tail of fewer than four values. */
const SHAPES = [[16_389], [3]];

function updateWith(start: RoundStart, clientId: string, fill: (t: number, values: Float32Array) => void): Record<string, unknown> {
  const tensors = SHAPES.map((shape, t) => {
    const data = new Float32Array(shape[0]!).fill(0.5);
    fill(t, data);
    return { name: `t${t}`, shape, data };
  });
  const { manifest, payload } = encodeTensors(tensors);
  return { protocolVersion: PROTOCOL_VERSION, runId: start.runId, round: start.round, clientId, numExamples: 1, manifest, payload };
}

describe('update validation: finite values', () => {
  let coordinator: Coordinator | undefined;
  afterEach(async () => coordinator?.close());

  /** One round with a client per update; the acks in client order. */
  async function acksOf(fills: ((t: number, values: Float32Array) => void)[]): Promise<Ack[]> {
    const transport = new MemoryTransport();
    const acks: Promise<Ack>[] = [];
    fills.forEach((fill, i) => {
      const clientId = `c${i}`;
      transport.connect(clientId, (message) => {
        if (message.event !== 'round:start') return;
        const start = message.message;
        queueMicrotask(() => (acks[i] = transport.send(clientId, 'round:update', updateWith(start, clientId, fill))));
      });
    });
    coordinator = new Coordinator({
      rounds: 1,
      minClients: fills.length,
      evalEvery: 0,
      maxRoundAttempts: 1,
      roundTimeoutMs: 1_000,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath: ':memory:',
      model: {
        topology: { name: 'two tensors' },
        weights: SHAPES.map((shape, t) => ({ name: `t${t}`, shape, data: new Float32Array(shape[0]!) })),
        numClasses: 2,
      },
      logger: quiet,
      transport,
    });
    await coordinator.start();
    await coordinator.runRounds();
    return Promise.all(acks);
  }

  it('refuses NaN and ±Infinity wherever they are, naming the tensor and the first index', async () => {
    const acks = await acksOf([
      (t, v) => t === 0 && v.fill(Number.NaN, 16_000, 16_001),
      (t, v) => t === 0 && v.fill(Number.POSITIVE_INFINITY, 16_388),
      (t, v) => t === 1 && v.fill(Number.NEGATIVE_INFINITY, 1),
      (t, v) => t === 0 && v.fill(Number.NaN, 0).fill(Number.POSITIVE_INFINITY, 7),
    ]);
    expect(acks.map((a) => (a.ok ? 'ok' : `${a.code}: ${a.message}`))).toEqual([
      'NON_FINITE: tensor t0 has a non-finite value at index 16000',
      'NON_FINITE: tensor t0 has a non-finite value at index 16388',
      'NON_FINITE: tensor t1 has a non-finite value at index 1',
      'NON_FINITE: tensor t0 has a non-finite value at index 0',
    ]);
  });

  it('accepts every finite value: the largest float32, subnormals, −0', async () => {
    const acks = await acksOf([
      (t, v) => t === 0 && v.fill(3.4028234663852886e38, 100, 200).fill(-3.4028234663852886e38, 16_388),
      (t, v) => t === 1 && v.fill(1e-45).fill(-0, 2),
    ]);
    expect(acks).toEqual([{ ok: true }, { ok: true }]);
  });
});
