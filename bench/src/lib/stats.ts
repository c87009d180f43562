/** Timing helpers: warm-ups, repetitions, medians. Times are in milliseconds from performance.now(). */
import type { Figure } from './result';

export interface RepeatOptions {
  /** Unmeasured runs first, to let the JIT and caches settle. */
  warmup: number;
  /** Measured runs; the median is reported. */
  reps: number;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Half the min–max range relative to the median, e.g. 0.03 for ±3 %. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / 2 / Math.abs(median(values));
}

export async function timeMs(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs each function `warmup + reps` times, interleaved (a, b, a, b, …) so that a slow spell of a
 * shared machine hits subject and baseline alike. Returns the measured times per key.
 */
export async function interleaved<K extends string>(fns: Record<K, () => unknown>, options: RepeatOptions): Promise<Record<K, number[]>> {
  const keys = Object.keys(fns) as K[];
  const times = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let rep = 0; rep < options.warmup + options.reps; rep++) {
    for (const key of keys) {
      const ms = await timeMs(fns[key]);
      if (rep >= options.warmup) times[key].push(ms);
    }
  }
  return times;
}

export function figure(label: string, samples: readonly number[], unit: string, baseline = false): Figure {
  return { label, value: median(samples), unit, samples: [...samples], ...(baseline ? { baseline } : {}) };
}

/** Converts times in ms into rates: `work` units per second. */
export function perSecond(work: number, timesMs: readonly number[]): number[] {
  return timesMs.map((ms) => (work * 1000) / ms);
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
