/**
 * Updates sealed end to end to the coordinator's X25519 key, for deployments that terminate TLS
 * before the coordinator: a recording proxy in front of a plain-WebSocket coordinator sees no 64-byte
 * run of any update's float32 payload (a control run without sealing shows the scan would see them),
 * and the coordinator aggregates exactly what it would have without sealing. The privacy ledger
 * records how the updates behind each release were authenticated, and the auditor can require it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Coordinator, CoordinatorOptions, RunOutcome } from '@cohort/coordinator';
import { createClient, type FitOutcome, type FitTask, type Trainer } from '@cohort/client';
import { auditLedger, parseLedgerJsonl, publicKeyFromText } from '@cohort/privacy';
import { generateDeviceIdentity, publicIdentity, type DeviceIdentity } from '@cohort/privacy/identity';
import { encodeTensors } from '@cohort/protocol';
import { createRng } from '@cohort/simulations';
import { honestClients, quiet, startCoordinator, syntheticData, tempDir } from '../helpers/federation';
import { RecordingProxy } from '../helpers/recording-proxy';

const dataset = syntheticData(8);
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Sends a fixed pseudo-random delta per (client, round), so that two runs see the same updates. */
class FixedDeltaTrainer implements Trainer {
  readonly sent: Uint8Array[] = [];
  constructor(private readonly name: string) {}
  async fit(task: FitTask): Promise<FitOutcome> {
    const rng = createRng(7).fork(`${this.name}:${task.round}`);
    const delta = task.weights.map((w) => Float32Array.from({ length: w.length }, () => (rng.next() - 0.5) * 0.01));
    this.sent.push(encodeTensors(task.weightSpecs.map((s, i) => ({ name: s.name, shape: s.shape, data: delta[i]! }))).payload);
    return { delta, numExamples: 10, metrics: { loss: 1, accuracy: 0.5 } };
  }
  async evaluate(): Promise<never> {
    throw new Error('no evaluation in this test');
  }
}

function enrol(devices: DeviceIdentity[]): string {
  const path = join(tempDir('cohort-enrol-'), 'devices.json');
  writeFileSync(path, JSON.stringify({ devices: devices.map(publicIdentity) }));
  return path;
}

async function recordedRun(sealUpdates: boolean): Promise<{ outcome: RunOutcome; traffic: Buffer; payloads: Uint8Array[] }> {
  const devices = ['site-a', 'site-b', 'site-c'].map((id) => generateDeviceIdentity(id));
  const { coordinator, url } = await startCoordinator(dataset, {
    rounds: 2,
    minClients: 3,
    evalEvery: 0,
    enrolPath: enrol(devices),
    sealUpdates,
  });
  closers.push(() => coordinator.close());
  const proxy = new RecordingProxy(Number(new URL(url).port));
  closers.push(() => proxy.close());
  const port = await proxy.listen();
  const trainers = devices.map((d) => new FixedDeltaTrainer(d.id));
  const clients = devices.map((identity, i) =>
    createClient({ serverUrl: `http://127.0.0.1:${port}`, identity, trainer: trainers[i]!, logger: quiet, sealUpdates }),
  );
  closers.push(() => Promise.all(clients.map((c) => c.close())));
  const outcome = await coordinator.runRounds();
  return { outcome, traffic: proxy.captured(), payloads: trainers.flatMap((t) => t.sent) };
}

/** Whether any 32-byte aligned block of `payload` occurs in `traffic`: every 64-byte run contains one. */
function leaks(traffic: Buffer, payload: Uint8Array): boolean {
  for (let offset = 0; offset + 32 <= payload.length; offset += 32) {
    if (traffic.includes(Buffer.from(payload.buffer, payload.byteOffset + offset, 32))) return true;
  }
  return false;
}

describe('sealed updates', () => {
  it('shows no 64-byte run of any update payload on the wire, and aggregates exactly as without sealing', async () => {
    const sealed = await recordedRun(true);
    const plain = await recordedRun(false);
    expect(sealed.outcome.status).toBe('finished');
    expect(sealed.outcome.security.sealedUpdates).toBe(true);
    expect(sealed.payloads).toHaveLength(6);
    expect(sealed.payloads.filter((p) => leaks(sealed.traffic, p))).toHaveLength(0);
    // The control: the same scan finds every unsealed payload in the plain run's traffic.
    expect(plain.payloads.filter((p) => leaks(plain.traffic, p))).toHaveLength(6);
    // Same initial model, same updates: bit-identical models.
    expect(sealed.outcome.modelSha256).toBe(plain.outcome.modelSha256);
  }, 90_000);
});

describe('the ledger records how updates were authenticated', () => {
  async function dpRun(options: Partial<CoordinatorOptions>, identities: DeviceIdentity[]) {
    const dir = tempDir('cohort-ledger-auth-');
    const { coordinator, url } = await startCoordinator(dataset, {
      rounds: 2,
      evalEvery: 0,
      ledgerPath: join(dir, 'ledger.jsonl'),
      dp: { mode: 'central', clipNorm: 1, noiseMultiplier: 1, sampleRate: 1, delta: 1e-5, keyDir: join(dir, 'keys') },
      ...options,
    });
    closers.push(() => coordinator.close());
    const clients = honestClients(url, dataset, 2, 'dp', identities);
    closers.push(() => Promise.all(clients.map((c) => c.close())));
    expect((await (coordinator as Coordinator).runRounds()).status).toBe('finished');
    const entries = parseLedgerJsonl(readFileSync(join(dir, 'ledger.jsonl'), 'utf8'));
    const publicKey = publicKeyFromText(readFileSync(join(dir, 'coordinator.pub'), 'utf8'));
    return { entries, publicKey };
  }

  it("records 'enrolled-keys' under enrolment, which an auditor requiring it accepts; an open run fails that audit", async () => {
    const devices = [generateDeviceIdentity('site-a'), generateDeviceIdentity('site-b')];
    const enrolled = await dpRun({ enrolPath: enrol(devices) }, devices);
    expect(enrolled.entries.map((e) => e.updateAuthentication)).toEqual(['enrolled-keys', 'enrolled-keys']);
    const audit = auditLedger(enrolled.entries, { publicKey: enrolled.publicKey, requireEnrolledKeys: true });
    expect(audit.verdict).toBe('pass');
    expect(audit.updateAuthentication).toEqual({ enrolledKeys: 2, open: 0, unrecorded: 0 });

    const open = await dpRun({}, [generateDeviceIdentity('a'), generateDeviceIdentity('b')]);
    expect(open.entries.map((e) => e.updateAuthentication)).toEqual(['open', 'open']);
    const strict = auditLedger(open.entries, { publicKey: open.publicKey, requireEnrolledKeys: true });
    expect(strict.verdict).toBe('fail');
    expect(strict.findings.map((f) => f.code)).toEqual(['UNAUTHENTICATED_UPDATES', 'UNAUTHENTICATED_UPDATES']);
    // A reader who rewrites 'open' as 'enrolled-keys' breaks the entry's hash.
    const forged = open.entries.map((e) => ({ ...e, updateAuthentication: 'enrolled-keys' as const }));
    expect(auditLedger(forged, { publicKey: open.publicKey }).failures.map((f) => f.code)).toContain('HASH_MISMATCH');
  }, 90_000);
});
