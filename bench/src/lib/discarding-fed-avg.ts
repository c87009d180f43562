/**
 * A FedAvg that takes every update and adds none of it: each is acknowledged as it arrives, and the
 * round's model is the global model unchanged. For round-overhead-split-no-aggregation only: it
 * measures the round engine, the transport, validation and the commit without the aggregate's data
 * path (the finite scan, the float64 sums, updates that wait for their turn), so that
 * the bench can say how much of a round's overhead that data path is.
 */
import { FedAvg, handBackIfLent, type FitAccumulator, type FitAggregate } from '@cohort/coordinator';

export class DiscardingFedAvg extends FedAvg {
  override fitAccumulator(_round: number, _selected: readonly string[], global: readonly Float32Array[]): FitAccumulator {
    return {
      checksValues: true,
      add: (result, verdict) => {
        verdict();
        // As FedAvg does once it has added an update: its memory takes the next one.
        handBackIfLent(result.delta);
      },
      skip: () => undefined,
      flush: () => undefined,
      finish: (): FitAggregate => ({ trainLoss: null, trainAccuracy: null, weights: global.map((t) => t.slice()) }),
    };
  }
}
