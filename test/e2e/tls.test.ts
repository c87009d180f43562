/**
 * Encrypted transport: a federation over HTTPS/WSS with a CA the test makes itself; a client that
 * does not trust the coordinator's certificate refuses to connect (and says why) instead of retrying
 * forever; plain WebSockets are refused across the network unless asked for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Coordinator, type RunOutcome } from '@cohort/coordinator';
import { LocalTrainer, createClient, initialModel, type CohortClient } from '@cohort/client';
import { honestClients, quiet, startCoordinator, syntheticData, tempDir } from '../helpers/federation';
import { makeTestPki } from '../helpers/certificates';

const dataset = syntheticData(6);
const pki = makeTestPki();
const closers: Array<() => unknown> = [];
const idle = () => {
  const none = { x: new Float32Array(10), y: new Int32Array(1), count: 1, numFeatures: 10 };
  return new LocalTrainer({ train: none, evaluation: none });
};

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function withCa(clients: CohortClient[]): CohortClient[] {
  closers.push(() => Promise.all(clients.map((c) => c.close())));
  return clients;
}

describe('TLS', () => {
  it('runs a federation over WSS with the coordinator certificate signed by a test-made CA', async () => {
    const { coordinator, url } = await startCoordinator(dataset, { rounds: 2, tls: { cert: pki.cert, key: pki.key } });
    closers.push(() => coordinator.close());
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const outcome: Promise<RunOutcome> = coordinator.runRounds();
    withCa(honestClients(url, dataset, 2, 'tls', undefined, { ca: pki.ca }));
    const result = await outcome;
    expect(result.status).toBe('finished');
    expect(result.security.tls).toBe(true);
  }, 60_000);

  it('refuses a coordinator whose certificate does not chain to the CA it was given, with the reason', async () => {
    const { coordinator, url } = await startCoordinator(dataset, { tls: { cert: pki.cert, key: pki.key } });
    closers.push(() => coordinator.close());
    const otherCa = makeTestPki('Another CA');
    const [client] = withCa([createClient({ serverUrl: url, clientId: 'wrong-ca', ca: otherCa.ca, trainer: idle(), logger: quiet })]);
    await expect(client!.finished).rejects.toThrow(/cannot verify the coordinator's TLS certificate \(\w+\)/);
    // And one that trusts only the system's CAs refuses the test CA's certificate the same way.
    const [system] = withCa([createClient({ serverUrl: url, clientId: 'system-ca', trainer: idle(), logger: quiet })]);
    await expect(system!.finished).rejects.toThrow(/cannot verify the coordinator's TLS certificate/);
  }, 60_000);

  it('refuses plain WebSockets across the network, at the client and at the coordinator, unless asked for', async () => {
    const trainer = idle();
    expect(() => createClient({ serverUrl: 'http://coordinator.example:8080', clientId: 'c', trainer, logger: quiet })).toThrow(
      /refusing plain http:\/\/ to coordinator\.example/,
    );
    expect(() => createClient({ serverUrl: 'coordinator:8080', clientId: 'c', trainer, logger: quiet })).toThrow(
      /must start with https:\/\//,
    );
    const model = await initialModel('mlp', { numFeatures: 4, numClasses: 2 }, 1);
    const base = {
      rounds: 1,
      fit: { localEpochs: 1, batchSize: 1, learningRate: 0.1 },
      dbPath: join(tempDir(), 'c.db'),
      model,
      logger: quiet,
    };
    expect(() => new Coordinator({ ...base, host: '0.0.0.0' })).toThrow(/refusing to listen on 0\.0\.0\.0 without TLS/);
    expect(() => new Coordinator({ ...base, host: '0.0.0.0', insecure: true })).not.toThrow();
    expect(() => new Coordinator({ ...base, host: '0.0.0.0', tls: { cert: pki.cert, key: pki.key } })).not.toThrow();
  }, 60_000);
});
