/** Per-round series of one figure, for one run or the mean ± std of a group of seeds. */
import type { MetricsLine } from '../run-directory';
import type { RunGroup } from './compare-runs';
import type { RunRecord } from './read-run-directory';

/** One figure of a metrics line; null or undefined where the round did not record it. */
export type Extract = (line: MetricsLine) => number | null | undefined;

/** Values aligned on the report's rounds; null where no run of the group has the figure. */
export interface GroupSeries {
  mean: (number | null)[];
  /** Sample standard deviation across the group's runs; null for a single run. */
  std: (number | null)[] | null;
}

/** Every round any run recorded, ascending. */
export function roundsOf(runs: readonly RunRecord[]): number[] {
  return [...new Set(runs.flatMap((run) => run.metrics.map((line) => line.round)))].sort((a, b) => a - b);
}

/**
 * The figure per round over a group: a run's value, or across seeds the mean and the std of the
 * runs that recorded that round. null when no run of the group recorded the figure at all.
 */
export function groupSeries(group: RunGroup, rounds: readonly number[], extract: Extract): GroupSeries | null {
  const perRun = group.runs.map((run) => valuesByRound(run, extract));
  if (perRun.every((values) => values.size === 0)) return null;
  const mean: (number | null)[] = [];
  const std: (number | null)[] = [];
  for (const round of rounds) {
    const values = perRun.map((byRound) => byRound.get(round)).filter((v): v is number => v !== undefined);
    const stats = meanAndStd(values);
    mean.push(stats?.mean ?? null);
    std.push(stats?.std ?? null);
  }
  return { mean, std: group.runs.length > 1 ? std : null };
}

export function meanAndStd(values: readonly number[]): { mean: number; std: number | null } | null {
  if (values.length === 0) return null;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** A round's figure by round number; should a round appear twice, its last line wins. */
function valuesByRound(run: RunRecord, extract: Extract): Map<number, number> {
  const byRound = new Map<number, number>();
  for (const line of run.metrics) {
    const value = extract(line);
    if (typeof value === 'number' && Number.isFinite(value)) byRound.set(line.round, value);
  }
  return byRound;
}
