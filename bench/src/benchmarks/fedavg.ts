/**
 * FedAvg aggregation throughput: applyWeightedMeanDelta over 20 clients × ~1M float32 parameters,
 * in GB/s of client updates read, against a plain Float32Array accumulate loop over the same data;
 * and the streaming aggregate a round uses, which checks every value as it adds it, against it.
 */
import { FedAvg, applyWeightedMeanDelta, type FitResult } from '@cohort/coordinator';
import type { Benchmark } from '../lib/result';
import { denseWeights, filled, parameterCount } from '../lib/model';
import { figure, interleaved, perSecond } from '../lib/stats';

const CLIENTS = 20;
const INPUTS = 1000;
const UNITS = 1000;

/** The baseline: Σ Δ_i in float32, unweighted, one pass per client, no rounding step. */
function plainSum(deltas: readonly Float32Array[][], sizes: readonly number[]): Float32Array[] {
  return sizes.map((size, t) => {
    const acc = new Float32Array(size);
    for (const delta of deltas) {
      const d = delta[t]!;
      for (let i = 0; i < size; i++) acc[i]! += d[i]!;
    }
    return acc;
  });
}

export const run: Benchmark = async () => {
  const global = denseWeights(INPUTS, UNITS).map((t) => t.data as Float32Array);
  const params = parameterCount(denseWeights(INPUTS, UNITS));
  const results: FitResult[] = Array.from({ length: CLIENTS }, (_, c) => ({
    clientId: `c${c}`,
    numExamples: 10 + c,
    delta: global.map((t, k) => filled(t.length, 100 + c * 7 + k)),
    metrics: { loss: 1, accuracy: 0.5 },
  }));
  const deltas = results.map((r) => r.delta);
  const sizes = global.map((t) => t.length);
  let sink = 0;
  const strategy = new FedAvg();
  const ids = results.map((r) => r.clientId);
  const summaries = results.map(({ delta: _, ...summary }) => summary).sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  /** As a round takes the updates in: arriving one by one, values checked as they are added. */
  const streamed = () => {
    const accumulator = strategy.fitAccumulator(1, ids, global)!;
    for (const r of results) accumulator.add(r, (refusal) => (sink += refusal ? 1 : 0));
    accumulator.flush();
    return accumulator.finish(summaries, []).weights;
  };
  const times = await interleaved(
    {
      fedavg: () => (sink += applyWeightedMeanDelta(global, results)[0]![0]!),
      streamed: () => (sink += streamed()[0]![0]!),
      baseline: () => (sink += plainSum(deltas, sizes)[0]![0]!),
    },
    { warmup: 2, reps: 7 },
  );
  const gigabytes = (CLIENTS * params * 4) / 1e9;
  const fedavg = figure(
    `applyWeightedMeanDelta, ${CLIENTS} × ${(params / 1e6).toFixed(2)}M params`,
    perSecond(gigabytes, times.fedavg),
    'GB/s',
  );
  const stream = figure(
    "the round's streaming aggregate: updates one by one, every value checked as it is added",
    perSecond(gigabytes, times.streamed),
    'GB/s',
  );
  const baseline = figure('baseline: Float32Array accumulate loop, same data', perSecond(gigabytes, times.baseline), 'GB/s', true);
  return {
    figures: [fedavg, stream, baseline],
    ratios: [
      {
        label: 'FedAvg ÷ plain Float32Array sum',
        value: fedavg.value / baseline.value,
        meaning: 'throughput; 1 = as fast as the plain sum',
      },
      {
        label: 'streaming aggregate with its value check ÷ applyWeightedMeanDelta without one',
        value: stream.value / fedavg.value,
        meaning:
          'throughput: what taking updates in as they arrive (batches of 8, the sums read and written once a batch) and checking every value for NaN/±Infinity cost against one unchecked pass over all 20',
      },
    ],
    notes: [
      `${CLIENTS} clients × ${params} params (${(gigabytes * 1000).toFixed(0)} MB of updates per aggregation); 2 warm-ups, 7 interleaved reps; checksum ${Number.isFinite(sink)}`,
    ],
  };
};
