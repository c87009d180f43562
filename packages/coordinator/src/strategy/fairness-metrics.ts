/**
 * Fairness from summed counts: per-group accuracy, TPR, FPR and F1, the demographic parity
 * difference (spread of positive prediction rates) and the equal opportunity difference (spread of
 * true positive rates), after Hardt, Price, Srebro, "Equality of Opportunity in Supervised
 * Learning", NeurIPS 2016. Also the spread of accuracy across clients.
 */
import { metricsFromConfusion } from './classification-metrics';
import type { EvaluateResult, FairnessMetrics, GroupMetrics } from './strategy';

export function fairnessFromResults(results: readonly EvaluateResult[], numClasses: number): FairnessMetrics | undefined {
  const sums = new Map<string, Float64Array>();
  for (const r of results) {
    for (const [group, counts] of Object.entries(r.groupConfusion ?? {})) {
      const acc = sums.get(group) ?? new Float64Array(numClasses * numClasses);
      counts.forEach((v, i) => (acc[i]! += v));
      sums.set(group, acc);
    }
  }
  if (sums.size === 0) return undefined;
  const groups: Record<string, GroupMetrics> = {};
  for (const [group, confusion] of [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
    groups[group] = groupMetrics(confusion, numClasses);
  const values = Object.values(groups);
  const spread = (pick: (g: GroupMetrics) => number) => Math.max(...values.map(pick)) - Math.min(...values.map(pick));
  return {
    groups,
    demographicParityDifference: numClasses === 2 ? spread((g) => g.positiveRate!) : null,
    equalOpportunityDifference: spread((g) => g.tpr),
  };
}

function groupMetrics(confusion: Float64Array, numClasses: number): GroupMetrics {
  const examples = confusion.reduce((a, b) => a + b, 0);
  const base = metricsFromConfusion(confusion, numClasses, 0, examples);
  const fprOf = (c: number) => {
    let falsePositive = 0;
    let negatives = 0;
    for (let t = 0; t < numClasses; t++) {
      if (t === c) continue;
      for (let p = 0; p < numClasses; p++) negatives += confusion[t * numClasses + p]!;
      falsePositive += confusion[t * numClasses + c]!;
    }
    return negatives > 0 ? falsePositive / negatives : 0;
  };
  const classes = numClasses === 2 ? [1] : Array.from({ length: numClasses }, (_, c) => c);
  const predictedPositive = confusion[0 * numClasses + 1]! + confusion[1 * numClasses + 1]!;
  return {
    examples,
    accuracy: base.accuracy,
    tpr: base.recall,
    fpr: classes.reduce((a, c) => a + fprOf(c), 0) / classes.length,
    f1: base.f1,
    positiveRate: numClasses === 2 && examples > 0 ? predictedPositive / examples : null,
  };
}

/** min, max and population std of the clients' own accuracies. */
export function clientAccuracySpread(
  results: readonly EvaluateResult[],
  numClasses: number,
): { clients: number; min: number; max: number; std: number } | undefined {
  const accuracies = results
    .filter((r) => r.numExamples > 0)
    .map((r) => Array.from({ length: numClasses }, (_, c) => r.confusion[c * numClasses + c]!).reduce((a, b) => a + b, 0) / r.numExamples);
  if (accuracies.length === 0) return undefined;
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const std = Math.sqrt(accuracies.reduce((a, v) => a + (v - mean) ** 2, 0) / accuracies.length);
  return { clients: accuracies.length, min: Math.min(...accuracies), max: Math.max(...accuracies), std };
}
