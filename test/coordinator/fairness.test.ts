import { describe, expect, it } from 'vitest';
import { FedAvg, type EvaluateResult } from '@cohort/coordinator';

// Binary confusion [TN, FP, FN, TP] (row = true class).
function client(clientId: string, groups: Record<string, [number, number, number, number]>): EvaluateResult {
  const confusion = [0, 0, 0, 0];
  for (const counts of Object.values(groups)) counts.forEach((v, i) => (confusion[i]! += v));
  return { clientId, numExamples: confusion.reduce((a, b) => a + b, 0), lossSum: 0, confusion, groupConfusion: groups };
}

describe('fairness metrics from per-group counts', () => {
  const results = [client('a', { A: [40, 10, 5, 45], B: [20, 0, 10, 10] }), client('b', { A: [10, 0, 0, 10], B: [30, 10, 20, 20] })];
  const metrics = new FedAvg().aggregateEvaluate(1, results, [], 2);

  it('sums each group across clients, then computes accuracy, TPR, FPR and F1', () => {
    // A: TN 50, FP 10, FN 5, TP 55. B: TN 50, FP 10, FN 30, TP 30.
    expect(metrics.fairness!.groups.A).toEqual({
      examples: 120,
      accuracy: 105 / 120,
      tpr: 55 / 60,
      fpr: 10 / 60,
      f1: expect.closeTo((2 * 55) / (2 * 55 + 10 + 5), 12),
      positiveRate: 65 / 120,
    });
    expect(metrics.fairness!.groups.B!.tpr).toBeCloseTo(0.5, 12);
    expect(metrics.fairness!.groups.B!.positiveRate).toBeCloseTo(40 / 120, 12);
  });

  it('reports the demographic parity and equal opportunity differences', () => {
    expect(metrics.fairness!.demographicParityDifference).toBeCloseTo(65 / 120 - 40 / 120, 12);
    expect(metrics.fairness!.equalOpportunityDifference).toBeCloseTo(55 / 60 - 0.5, 12);
  });

  it('reports the spread of per-client accuracy', () => {
    // a: (40+45+20+10)/140, b: (10+10+30+20)/100
    const accuracies = [70 / 100, 115 / 140];
    const mean = (accuracies[0]! + accuracies[1]!) / 2;
    expect(metrics.perClientAccuracy).toEqual({
      clients: 2,
      min: accuracies[0],
      max: accuracies[1],
      std: expect.closeTo(Math.abs(accuracies[1]! - mean), 12),
    });
  });

  it('leaves fairness out when no client reports groups', () => {
    const plain = new FedAvg().aggregateEvaluate(1, [{ clientId: 'a', numExamples: 2, lossSum: 0, confusion: [1, 0, 0, 1] }], [], 2);
    expect(plain.fairness).toBeUndefined();
  });
});
