/**
 * The coordinator's side of q8 update compression, through the in-memory transport: clients are
 * told to compress, compressed updates are aggregated, a malformed one is refused with its code
 * while the round goes on, and the option is refused where its rounding would go unaccounted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Coordinator, CoordinatorError, MemoryTransport, type CoordinatorOptions } from '@cohort/coordinator';
import { PROTOCOL_VERSION, Q8_CHUNK_LENGTH, encodeUpdateTensors, type Ack, type RoundStart } from '@cohort/protocol';

const quiet = pino({ level: 'silent' });
const LENGTH = 2 * Q8_CHUNK_LENGTH + 5;
const model = { topology: { name: 'tiny' }, weights: [{ name: 'w', shape: [LENGTH], data: new Float32Array(LENGTH) }], numClasses: 2 };
const base: CoordinatorOptions = {
  rounds: 1,
  minClients: 2,
  evalEvery: 0,
  roundTimeoutMs: 5_000,
  fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
  dbPath: ':memory:',
  model,
  logger: quiet,
};

/** A q8 update of `value` in every weight, as a compressing client sends it. */
function q8Update(start: RoundStart, clientId: string, value: number, numExamples: number): Record<string, unknown> {
  const encoded = encodeUpdateTensors([{ name: 'w', shape: [LENGTH], data: new Float32Array(LENGTH).fill(value) }], 'q8');
  return { protocolVersion: PROTOCOL_VERSION, runId: start.runId, round: start.round, clientId, numExamples, ...encoded };
}

function memoryClient(transport: MemoryTransport, clientId: string, answer: (start: RoundStart) => Record<string, unknown>) {
  const starts: RoundStart[] = [];
  const acks: Promise<Ack>[] = [];
  transport.connect(clientId, (message) => {
    if (message.event !== 'round:start' || message.message.task !== 'fit') return;
    const start = message.message;
    starts.push(start);
    queueMicrotask(() => acks.push(transport.send(clientId, 'round:update', answer(start))));
  });
  return { starts, acks };
}

describe('compressed updates at the coordinator', () => {
  let coordinator: Coordinator | undefined;
  afterEach(async () => coordinator?.close());

  it('asks clients for q8, aggregates q8 updates, and refuses a malformed one with its code while the round goes on', async () => {
    const transport = new MemoryTransport();
    const a = memoryClient(transport, 'a', (s) => q8Update(s, 'a', 1, 1));
    const b = memoryClient(transport, 'b', (s) => q8Update(s, 'b', 3, 3));
    const inverted = memoryClient(transport, 'inverted', (s) => {
      const update = q8Update(s, 'inverted', 0.5, 1);
      const payload = (update.payload as Uint8Array).slice();
      // Chunk 1 of the tensor: min 2 above max 1.
      const view = new DataView(payload.buffer);
      view.setFloat32(4 + 8, 2, true);
      view.setFloat32(4 + 12, 1, true);
      return { ...update, payload };
    });
    coordinator = new Coordinator({ ...base, transport, compression: 'q8' });
    await coordinator.start();
    const outcome = await coordinator.runRounds();
    expect(outcome).toMatchObject({ status: 'finished', lastRound: 1 });
    expect(a.starts[0]!.config.compression).toBe('q8');
    expect(await Promise.all(a.acks)).toEqual([{ ok: true }]);
    expect(await Promise.all(b.acks)).toEqual([{ ok: true }]);
    expect(await Promise.all(inverted.acks)).toEqual([
      { ok: false, code: 'INVALID_MESSAGE', message: expect.stringMatching(/chunk 1 has min 2 above max 1/) },
    ]);
    // Constant chunks decode exactly: (1·1 + 3·3) / 4 = 2.5 in every weight.
    const dir = mkdtempSync(join(tmpdir(), 'compressed-'));
    coordinator.saveModel(dir);
    const bytes = readFileSync(join(dir, 'weights.bin'));
    expect(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)).toEqual(new Float32Array(LENGTH).fill(2.5));
  });

  it('leaves compression off unless asked, and refuses a q8 update the round did not ask for', async () => {
    const transport = new MemoryTransport();
    const a = memoryClient(transport, 'a', (s) => q8Update(s, 'a', 1, 1));
    memoryClient(transport, 'b', (s) => q8Update(s, 'b', 1, 1));
    coordinator = new Coordinator({ ...base, transport, maxRoundAttempts: 1 });
    await coordinator.start();
    await coordinator.runRounds();
    expect(a.starts[0]!.config).not.toHaveProperty('compression');
    // A run that never asks for q8 (as under DP or secure aggregation) takes float32 only.
    expect(await Promise.all(a.acks)).toEqual([
      { ok: false, code: 'INVALID_MESSAGE', message: 'update encoded as q8, but this run asked for float32' },
    ]);
  });

  it('refuses compression with DP and with secure aggregation, saying why, and any scheme but q8', () => {
    const keyDir = join(mkdtempSync(join(tmpdir(), 'compressed-')), 'keys');
    const dp = { clipNorm: 1, noiseMultiplier: 1, sampleRate: 1, delta: 1e-5, keyDir };
    const refusal = (options: Partial<CoordinatorOptions>) => {
      try {
        new Coordinator({ ...base, compression: 'q8', ...options });
      } catch (error) {
        expect(error).toBeInstanceOf(CoordinatorError);
        expect((error as CoordinatorError).code).toBe('INVALID_OPTION');
        return (error as Error).message;
      }
      throw new Error('expected the options to be refused');
    };
    expect(refusal({ dp: { ...dp, mode: 'central' } })).toMatch(/cannot be used with dp: .*DP accounting/);
    expect(refusal({ dp: { ...dp, mode: 'local' } })).toMatch(/cannot be used with dp/);
    expect(refusal({ dp: { ...dp, mode: 'distributed' } })).toMatch(/cannot be used with dp/);
    expect(refusal({ secureAggregation: {} })).toMatch(/cannot be used with secureAggregation: .*quantis/);
    expect(refusal({ compression: 'q4' as 'q8' })).toMatch(/compression must be one of q8, got q4/);
  });
});
