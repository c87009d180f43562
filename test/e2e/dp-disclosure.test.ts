import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation } from '@cohort/simulations';
import { PROTOCOL_VERSION } from '@cohort/protocol';
import { capturingLogger, RawClient, startCoordinator, syntheticData, tempDir, waitUntil, zeroUpdateClient } from '../helpers/federation';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** What a reader could use to recognise a client: its id, and the pseudonyms earlier ledgers printed. */
function identifiers(runIds: string[], clientIds: string[]): string[] {
  const pseudonyms = runIds.flatMap((run) =>
    clientIds.map((id) => createHash('sha256').update(`${run}\u0000${id}`).digest('hex').slice(0, 16)),
  );
  return [...clientIds, ...pseudonyms];
}

/** Lines a reader of the coordinator's info log sees, minus presence (connect/disconnect), which DP does not hide. */
function participationLines(lines: Record<string, unknown>[]): string[] {
  return lines
    .filter((l) => (l['level'] as number) >= 30 && l['component'] !== 'client')
    .filter((l) => !/^client \S+ (connected|disconnected)/.test(String(l['msg'])))
    .map((l) => JSON.stringify(l));
}

describe('under DP, no published artefact tells whether a client took part in a round', () => {
  it('a simulation run directory: ledger, head, metrics, summary and info logs name no participant, give no cohort size, no single client statistic, and hold no key', async () => {
    const out = tempDir();
    const { logger, lines } = capturingLogger('info');
    const clientIds = Array.from({ length: 8 }, (_, i) => `sim-${i}`);
    const summary = await runSimulation({
      dataset: 'synthetic',
      clients: 8,
      rounds: 3,
      fraction: 0.5,
      batchSize: 16,
      workers: 2,
      out,
      logger,
      keyDir: join(tempDir(), 'keys'),
      dp: { mode: 'central', clip: 1, noiseMultiplier: 1, delta: 1e-5 },
    });
    expect(summary.status).toBe('finished');
    const published = ['ledger.jsonl', 'ledger-head.json', 'metrics.jsonl', 'summary.json'].map((name) =>
      readFileSync(join(out, name), 'utf8'),
    );
    for (const id of identifiers([summary.run_id], clientIds)) {
      for (const text of [...published, ...participationLines(lines)]) expect(text).not.toContain(id);
    }
    for (const line of published[0]!.trim().split('\n')) {
      expect(Object.keys(JSON.parse(line) as object)).not.toEqual(expect.arrayContaining(['participants']));
      expect(line).not.toMatch(/actualCohortSize|participants/);
    }
    for (const line of published[2]!.trim().split('\n')) {
      const metrics = JSON.parse(line) as Record<string, unknown>;
      for (const key of ['selected', 'participants', 'failures', 'failure_reasons', 'bytes_in', 'bytes_out', 'per_client_accuracy'])
        expect(metrics).not.toHaveProperty(key);
    }
    expect(summary.final).not.toHaveProperty('perClientAccuracy');
    expect(summary.initial).not.toHaveProperty('perClientAccuracy');
    // Evaluation asks every connected client (the public population); training cohorts are never sized.
    expect(participationLines(lines).join('\n')).not.toMatch(
      /fit round \d+ started with|"task":"fit","selected"|"participants"|perClientAccuracy/,
    );
    // The signing key lives outside the run directory, so nothing in it can re-sign the ledger.
    expect(filesUnder(out).filter((f) => f.endsWith('.key'))).toEqual([]);
    for (const file of filesUnder(out)) expect(readFileSync(file).includes(Buffer.from('coordinator.key'))).toBe(false);
  }, 120_000);

  it("a misbehaving client's rejections are not logged at info, where they would reveal that it was sampled", async () => {
    const dir = tempDir();
    const { logger, lines } = capturingLogger('info');
    const started = await startCoordinator(syntheticData(3), {
      rounds: 2,
      minClients: 2,
      evalEvery: 0,
      logger,
      dbPath: join(dir, 'state.db'),
      ledgerPath: join(dir, 'ledger.jsonl'),
      dp: { mode: 'central', clipNorm: 1, noiseMultiplier: 1, sampleRate: 1, delta: 1e-5, keyDir: join(dir, 'keys') },
    });
    const honest = ['site-a', 'site-b'].map((id) => zeroUpdateClient(started.url, id));
    const rogue = new RawClient(started.url, 'rogue-site', (c, s) =>
      c.send('round:update', {
        protocolVersion: PROTOCOL_VERSION,
        runId: s.runId,
        round: s.round,
        clientId: 'rogue-site',
        numExamples: 1,
        manifest: [],
        payload: new Uint8Array(0),
      }),
    );
    try {
      await waitUntil(() => [...honest, rogue].every((c) => c.description !== undefined));
      expect((await started.coordinator.runRounds()).status).toBe('finished');
      await waitUntil(() => rogue.acks.length === 2);
      expect(rogue.acks.every((a) => !a.ok)).toBe(true);
      for (const id of ['site-a', 'site-b', 'rogue-site']) for (const line of participationLines(lines)) expect(line).not.toContain(id);
    } finally {
      [...honest, rogue].forEach((c) => c.close());
      await started.coordinator.close();
    }
  }, 60_000);
});
