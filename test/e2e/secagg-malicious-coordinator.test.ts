/**
 * A real `CohortClient` against a malicious coordinator double (a bare socket.io server that speaks
 * the protocol, with two in-process SecAgg peers): when the coordinator asks for both the self-mask
 * share and the masking-key share of one neighbour — in one request, or one after the other — the
 * client refuses and reveals neither; an honest request gets exactly one kind of share per neighbour.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { createClient, type Trainer } from '@cohort/client';
import { PROTOCOL_VERSION, encodeTensors, unmaskAssociatedData, type ModelDescription, type RoundStart } from '@cohort/protocol';
import { generateBoxKeyPair, openPayload } from '@cohort/privacy/identity';
import { SecAggClient, planSecAgg, type EncryptedShare } from '@cohort/privacy/secagg';
import { quiet } from '../helpers/federation';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const weightSpecs = [{ name: 'w', shape: [8], dtype: 'float32' as const }];
const trainer: Trainer = {
  async fit(task) {
    return { delta: task.weights.map((w) => new Float32Array(w.length).fill(0.01)), numExamples: 1, metrics: { loss: 0, accuracy: 0 } };
  },
  async evaluate() {
    throw new Error('no evaluation');
  },
};

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Drives one round up to the unmask stage against the client on `socket`; returns a function that sends unmask requests. */
async function roundUpToUnmask(socket: Socket): Promise<(request: { dropped: string[]; survived: string[] }) => Promise<unknown>> {
  const params = planSecAgg({ clients: 3, clipNorm: 1, modelLength: 8, fullGraph: true, dropoutFraction: 0 });
  const runId = 'run-x';
  const head = { protocolVersion: PROTOCOL_VERSION, runId, round: 1 };
  const coordinatorKey = generateBoxKeyPair();
  const description: ModelDescription = {
    protocolVersion: PROTOCOL_VERSION,
    runId,
    topology: {},
    weightSpecs,
    numClasses: 2,
    security: { coordinatorKey: b64(coordinatorKey.publicKey), sealUpdates: false, enrolment: 'open' },
  };
  socket.emit('model:describe', description);
  const { manifest, payload } = encodeTensors([{ name: 'w', shape: [8], data: new Float32Array(8) }]);
  const start: RoundStart = {
    ...head,
    task: 'fit',
    config: { localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 0, secureAggregation: params },
    manifest,
    payload,
  };
  socket.emit('round:start', start);
  const peers = ['peer-a', 'peer-b'].map((clientId) => new SecAggClient({ runId, round: 1, clientId, params }));
  const ask = (body: Record<string, unknown>) => socket.timeout(10_000).emitWithAck('secagg:request', { ...head, ...body });
  const advert = (await ask({ stage: 'advertise' })) as { encryptionKey: string; maskingKey: string; signature: string };
  const adverts = peers.map((p) => p.advertise());
  const victimAdvert = {
    clientId: 'victim',
    encryptionKey: new Uint8Array(Buffer.from(advert.encryptionKey, 'base64')),
    maskingKey: new Uint8Array(Buffer.from(advert.maskingKey, 'base64')),
    signature: new Uint8Array(0),
  };
  const wire = (a: (typeof adverts)[number]) => ({
    clientId: a.clientId,
    encryptionKey: b64(a.encryptionKey),
    maskingKey: b64(a.maskingKey),
    signature: b64(a.signature),
  });
  const victimShares = (await ask({ stage: 'share-keys', neighbours: adverts.map(wire) })) as { shares: EncryptedShare[] };
  expect(victimShares.shares).toHaveLength(2);
  const toVictim: EncryptedShare[] = [];
  for (const [i, peer] of peers.entries()) {
    const others = [victimAdvert, adverts[1 - i]!];
    toVictim.push(...(await peer.shareKeys(others)).filter((s) => s.to === 'victim'));
  }
  const masked = (await ask({ stage: 'masked-input', shares: toVictim, survivors: ['peer-a', 'peer-b'] })) as { masked?: Uint8Array };
  expect(masked.masked?.byteLength).toBe(4 * 8);
  // The revealed shares come sealed to the coordinator's key: open them as the coordinator would.
  return async (request) => {
    const answer = (await ask({ stage: 'unmask', ...request })) as Record<string, unknown>;
    if (!('ciphertext' in answer)) return answer;
    const { sealed, ciphertext } = answer as { sealed: { ephemeralKey: string; nonce: string }; ciphertext: Uint8Array };
    const opened = openPayload(
      { ephemeralKey: Buffer.from(sealed.ephemeralKey, 'base64'), nonce: Buffer.from(sealed.nonce, 'base64'), ciphertext },
      coordinatorKey,
      unmaskAssociatedData(runId, 1, 'victim'),
    );
    return JSON.parse(Buffer.from(opened!).toString('utf8')) as unknown;
  };
}

async function coordinatorDouble(): Promise<{ url: string; connected: Promise<Socket> }> {
  const http = createServer();
  const io = new Server(http);
  const connected = new Promise<Socket>((resolve) => io.on('connection', resolve));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => io.close(() => resolve(undefined))));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, connected };
}

describe('a malicious coordinator double', () => {
  it('gets nothing when it asks for both shares of one neighbour in one request', async () => {
    const { url, connected } = await coordinatorDouble();
    const client = createClient({ serverUrl: url, clientId: 'victim', trainer, logger: quiet });
    closers.push(() => client.close());
    const unmask = await roundUpToUnmask(await connected);
    const answer = (await unmask({ dropped: ['peer-a'], survived: ['peer-a', 'peer-b'] })) as Record<string, unknown>;
    expect(answer).toEqual({ error: expect.any(String) });
    expect(String(answer.error)).toMatch(/peer-a/);
  }, 30_000);

  it('gets nothing when it asks for the other share of a neighbour later, after an honest request', async () => {
    const { url, connected } = await coordinatorDouble();
    const client = createClient({ serverUrl: url, clientId: 'victim', trainer, logger: quiet });
    closers.push(() => client.close());
    const unmask = await roundUpToUnmask(await connected);
    const honest = (await unmask({ dropped: [], survived: ['peer-a', 'peer-b'] })) as {
      selfMaskShares: Record<string, string>;
      maskingKeyShares: Record<string, string>;
    };
    expect(Object.keys(honest.selfMaskShares).sort()).toEqual(['peer-a', 'peer-b']);
    expect(honest.maskingKeyShares).toEqual({});
    const second = (await unmask({ dropped: ['peer-a'], survived: ['peer-b'] })) as Record<string, unknown>;
    expect(second).toEqual({ error: expect.any(String) });
    expect(second).not.toHaveProperty('maskingKeyShares');
  }, 30_000);
});
