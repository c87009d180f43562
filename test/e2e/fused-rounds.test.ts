/**
 * Fused rounds over real sockets with real tfjs clients whose answers are signed: the evaluation of
 * each model rides on the next round's download, so the coordinator sends each contacted client
 * one model per round, and every round still reports the evaluation of its own model.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FedAvg, SocketTransport, type Coordinator } from '@cohort/coordinator';
import type { CohortClient } from '@cohort/client';
import { elementCount, manifestOf } from '@cohort/protocol';
import { generateDeviceIdentity, publicIdentity } from '@cohort/privacy/identity';
import { honestClients, quiet, startCoordinator, syntheticData, tempDir, waitUntil } from '../helpers/federation';

const dataset = syntheticData(2);
let coordinator: Coordinator | undefined;
let clients: CohortClient[] = [];

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await coordinator?.close();
  coordinator = undefined;
  clients = [];
});

describe('fused rounds over real sockets', () => {
  it('sends one model per contacted client per round and reports each model’s evaluation, signed devices included', async () => {
    const identities = Array.from({ length: 4 }, (_, i) => generateDeviceIdentity(`site-${i}`));
    const enrolPath = join(tempDir(), 'enrolment.json');
    writeFileSync(enrolPath, JSON.stringify({ devices: identities.map(publicIdentity) }));
    // Two of the four clients train each round; all four evaluate every model.
    const strategy = new FedAvg({ fraction: 0.5, minFitClients: 2 });
    const transport = new SocketTransport({ log: quiet });
    const started = await startCoordinator(dataset, { rounds: 3, minClients: 2, strategy, evalEvery: 1, enrolPath, transport });
    coordinator = started.coordinator;
    const stages: string[] = [];
    coordinator.on('stage', (s) => stages.push(`${s.round}:${s.stage}`));
    clients = honestClients(started.url, dataset, 4, 'site', identities);
    await waitUntil(() => transport.clients().length === 4);
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('finished');

    const { reports } = started;
    expect(reports.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    for (const report of reports) {
      expect(report.evaluation?.examples).toBe(dataset.test.count);
    }
    // The coordinator's own count of what it sent: four models a round (two fit + evaluate, two evaluate-only).
    const specs = coordinator.weightSpecs;
    const modelBytes = specs.reduce((n, s) => n + 4 * elementCount(s.shape), 0) + JSON.stringify(manifestOf(specs)).length;
    for (const report of reports.slice(1)) {
      expect(report.participation!.participants).toBe(2);
      expect(report.participation!.bytesOut).toBe(4 * modelBytes);
    }
    expect(reports[3]!.evaluation!.accuracy - reports[0]!.evaluation!.accuracy).toBeGreaterThan(0.2);
    expect(stages.filter((s) => s.endsWith(':evaluate'))).toEqual(['3:evaluate']);
  });
});
