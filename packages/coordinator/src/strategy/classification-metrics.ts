import type { ClassificationMetrics, EvaluateResult } from './strategy';

/** Sums the clients' confusion matrices (k × k, row = true class) and loss sums. */
export function sumEvaluations(
  results: readonly EvaluateResult[],
  numClasses: number,
): { confusion: Float64Array; lossSum: number; examples: number } {
  const confusion = new Float64Array(numClasses * numClasses);
  let lossSum = 0;
  let examples = 0;
  for (const r of results) {
    r.confusion.forEach((v, i) => (confusion[i]! += v));
    lossSum += r.lossSum;
    examples += r.numExamples;
  }
  return { confusion, lossSum, examples };
}

/**
 * Metrics from summed counts, never from averaged per-client ratios. Binary tasks report precision,
 * recall and F1 of class 1; multi-class tasks report their macro average over classes. A class that
 * is never predicted (or never present) scores 0 for precision (recall), as scikit-learn's
 * zero_division=0 does.
 */
export function metricsFromConfusion(
  confusion: Float64Array,
  numClasses: number,
  lossSum: number,
  examples: number,
): ClassificationMetrics {
  const perClass = Array.from({ length: numClasses }, (_, c) => {
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < numClasses; j++) {
      predicted += confusion[j * numClasses + c]!;
      actual += confusion[c * numClasses + j]!;
    }
    const hit = confusion[c * numClasses + c]!;
    const precision = predicted > 0 ? hit / predicted : 0;
    const recall = actual > 0 ? hit / actual : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { hit, precision, recall, f1 };
  });
  const total = confusion.reduce((a, b) => a + b, 0);
  const correct = perClass.reduce((a, c) => a + c.hit, 0);
  const chosen = numClasses === 2 ? [perClass[1]!] : perClass;
  const mean = (pick: (c: (typeof perClass)[number]) => number) => chosen.reduce((a, c) => a + pick(c), 0) / chosen.length;
  return {
    examples,
    loss: examples > 0 ? lossSum / examples : Number.NaN,
    accuracy: total > 0 ? correct / total : Number.NaN,
    precision: mean((c) => c.precision),
    recall: mean((c) => c.recall),
    f1: mean((c) => c.f1),
  };
}
