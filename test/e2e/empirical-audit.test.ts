import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CentralDp, FedAvg, type DpOptions, type Strategy } from '@cohort/coordinator';
import { createGaussianSource } from '@cohort/privacy';
import { runSimulation, type PrivacyAuditReport } from '@cohort/simulations';
import { quiet, tempDir } from '../helpers/federation';
import { cohort } from '../helpers/processes';

/**
 * A faulty DP mechanism, the bug the audit exists to catch: it adds a hundredth of the noise it
 * reports, so the ledger (and the accountant) claim far more privacy than the releases give.
 */
function underNoised(dp: DpOptions): Strategy {
  const real = new CentralDp(new FedAvg(), {
    clipNorm: dp.clipNorm,
    noiseMultiplier: dp.noiseMultiplier / 100,
    sampleRate: dp.sampleRate,
    random: createGaussianSource(),
  });
  return {
    name: 'UnderNoisedCentralDp',
    configureFit: (round, available) => real.configureFit(round, available),
    aggregateFit: (round, results, failures, global) => {
      const aggregate = real.aggregateFit(round, results, failures, global);
      return { ...aggregate, ...(aggregate.release ? { release: { ...aggregate.release, noiseMultiplier: dp.noiseMultiplier } } : {}) };
    },
    applyDelta: (round, delta, global) => real.applyDelta(round, delta, global),
    configureEvaluate: (round, available) => real.configureEvaluate(round, available),
    aggregateEvaluate: (round, results, failures, numClasses) => real.aggregateEvaluate(round, results, failures, numClasses),
  };
}

async function audited(dpStrategy?: (dp: DpOptions) => Strategy) {
  const out = tempDir();
  const keyDir = join(tempDir(), 'keys');
  const summary = await runSimulation({
    dataset: 'synthetic',
    clients: 20,
    rounds: 5,
    fraction: 0.5,
    batchSize: 32,
    workers: 2,
    evalEvery: 0,
    out,
    logger: quiet,
    keyDir,
    canaries: 200,
    dp: { mode: 'central', clip: 1, noiseMultiplier: 5, delta: 1e-5 },
    ...(dpStrategy ? { dpStrategy } : {}),
  });
  const report = JSON.parse(readFileSync(join(out, 'privacy-audit.json'), 'utf8')) as PrivacyAuditReport;
  const cli = await cohort(
    'audit',
    join(out, 'ledger.jsonl'),
    '--public-key',
    join(keyDir, 'coordinator.pub'),
    '--head',
    join(out, 'ledger-head.json'),
  );
  return { out, summary, report, cli };
}

describe('empirical privacy audit with canary clients', () => {
  it('a correctly noised run: the one-run lower bound stays below the accountant, and cohort audit agrees', async () => {
    const { summary, report, cli } = await audited();
    expect(summary.status).toBe('finished');
    expect(report.canaries).toBe(200);
    expect(report.inserted).toBeGreaterThan(70);
    expect(report.inserted).toBeLessThan(130);
    expect(report.lowerBound.epsilon).toBeLessThanOrEqual(Math.min(report.accountant.rdp, report.accountant.pld));
    expect(report.verdict).toBe('pass');
    expect(summary.privacy_audit).toMatchObject({ canaries: 200, verdict: 'pass' });
    // The canaries' secret directions are never written: only their scores.
    expect(Object.keys(report.scores[0]!).sort()).toEqual(['finalCosine', 'inserted', 'maxRoundCosine']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/Empirical audit .*privacy-audit\.json\): 200 canaries/);
    expect(cli.stdout).toMatch(/consistent: lower ≤ upper/);
  }, 180_000);

  it('a run that adds a hundredth of the noise it records: the lower bound exceeds the claimed ε and the audit fails', async () => {
    const { summary, report, cli, out } = await audited(underNoised);
    expect(summary.status).toBe('finished');
    const upper = Math.min(report.accountant.rdp, report.accountant.pld);
    expect(upper).toBeLessThan(1.2);
    expect(report.lowerBound.epsilon).toBeGreaterThan(upper);
    expect(report.estimate.epsilon).toBeGreaterThan(upper);
    expect(report.verdict).toBe('fail');
    expect(report.reasons[0]).toMatch(/noise smaller than recorded, clipping skipped, or releases left unaccounted/);
    // The ledger alone verifies (the fault is in the mechanism, not the bookkeeping); the empirical check catches it.
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/INCONSISTENT: lower > upper/);
    expect(cli.stderr).toMatch(/exceeds the ledger's upper bound/);
    expect(existsSync(join(out, 'privacy-audit.json'))).toBe(true);
  }, 180_000);
});
