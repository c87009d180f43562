/**
 * Overhead of the empirical privacy audit: the same 100-client synthetic simulation under central
 * DP without canaries and with `canaries: 100` (each inserted with probability ½, so about 50 extra
 * clients whose "training" is one scaled direction). Runs alternate off, on, on, off so that a drift
 * in the machine's load cancels out; the audit's scoring after the run is timed on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation } from '@cohort/simulations';
import type { Benchmark } from '../lib/result';
import { silentLogger } from '../lib/silent';
import { figure } from '../lib/stats';

const CLIENTS = 100;
const CANARIES = 100;
const ROUNDS = 4;
const ORDER = [0, CANARIES, CANARIES, 0] as const;

async function measure(canaries: number): Promise<{ rounds: number[]; totalMs: number; afterRunsMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-canaries-'));
  const simulation = new Simulation({
    dataset: 'synthetic',
    clients: CLIENTS,
    rounds: ROUNDS,
    fraction: 0.2,
    evalEvery: 0,
    batchSize: 32,
    out: dir,
    keyDir: join(dir, '..', `${dir.split('/').pop()}-keys`),
    logger: silentLogger,
    canaries,
    dp: { mode: 'central', clip: 1, noiseMultiplier: 1, delta: 1e-5 },
  });
  const rounds: number[] = [];
  let lastRoundAt = 0;
  simulation.on('round', (report) => {
    if (report.round >= 2) rounds.push(report.durationMs);
    lastRoundAt = performance.now();
  });
  const started = performance.now();
  try {
    const summary = await simulation.run();
    if (summary.status !== 'finished') throw new Error(`simulation with ${canaries} canaries ended ${summary.status}: ${summary.reason}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const ended = performance.now();
  return { rounds, totalMs: ended - started, afterRunsMs: ended - lastRoundAt };
}

export const run: Benchmark = async () => {
  const runs: { canaries: number; result: Awaited<ReturnType<typeof measure>> }[] = [];
  for (const canaries of ORDER) runs.push({ canaries, result: await measure(canaries) });
  const of = (canaries: number) => runs.filter((r) => r.canaries === canaries).map((r) => r.result);
  const plainRound = figure(
    'simulated round, no canaries',
    of(0).flatMap((r) => r.rounds),
    'ms',
    true,
  );
  const canaryRound = figure(
    `simulated round, ${CANARIES} canaries`,
    of(CANARIES).flatMap((r) => r.rounds),
    'ms',
  );
  const plainRun = figure(
    'whole run, no canaries',
    of(0).map((r) => r.totalMs),
    'ms',
    true,
  );
  const canaryRun = figure(
    `whole run, ${CANARIES} canaries (audit included)`,
    of(CANARIES).map((r) => r.totalMs),
    'ms',
  );
  const tail = figure(
    'after the last round, with canaries (scoring, statistics, summary)',
    of(CANARIES).map((r) => r.afterRunsMs),
    'ms',
  );
  return {
    figures: [plainRound, canaryRound, plainRun, canaryRun, tail],
    ratios: [
      { label: `round time, ${CANARIES} canaries ÷ none`, value: canaryRound.value / plainRound.value, meaning: '1 = free' },
      { label: `whole run, ${CANARIES} canaries ÷ none`, value: canaryRun.value / plainRun.value, meaning: '1 = free' },
    ],
    notes: [
      `synthetic, mlp, ${CLIENTS} clients, q = 0.2, central DP σ = 1, ${ROUNDS} rounds (round times: rounds 2–${ROUNDS}), order ${ORDER.join(', ')} canaries`,
    ],
  };
};
