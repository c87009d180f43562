import { describe, expect, it } from 'vitest';
import { FedAvg, metricsFromConfusion } from '@cohort/coordinator';

describe('metrics from summed confusion counts', () => {
  it('computes macro precision, recall and F1 for multi-class (values as scikit-learn gives)', () => {
    // y_true = [0,0,0,1,1,2], y_pred = [0,1,0,1,2,2]: sklearn macro precision 0.7222, recall 0.7222, f1 0.7
    const confusion = Float64Array.from([2, 1, 0, 0, 1, 1, 0, 0, 1]);
    const m = metricsFromConfusion(confusion, 3, 3, 6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision).toBeCloseTo((1 + 0.5 + 0.5) / 3, 12);
    expect(m.recall).toBeCloseTo((2 / 3 + 0.5 + 1) / 3, 12);
    expect(m.f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(m.loss).toBeCloseTo(0.5, 12);
  });

  it('reports class 1 for binary tasks', () => {
    // TN=5, FP=1, FN=2, TP=2
    const m = metricsFromConfusion(Float64Array.from([5, 1, 2, 2]), 2, 0, 10);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(0.5, 12);
    expect(m.f1).toBeCloseTo(4 / 7, 12);
  });

  it('sums counts across clients instead of averaging their ratios', () => {
    const strategy = new FedAvg();
    // Client a: 1 example, right. Client b: 99 examples, 49 right. Mean of ratios would be 0.747.
    const m = strategy.aggregateEvaluate(
      1,
      [
        { clientId: 'a', numExamples: 1, lossSum: 0.1, confusion: [1, 0, 0, 0] },
        { clientId: 'b', numExamples: 99, lossSum: 50, confusion: [49, 50, 0, 0] },
      ],
      [],
      2,
    );
    expect(m.accuracy).toBeCloseTo(0.5, 12);
    expect(m.loss).toBeCloseTo(50.1 / 100, 12);
  });
});
