// The strategy: FedAvg with every client weighted alike, whatever its example count — a one-method
// change of Cohort's FedAvg. Strategies are pure maths over Float32Arrays (see Strategy).
import { FedAvg, type Failure, type FitAggregate, type FitResult } from '@cohort/coordinator';

export class UniformFedAvg extends FedAvg {
  override aggregateFit(round: number, results: FitResult[], failures: Failure[], current: readonly Float32Array[]): FitAggregate {
    return super.aggregateFit(
      round,
      results.map((r) => ({ ...r, numExamples: 1 })),
      failures,
      current,
    );
  }
}
