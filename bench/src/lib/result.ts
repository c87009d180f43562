/**
 * The shape every benchmark returns: figures (medians of repetitions, with their samples) and
 * ratios between figures measured in the same run. Absolute figures depend on the machine; only the
 * ratios are meant to be compared across runs.
 */

export interface Figure {
  /** What was measured, e.g. "applyWeightedMeanDelta, 20 × 1.0M params". */
  label: string;
  /** Median over the measured repetitions (or the single value when `samples` is empty). */
  value: number;
  unit: string;
  /** Every measured repetition, in `unit`, warm-ups excluded. */
  samples: number[];
  /** True for a baseline that a ratio is taken against. */
  baseline?: boolean;
}

export interface Ratio {
  /** e.g. "FedAvg ÷ Float32Array accumulate". */
  label: string;
  value: number;
  /** How to read it, e.g. "throughput ratio; 1 = as fast as the baseline". */
  meaning: string;
}

export interface BenchResult {
  id: string;
  title: string;
  figures: Figure[];
  ratios: Ratio[];
  /** Settings and observations worth keeping with the figures. */
  notes: string[];
  /** Wall time of the whole benchmark, in milliseconds. */
  durationMs?: number;
  /** Set when the benchmark failed or its process had to be killed. */
  error?: string;
}

/** A benchmark's entry point: runs in its own child process and returns its figures. */
export type Benchmark = () => Promise<Omit<BenchResult, 'id' | 'title'>>;
