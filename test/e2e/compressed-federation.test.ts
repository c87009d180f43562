/**
 * q8 update compression over real sockets, between enrolled devices whose updates are signed and
 * sealed: the same small job trained with and without compression reaches the same accuracy, with
 * about a quarter of the update bytes; the signature covers the compressed bytes and their declared
 * encoding, and q8 bytes a client declares float32 are refused rather than misread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION, elementCount, encodeUpdateTensors, type Compression, type RoundStart } from '@cohort/protocol';
import { generateDeviceIdentity, publicIdentity, type DeviceIdentity } from '@cohort/privacy/identity';
import { makeSynthetic } from '@cohort/simulations';
import { RawClient, honestClients, startCoordinator, tempDir, waitUntil } from '../helpers/federation';

// 64 features: the MLP has 16,706 parameters, most of them in two 8,192-value kernels.
const dataset = makeSynthetic({ seed: 5, count: 3000, numFeatures: 64, numClasses: 2 });
const CLIENTS = 5;
const ROUNDS = 3;
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function enrol(devices: readonly DeviceIdentity[]): string {
  const path = join(tempDir('cohort-enrol-'), 'devices.json');
  writeFileSync(path, JSON.stringify({ devices: devices.map(publicIdentity) }));
  return path;
}

async function train(compression: Compression | undefined) {
  const devices = Array.from({ length: CLIENTS }, (_, i) => generateDeviceIdentity(`site-${i}`));
  const { coordinator, url, reports } = await startCoordinator(dataset, {
    rounds: ROUNDS,
    minClients: CLIENTS,
    evalEvery: ROUNDS,
    fit: { localEpochs: 1, batchSize: 32, learningRate: 0.2 },
    enrolPath: enrol(devices),
    ...(compression ? { compression } : {}),
  });
  closers.push(() => coordinator.close());
  const clients = honestClients(url, dataset, CLIENTS, 'site', devices);
  closers.push(() => Promise.all(clients.map((c) => c.close())));
  const outcome = await coordinator.runRounds();
  const fitRounds = reports.filter((r) => r.round > 0);
  return { outcome, fitRounds, accuracy: outcome.finalEvaluation!.accuracy };
}

describe('a federation with q8 update compression', () => {
  it('trains as well as float32 with at most 0.26× the update bytes, every update signed and sealed', async () => {
    const plain = await train(undefined);
    const q8 = await train('q8');
    for (const run of [plain, q8]) {
      expect(run.outcome).toMatchObject({
        status: 'finished',
        lastRound: ROUNDS,
        security: { signedAnswers: 'required', sealedUpdates: true },
      });
      expect(run.fitRounds.every((r) => r.participation?.participants === CLIENTS && r.participation.failures.length === 0)).toBe(true);
    }
    // The coordinator counts the payload bytes as received (sealed: 16 more per update).
    q8.fitRounds.forEach((r, i) => {
      expect(r.participation!.bytesIn / plain.fitRounds[i]!.participation!.bytesIn).toBeLessThanOrEqual(0.26);
    });
    expect(plain.accuracy).toBeGreaterThan(0.85);
    // Three binomial standard deviations of an accuracy near 0.9 measured on 600 test examples.
    expect(Math.abs(q8.accuracy - plain.accuracy)).toBeLessThanOrEqual(0.037);
  });

  it('refuses q8 bytes or declaration altered after signing (BAD_SIGNATURE), and q8 bytes signed as float32 (INVALID_MESSAGE); the round goes on', async () => {
    const honest = Array.from({ length: 3 }, (_, i) => generateDeviceIdentity(`site-${i}`));
    const [altered, relabelled, misdeclared] = ['altered', 'relabelled', 'misdeclared'].map((id) => generateDeviceIdentity(id)) as [
      DeviceIdentity,
      DeviceIdentity,
      DeviceIdentity,
    ];
    const { coordinator, url, reports } = await startCoordinator(dataset, {
      rounds: 1,
      minClients: 3,
      evalEvery: 0,
      enrolPath: enrol([...honest, altered, relabelled, misdeclared]),
      // Unsealed updates are let through, so that what was altered reaches the checks in the clear.
      sealUpdates: false,
      compression: 'q8',
    });
    closers.push(() => coordinator.close());
    type Message = Record<string, unknown>;
    /** A keyed raw client sending a q8 update, changed by `beforeSigning` and then by `afterSigning`. */
    const tamper = (identity: DeviceIdentity, beforeSigning: (m: Message) => Message, afterSigning: (m: Message) => Message) =>
      new RawClient(
        url,
        identity.id,
        (c: RawClient, start: RoundStart) => {
          if (start.task !== 'fit') return;
          const tensors = c.description!.weightSpecs.map((s) => ({
            name: s.name,
            shape: s.shape,
            data: new Float32Array(elementCount(s.shape)).map((_, i) => Math.sin(i) * 0.01),
          }));
          const message = {
            protocolVersion: PROTOCOL_VERSION,
            runId: start.runId,
            round: start.round,
            clientId: identity.id,
            numExamples: 10,
            ...encodeUpdateTensors(tensors, start.config.compression),
          };
          c.send('round:update', afterSigning(c.signed(beforeSigning(message))));
        },
        PROTOCOL_VERSION,
        identity,
      );
    const same = (m: Message) => m;
    const undeclare = ({ compression: _compression, ...m }: Message) => m;
    const raw = [
      tamper(altered, same, (m) => {
        const payload = (m.payload as Uint8Array).slice();
        payload[payload.byteLength - 1]! ^= 1;
        return { ...m, payload };
      }),
      tamper(relabelled, same, undeclare),
      tamper(misdeclared, undeclare, same),
    ];
    closers.push(() => raw.forEach((r) => r.close()));
    const clients = honestClients(url, dataset, 3, 'site', honest);
    closers.push(() => Promise.all(clients.map((c) => c.close())));
    await waitUntil(() => raw.every((r) => r.description) && clients.every((c) => c.connected));
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('finished');
    const round = reports.find((r) => r.round === 1)!.participation!;
    expect(round.participants).toBe(3);
    expect(Object.fromEntries(round.failures.map((f) => [f.clientId, f.reason.split(':')[0]]))).toEqual({
      altered: 'BAD_SIGNATURE',
      relabelled: 'BAD_SIGNATURE',
      misdeclared: 'INVALID_MESSAGE',
    });
    // An update that does not declare the encoding the round asked for is refused before its bytes are
    // read (and read as float32, a q8 payload's offsets would not fit its manifest: never misread).
    expect(raw.map((r) => r.acks[0])).toEqual([
      expect.objectContaining({ ok: false, code: 'BAD_SIGNATURE' }),
      expect.objectContaining({ ok: false, code: 'BAD_SIGNATURE' }),
      expect.objectContaining({ ok: false, code: 'INVALID_MESSAGE', message: 'update encoded as float32, but this run asked for q8' }),
    ]);
  });
});
