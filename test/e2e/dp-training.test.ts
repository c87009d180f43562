import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditLedger, parseLedgerHead, parseLedgerJsonl, publicKeyFingerprint, publicKeyFromText, RdpAccountant } from '@cohort/privacy';
import { runSimulation, type MetricsLine } from '@cohort/simulations';
import type { Coordinator } from '@cohort/coordinator';
import { honestClients, quiet, startCoordinator, syntheticData, tempDir, waitUntil } from '../helpers/federation';

function readAudit(dir: string, budgetEpsilon?: number) {
  const entries = parseLedgerJsonl(readFileSync(join(dir, 'ledger.jsonl'), 'utf8'));
  const publicKey = publicKeyFromText(readFileSync(join(dir, 'coordinator.pub'), 'utf8'));
  const head = parseLedgerHead(readFileSync(join(dir, 'ledger-head.json'), 'utf8'));
  return { entries, audit: auditLedger(entries, { publicKey, head, ...(budgetEpsilon !== undefined ? { budgetEpsilon } : {}) }) };
}

describe('differentially private training', () => {
  it('central DP: stops cleanly at the budget, with a ledger that an independent audit verifies', async () => {
    const out = tempDir();
    const keyDir = join(tempDir(), 'keys');
    const summary = await runSimulation({
      dataset: 'synthetic',
      clients: 20,
      rounds: 10,
      fraction: 0.5,
      batchSize: 16,
      workers: 2,
      out,
      logger: quiet,
      keyDir,
      dp: { mode: 'central', clip: 1, noiseMultiplier: 2, delta: 1e-5, budgetEpsilon: 3 },
    });
    expect(summary.status).toBe('budget-exhausted');
    expect(summary.reason).toMatch(
      /^privacy budget exhausted after round (\d+): the federation's privacy budget ε = 3 \(δ = 0\.00001\) cannot fit another round: ε spent so far [\d.]+ over \d+ releases, one more .* would reach [\d.]+$/,
    );
    const rounds = summary.rounds_completed;
    expect(rounds).toBeGreaterThan(0);
    expect(rounds).toBeLessThan(10);

    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsLine);
    const last = lines.at(-1)!;
    const reference = new RdpAccountant();
    reference.step({ noiseMultiplier: 2, sampleRate: 0.5 }, rounds);
    expect(last.epsilon_rdp).toBeCloseTo(reference.getEpsilon(1e-5), 10);
    expect(last.epsilon_rdp!).toBeLessThanOrEqual(3);
    expect(last.epsilon_pld!).toBeLessThan(last.epsilon_rdp!);
    expect(summary.privacy).toMatchObject({ mode: 'central', noise_multiplier: 2, clip: 1, sample_rate: 0.5, private: true });

    const { entries, audit } = readAudit(out, 3);
    expect(entries).toHaveLength(rounds);
    expect(entries.every((e) => e.mechanism === 'gaussian-central' && e.expectedCohortSize === 10 && e.private)).toBe(true);
    expect(audit.verdict).toBe('pass');
    expect(audit.reasons).toEqual([]);
    expect(audit.central?.epsilonRdp).toBeCloseTo(last.epsilon_rdp!, 9);

    // Pinned out of band: the key fingerprint (from the coordinator's own key directory), the run id
    // and the released weights all match the signed final head.
    const publicKey = publicKeyFromText(readFileSync(join(keyDir, 'coordinator.pub'), 'utf8'));
    const head = parseLedgerHead(readFileSync(join(out, 'ledger-head.json'), 'utf8'));
    const weights = createHash('sha256')
      .update(readFileSync(join(out, 'model', 'weights.bin')))
      .digest('hex');
    expect(head).toMatchObject({ status: 'budget-exhausted', runId: summary.run_id, modelSha256: summary.model_sha256, budgetEpsilon: 3 });
    const pinned = { publicKey, head, expectKeyFingerprint: publicKeyFingerprint(publicKey), runId: summary.run_id, modelSha256: weights };
    expect(auditLedger(entries, pinned).reasons).toEqual([]);
    const codes = (options: Partial<typeof pinned>) => auditLedger(entries, { ...pinned, ...options }).failures.map((f) => f.code);
    expect(codes({ modelSha256: '0'.repeat(64) })).toContain('MODEL_MISMATCH');
    expect(codes({ runId: 'another-run' })).toContain('UNEXPECTED_RUN');
    expect(codes({ expectKeyFingerprint: 'SHA256:AAAA' })).toContain('KEY_FINGERPRINT_MISMATCH');
  }, 120_000);

  it('rebuilds the accountant from the ledger after a restart: ε and the chain continue', async () => {
    const dataset = syntheticData(4);
    const dir = tempDir();
    const dbPath = join(dir, 'state.db');
    const dp = { mode: 'central' as const, clipNorm: 1, noiseMultiplier: 1.5, sampleRate: 1, delta: 1e-5, keyDir: join(dir, 'keys') };
    const options = { rounds: 4, minClients: 3, evalEvery: 0, dbPath, dp, ledgerPath: join(dir, 'ledger.jsonl') };

    let coordinator: Coordinator | undefined;
    const first = await startCoordinator(dataset, options);
    coordinator = first.coordinator;
    let clients = honestClients(first.url, dataset, 3);
    first.coordinator.on('round', (r) => r.round === 2 && void first.coordinator.close());
    const stopped = await first.coordinator.runRounds();
    expect(stopped.status).toBe('stopped');
    await Promise.all(clients.map((c) => c.close()));

    const second = await startCoordinator(dataset, options);
    coordinator = second.coordinator;
    clients = honestClients(second.url, dataset, 3);
    await waitUntil(() => clients.every((c) => c.connected));
    const outcome = await coordinator.runRounds();
    await Promise.all(clients.map((c) => c.close()));
    await coordinator.close();

    expect(outcome.status).toBe('finished');
    const { entries, audit } = readAudit(dir);
    expect(entries.map((e) => [e.seq, e.round])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    const fresh = new RdpAccountant();
    fresh.step({ noiseMultiplier: 1.5, sampleRate: 1 }, 4);
    expect(outcome.privacy!.rdp).toBeCloseTo(fresh.getEpsilon(1e-5), 10);
    expect(entries[3]!.epsilonClaimed).toBeCloseTo(fresh.getEpsilon(1e-5), 10);
    expect(audit.verdict).toBe('pass');
  }, 120_000);

  it('seeded DP noise is reproducible and labelled not private everywhere', async () => {
    const run = (out: string) =>
      runSimulation({
        dataset: 'synthetic',
        clients: 6,
        rounds: 2,
        fraction: 1,
        batchSize: 16,
        workers: 2,
        out,
        logger: quiet,
        seed: 3,
        keyDir: join(tempDir(), 'keys'),
        dp: { mode: 'local', clip: 0.5, noiseMultiplier: 0.5, seed: 9 },
      });
    const [a, b] = [await run(tempDir()), await run(tempDir())];
    expect(a.model_sha256).toBe(b.model_sha256);
    expect(a.privacy?.private).toBe(false);
    const metricLines = readFileSync(join(a.run_dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsLine);
    expect(metricLines.filter((l) => l.round > 0).every((l) => l.private === false && l.population === 6)).toBe(true);
    const { entries, audit } = readAudit(a.run_dir);
    expect(entries.every((e) => e.mechanism === 'gaussian-local' && e.sampleRate === 1 && !e.private)).toBe(true);
    expect(audit.verdict).toBe('fail');
    expect(audit.findings.map((f) => f.code)).toContain('NOT_PRIVATE');
  }, 120_000);
});
