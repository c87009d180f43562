/**
 * Trust at the edge, over real sockets: enrolled device keys proved on a fresh challenge, client ids
 * bound to keys (no takeover), revocation, signed answers that cannot be replayed or re-addressed,
 * and enrolled weights. Each test names the defence it checks; each fails on a coordinator that
 * trusts the client id a socket claims.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Coordinator, CoordinatorOptions } from '@cohort/coordinator';
import { generateDeviceIdentity, publicIdentity, type DeviceIdentity } from '@cohort/privacy/identity';
import { PROTOCOL_VERSION } from '@cohort/protocol';
import {
  RawClient,
  honestClients,
  signingClient as keyedClient,
  startCoordinator,
  syntheticData,
  tempDir,
  waitUntil,
} from '../helpers/federation';

/** A signing client closed after the test. */
function signingClient(...args: Parameters<typeof keyedClient>) {
  const client = keyedClient(...args);
  cleanups.push(() => client.close());
  return client;
}

const dataset = syntheticData(5);
const coordinators: Coordinator[] = [];
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await Promise.all(coordinators.splice(0).map((c) => c.close()));
});

async function start(options: Partial<CoordinatorOptions>) {
  const started = await startCoordinator(dataset, options);
  coordinators.push(started.coordinator);
  return started;
}

function enrolmentFile(devices: Array<DeviceIdentity | (ReturnType<typeof publicIdentity> & { weight?: number })>): string {
  const path = join(tempDir('cohort-enrol-'), 'devices.json');
  writeEnrolment(path, devices);
  return path;
}

function writeEnrolment(path: string, devices: Array<DeviceIdentity | (ReturnType<typeof publicIdentity> & { weight?: number })>): void {
  const entries = devices.map((d) => ('signing' in d ? publicIdentity(d) : d));
  writeFileSync(path, JSON.stringify({ devices: entries }));
}

describe('enrolled device identities', () => {
  it('runs a federation of enrolled devices whose answers are signed and whose updates are sealed', async () => {
    const devices = [generateDeviceIdentity('site-a'), generateDeviceIdentity('site-b')];
    const { coordinator, url } = await start({ rounds: 2, enrolPath: enrolmentFile(devices) });
    const outcome = coordinator.runRounds();
    const clients = honestClients(url, dataset, 2, 'site', devices);
    cleanups.push(() => Promise.all(clients.map((c) => c.close())));
    const accepted: boolean[] = [];
    for (const c of clients) c.on('round', (r) => accepted.push(r.accepted));
    const result = await outcome;
    expect(result.status).toBe('finished');
    expect(result.security).toEqual({
      enrolment: 'enrolled',
      tls: false,
      signedAnswers: 'required',
      sealedUpdates: true,
      secureAggregation: false,
    });
    expect(accepted.length).toBeGreaterThanOrEqual(4);
    expect(accepted.every(Boolean)).toBe(true);
  }, 60_000);

  it('refuses unknown, keyless, unproven and mis-named devices, each with a reason the client gets (enrolment)', async () => {
    const enrolled = generateDeviceIdentity('site-a');
    const other = generateDeviceIdentity('site-z');
    const { url } = await start({ enrolPath: enrolmentFile([enrolled]), minClients: 5 });

    const [unknown] = honestClients(url, dataset, 1, 'x', [other]);
    cleanups.push(() => unknown!.close());
    await expect(unknown!.finished).rejects.toThrow(/UNKNOWN_KEY/);

    const keyless = new RawClient(url, 'site-a', () => undefined);
    cleanups.push(() => keyless.close());
    const keylessError = await new Promise<{ data?: { code: string } }>((resolve) => keyless.socket.once('connect_error', resolve));
    expect(keylessError.data?.code).toBe('KEY_REQUIRED');

    // Presents the enrolled public key without holding its secret key: the challenge cannot be signed.
    const impostor = new RawClient(url, 'site-a', () => undefined, PROTOCOL_VERSION, {
      signing: other.signing,
      presentedKey: enrolled.signing.publicKey,
    });
    cleanups.push(() => impostor.close());
    await waitUntil(() => impostor.refusal !== undefined);
    expect(impostor.refusal?.code).toBe('BAD_PROOF');

    const misnamed = new RawClient(url, 'site-b', () => undefined, PROTOCOL_VERSION, enrolled);
    cleanups.push(() => misnamed.close());
    const misnamedError = await new Promise<{ data?: { code: string } }>((resolve) => misnamed.socket.once('connect_error', resolve));
    expect(misnamedError.data?.code).toBe('KEY_ID_MISMATCH');
  }, 60_000);

  it('keeps the owner of a client id connected against takeover, and lets the same key reconnect (open mode)', async () => {
    const owner = generateDeviceIdentity('owner');
    const { coordinator, url } = await start({ minClients: 5 });
    const [first] = honestClients(url, dataset, 1, 'o', [owner]);
    cleanups.push(() => first!.close());
    await waitUntil(() => first!.connected);

    const thief = new RawClient(url, 'owner', () => undefined, PROTOCOL_VERSION, generateDeviceIdentity('owner'));
    const keylessThief = new RawClient(url, 'owner', () => undefined);
    cleanups.push(
      () => thief.close(),
      () => keylessThief.close(),
    );
    await waitUntil(() => thief.refusal !== undefined && keylessThief.refusal !== undefined);
    expect([thief.refusal?.code, keylessThief.refusal?.code]).toEqual(['ID_IN_USE', 'ID_IN_USE']);
    expect(first!.connected).toBe(true);

    // The same device again (a reconnect before the coordinator noticed the drop) replaces the old socket.
    const [second] = honestClients(url, dataset, 1, 'o', [owner]);
    cleanups.push(() => second!.close());
    await expect(first!.finished).rejects.toThrow(/replaced this connection/);
    expect(second!.connected).toBe(true);
    expect((coordinator as unknown as { transport: { clients(): string[] } }).transport.clients()).toEqual(['owner']);

    // Once an id has proved a key, another key cannot claim it, even after the owner left.
    await second!.close();
    await waitUntil(() => (coordinator as unknown as { transport: { clients(): string[] } }).transport.clients().length === 0);
    const late = new RawClient(url, 'owner', () => undefined, PROTOCOL_VERSION, generateDeviceIdentity('owner'));
    cleanups.push(() => late.close());
    await waitUntil(() => late.refusal !== undefined);
    expect(late.refusal?.code).toBe('KEY_ID_MISMATCH');
  }, 60_000);

  it('disconnects a device removed from the enrolment file, with REVOKED, and keeps the others', async () => {
    const [a, b] = [generateDeviceIdentity('site-a'), generateDeviceIdentity('site-b')];
    const path = enrolmentFile([a, b]);
    const { url } = await start({ enrolPath: path, minClients: 5 });
    const clients = honestClients(url, dataset, 2, 'site', [a, b]);
    cleanups.push(() => Promise.all(clients.map((c) => c.close())));
    await waitUntil(() => clients.every((c) => c.connected));
    writeEnrolment(path, [a]);
    await expect(clients[1]!.finished).rejects.toThrow(/REVOKED/);
    expect(clients[0]!.connected).toBe(true);
    // A broken file keeps the current list rather than revoking everyone.
    writeFileSync(path, '{ "devices": [ oops');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(clients[0]!.connected).toBe(true);
  }, 60_000);
});

describe('signed answers', () => {
  it('refuses unsigned, altered and re-addressed updates with typed codes, and the round goes on with the honest one', async () => {
    const ids = ['honest', 'unsigned', 'altered', 'readdressed', 'impersonating'].map((id) => generateDeviceIdentity(id));
    const { coordinator, url } = await start({ rounds: 1, minClients: 1, evalEvery: 0 });
    const honest = signingClient(url, ids[0]!);
    const unsigned = signingClient(url, ids[1]!, ({ signature: _, ...m }) => m);
    const altered = signingClient(url, ids[2]!, (m) => ({ ...m, numExamples: 1_000_000 }));
    // Sends the honest client's signed update as its own (client id rewritten) or as it is.
    const readdressed = signingClient(url, ids[3]!, (_m) => ({ ...honest.sent[0]!, clientId: ids[3]!.id }));
    const impersonating = signingClient(url, ids[4]!, (_m) => honest.sent[0]!);
    await waitUntil(() => [honest, unsigned, altered, readdressed, impersonating].every((c) => c.description !== undefined));
    const outcome = await coordinator.runRounds();
    await waitUntil(() => [honest, unsigned, altered, readdressed, impersonating].every((c) => c.acks.length === 1));
    expect(honest.acks).toEqual([{ ok: true }]);
    expect(unsigned.acks[0]).toMatchObject({ ok: false, code: 'UNSIGNED' });
    expect(altered.acks[0]).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(readdressed.acks[0]).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(impersonating.acks[0]).toMatchObject({ ok: false, code: 'CLIENT_ID_MISMATCH' });
    expect(outcome.status).toBe('finished');
  }, 60_000);

  it('refuses an update replayed into a later round: re-signed rounds do not verify, and a replay as it was is late', async () => {
    const device = generateDeviceIdentity('device');
    const { coordinator, url } = await start({ rounds: 2, minClients: 1, evalEvery: 0, roundTimeoutMs: 3000, maxRoundAttempts: 1 });
    let firstRound: Record<string, unknown> | undefined;
    const client = signingClient(url, device, (m, start) => {
      if (start.round === 1) {
        firstRound = m;
        return m;
      }
      // Round 2: the round-1 update with its round field moved forward, then the round-1 update as it was.
      client.send('round:update', firstRound!);
      return { ...firstRound!, round: 2 };
    });
    await waitUntil(() => client.description !== undefined);
    const outcome = await coordinator.runRounds();
    await waitUntil(() => client.acks.length === 3);
    expect(client.acks[0]).toEqual({ ok: true });
    expect(
      client.acks
        .slice(1)
        .map((a) => (a.ok ? 'ok' : a.code))
        .sort(),
    ).toEqual(['BAD_SIGNATURE', 'WRONG_ROUND']);
    expect(outcome.status).toBe('failed');
  }, 60_000);

  it('weighs an enrolled device by its enrolled weight, whatever example count it claims', async () => {
    const [heavy, light] = [generateDeviceIdentity('heavy'), generateDeviceIdentity('light')];
    const path = enrolmentFile([
      { ...publicIdentity(heavy), weight: 3 },
      { ...publicIdentity(light), weight: 1 },
    ]);
    const { coordinator, url } = await start({ rounds: 1, minClients: 2, evalEvery: 0, enrolPath: path, sealUpdates: false });
    const dir = tempDir();
    coordinator.saveModel(join(dir, 'before'));
    // FedAvg by claimed counts would move every weight by ≈ 0.004; by enrolled weights, by 0.004 × 1/4.
    const clients = [
      signingClient(url, heavy, undefined, { value: 0, numExamples: 10 }),
      signingClient(url, light, undefined, { value: 0.004, numExamples: 2 ** 40 }),
    ];
    await waitUntil(() => clients.every((c) => c.description !== undefined));
    expect((await coordinator.runRounds()).status).toBe('finished');
    coordinator.saveModel(join(dir, 'after'));
    const [before, after] = ['before', 'after'].map((d) => {
      const bytes = readFileSync(join(dir, d, 'weights.bin'));
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    });
    const moves = after!.map((w, i) => w - before![i]!);
    expect(Math.min(...moves)).toBeCloseTo(0.001, 6);
    expect(Math.max(...moves)).toBeCloseTo(0.001, 6);
  }, 60_000);
});
