/**
 * The attack matrix: one row per attack an untrusted client or network peer can mount on a
 * coordinator, each naming the defence that stops it and asserting that defence's observable effect
 * over real sockets on loopback. Deeper tests of each defence live beside it (device-identity,
 * abuse-limits, poisoning, federated-training); this file is the one place that shows them all hold.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { FedMedian, type Coordinator, type CoordinatorOptions } from '@cohort/coordinator';
import { generateDeviceIdentity, publicIdentity, type DeviceIdentity } from '@cohort/privacy/identity';
import { PROTOCOL_VERSION } from '@cohort/protocol';
import { RawClient, honestClients, signingClient, startCoordinator, syntheticData, tempDir, waitUntil } from '../helpers/federation';

const dataset = syntheticData(9);
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(options: Partial<CoordinatorOptions>) {
  const started = await startCoordinator(dataset, options);
  closers.push(() => started.coordinator.close());
  return started;
}

function keep<T extends { close(): unknown }>(client: T): T {
  closers.push(() => client.close());
  return client;
}

function enrol(devices: DeviceIdentity[]): string {
  const path = join(tempDir('cohort-enrol-'), 'devices.json');
  writeFileSync(path, JSON.stringify({ devices: devices.map(publicIdentity) }));
  return path;
}

function connected(coordinator: Coordinator): string[] {
  return (coordinator as unknown as { transport: { clients(): string[] } }).transport.clients();
}

function weightsOf(coordinator: Coordinator, dir: string): Float32Array {
  coordinator.saveModel(dir);
  const bytes = readFileSync(join(dir, 'weights.bin'));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

interface Row {
  attack: string;
  defence: string;
  check: () => Promise<void>;
}

const MATRIX: Row[] = [
  {
    attack: 'takeover: a second connection claims a connected client id with another key',
    defence: 'ID_IN_USE (the owner stays connected)',
    async check() {
      const { coordinator, url } = await start({ minClients: 10 });
      const owner = keep(honestClients(url, dataset, 1, 'o', [generateDeviceIdentity('victim')])[0]!);
      await waitUntil(() => owner.connected);
      const thief = keep(new RawClient(url, 'victim', () => undefined, PROTOCOL_VERSION, generateDeviceIdentity('victim')));
      await waitUntil(() => thief.refusal !== undefined);
      expect(thief.refusal?.code).toBe('ID_IN_USE');
      expect(owner.connected).toBe(true);
      expect(connected(coordinator)).toEqual(['victim']);
    },
  },
  {
    attack: 'replay: a signed update is re-sent in a later round, with its round rewritten',
    defence: 'signed answers: BAD_SIGNATURE (and WRONG_ROUND as it was)',
    async check() {
      const { coordinator, url } = await start({ rounds: 2, minClients: 1, evalEvery: 0, roundTimeoutMs: 3000, maxRoundAttempts: 1 });
      let captured: Record<string, unknown> | undefined;
      const client = keep(
        signingClient(url, generateDeviceIdentity('device'), (m, round) => {
          if (round.round === 1) {
            captured = m;
            return m;
          }
          client.send('round:update', captured!);
          return { ...captured!, round: round.round };
        }),
      );
      await waitUntil(() => client.description !== undefined);
      await coordinator.runRounds();
      await waitUntil(() => client.acks.length === 3);
      expect(
        client.acks
          .slice(1)
          .map((a) => (a.ok ? 'ok' : a.code))
          .sort(),
      ).toEqual(['BAD_SIGNATURE', 'WRONG_ROUND']);
    },
  },
  {
    attack: 'Sybil: many fresh keys join a coordinator that runs with enrolment',
    defence: 'enrolment: UNKNOWN_KEY for every key not enrolled',
    async check() {
      const { coordinator, url } = await start({ minClients: 10, enrolPath: enrol([generateDeviceIdentity('site-a')]) });
      const sybils = Array.from({ length: 20 }, (_, i) =>
        keep(new RawClient(url, `sybil-${i}`, () => undefined, PROTOCOL_VERSION, generateDeviceIdentity(`sybil-${i}`))),
      );
      const codes = await Promise.all(
        sybils.map(
          (s) =>
            new Promise<string | undefined>((resolve) =>
              s.socket.once('connect_error', (e: { data?: { code?: string } }) => resolve(e.data?.code)),
            ),
        ),
      );
      expect(new Set(codes)).toEqual(new Set(['UNKNOWN_KEY']));
      expect(connected(coordinator)).toEqual([]);
    },
  },
  {
    attack: 'poisoning: 1 of 3 clients sends 1e30 in every weight',
    defence: 'robust aggregation (FedMedian): the model moves as the honest updates do',
    async check() {
      const strategy = new FedMedian({ fraction: 1, minFitClients: 3, seed: 0 });
      const { coordinator, url } = await start({ rounds: 1, minClients: 3, evalEvery: 0, strategy });
      const dir = tempDir();
      const before = weightsOf(coordinator, join(dir, 'before'));
      const clients = [
        signingClient(url, generateDeviceIdentity('h1'), undefined, { value: 0.001 }),
        signingClient(url, generateDeviceIdentity('h2'), undefined, { value: 0.002 }),
        signingClient(url, generateDeviceIdentity('attacker'), undefined, { value: 1e30 }),
      ].map(keep);
      await waitUntil(() => clients.every((c) => c.description !== undefined));
      expect((await coordinator.runRounds()).status).toBe('finished');
      const after = weightsOf(coordinator, join(dir, 'after'));
      const moves = after.map((w, i) => w - before[i]!);
      expect(Math.max(...moves.map(Math.abs))).toBeLessThanOrEqual(0.002 + 1e-6);
    },
  },
  {
    attack: 'idle-socket flood: one address opens more connections than its share and never takes part',
    defence: 'per-address connection limit (TOO_MANY_FROM_ADDRESS) and the handshake deadline (BAD_PROOF when no proof arrives)',
    async check() {
      const { url } = await start({ minClients: 50, maxConnectionsPerAddress: 5, handshakeTimeoutMs: 500 });
      const flood = Array.from({ length: 8 }, (_, i) => keep(new RawClient(url, `idle-${i}`, () => undefined)));
      const outcomes = await Promise.all(
        flood.map(
          (s) =>
            new Promise<string>((resolve) => {
              s.socket.once('connect', () => resolve('connected'));
              s.socket.once('connect_error', (e: { data?: { code?: string } }) => resolve(e.data?.code ?? 'error'));
            }),
        ),
      );
      expect(outcomes.filter((o) => o === 'connected')).toHaveLength(5);
      expect(outcomes.filter((o) => o === 'TOO_MANY_FROM_ADDRESS')).toHaveLength(3);
      for (const s of flood) s.close();
      // A socket that presents a key and never answers the challenge is dropped at the deadline.
      const mute = keep(new RawClient(url, 'mute', () => undefined, PROTOCOL_VERSION, generateDeviceIdentity('mute')));
      mute.socket.off('auth:challenge');
      await waitUntil(() => mute.refusal !== undefined, 5000);
      expect(mute.refusal?.code).toBe('BAD_PROOF');
    },
  },
  {
    attack: 'slow client: a selected client never answers',
    defence: 'round timeout: the round commits with the others and records the timeout',
    async check() {
      const { coordinator, url, reports } = await start({ rounds: 1, minClients: 2, evalEvery: 0, roundTimeoutMs: 1500 });
      const honest = [1, 2].map((i) => keep(signingClient(url, generateDeviceIdentity(`h${i}`))));
      const slow = keep(new RawClient(url, 'slow', () => undefined));
      await waitUntil(() => [...honest, slow].every((c) => c.description !== undefined));
      expect((await coordinator.runRounds()).status).toBe('finished');
      expect(reports[reports.length - 1]?.participation?.failures).toEqual([
        expect.objectContaining({ clientId: 'slow', kind: 'timeout' }),
      ]);
    },
  },
  {
    attack: 'open HTTP request: a request outside socket.io, and one left half-sent',
    defence: '404 and close; shutdown within its grace period regardless',
    async check() {
      const { coordinator, url } = await start({ minClients: 50, shutdownGraceMs: 300 });
      const { hostname, port } = new URL(url);
      const answered = await new Promise<string>((resolve) => {
        const socket = tcpConnect(Number(port), hostname, () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(answered).toMatch(/^HTTP\/1\.1 404/);
      const halfSent = tcpConnect(Number(port), hostname, () => halfSent.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      halfSent.on('error', () => undefined);
      await new Promise((resolve) => halfSent.once('connect', resolve));
      const started = Date.now();
      await coordinator.close();
      expect(Date.now() - started).toBeLessThan(5000);
      halfSent.destroy();
    },
  },
];

describe('attack matrix', () => {
  it.each(MATRIX.map((row) => [row.attack, row.defence, row] as const))(
    '%s → %s',
    async (_attack, _defence, row) => {
      await row.check();
    },
    60_000,
  );
});
