import { describe, expect, it } from 'vitest';
import { runSimulation } from '@cohort/simulations';
import { quiet, tempDir } from '../helpers/federation';

async function fairnessAfterTraining(groupBias: number) {
  const summary = await runSimulation({
    dataset: 'synthetic-credit',
    groupBias,
    clients: 5,
    rounds: 3,
    batchSize: 16,
    workers: 2,
    seed: 2,
    out: tempDir(),
    logger: quiet,
  });
  expect(summary.status).toBe('finished');
  return summary.final!;
}

describe('fairness of a federated model on synthetic PII data', () => {
  it('shows the accuracy and opportunity gap of an injected group bias, and none without it', async () => {
    const biased = await fairnessAfterTraining(1);
    const fair = await fairnessAfterTraining(0);
    const gap = (m: typeof biased) => m.fairness!.groups.A!.accuracy - m.fairness!.groups.B!.accuracy;
    // Group B holds ~340 held-out rows: its accuracy has a standard error of ~0.02, the gap ~0.025.
    expect(gap(biased)).toBeGreaterThan(0.1);
    expect(Math.abs(gap(fair))).toBeLessThan(0.06);
    expect(biased.fairness!.equalOpportunityDifference).toBeGreaterThan(fair.fairness!.equalOpportunityDifference + 0.1);
    for (const m of [biased, fair]) {
      expect(Object.keys(m.fairness!.groups).sort()).toEqual(['A', 'B']);
      expect(m.perClientAccuracy!.clients).toBe(5);
      expect(m.perClientAccuracy!.min).toBeLessThanOrEqual(m.accuracy);
      expect(m.perClientAccuracy!.max).toBeGreaterThanOrEqual(m.accuracy);
    }
  }, 180_000);
});
