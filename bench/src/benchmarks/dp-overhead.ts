/**
 * Overhead of differential privacy on a simulated round: the same MNIST simulation (mnist-2nn,
 * 10 clients, q = 1) without DP and with central DP (client and server clipping, CSPRNG noise on
 * 199,210 parameters, RDP and PLD accounting, a signed ledger entry committed with the round).
 * Runs alternate off, dp, dp, off so that a drift in the machine's load cancels out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation, type SimulationOptions } from '@cohort/simulations';
import type { Benchmark } from '../lib/result';
import { silentLogger } from '../lib/silent';
import { figure } from '../lib/stats';

const ROUNDS = 3;
const CLIENTS = 10;
const ORDER = ['off', 'central', 'central', 'off'] as const;

async function roundTimes(mode: 'off' | 'central'): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-dp-'));
  const dp: SimulationOptions['dp'] = mode === 'off' ? { mode: 'off' } : { mode: 'central', clip: 1, noiseMultiplier: 1, delta: 1e-5 };
  const simulation = new Simulation({
    dataset: 'mnist',
    clients: CLIENTS,
    minClients: CLIENTS,
    rounds: ROUNDS,
    evalEvery: 0,
    batchSize: 32,
    out: dir,
    logger: silentLogger,
    dp,
  });
  const durations: number[] = [];
  simulation.on('round', (report) => report.round >= 2 && durations.push(report.durationMs));
  try {
    const summary = await simulation.run();
    if (summary.status !== 'finished') throw new Error(`simulation with dp ${mode} ended ${summary.status}: ${summary.reason}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return durations;
}

export const run: Benchmark = async () => {
  const runs: { mode: string; durations: number[] }[] = [];
  for (const mode of ORDER) runs.push({ mode, durations: await roundTimes(mode) });
  const of = (mode: string) => runs.filter((r) => r.mode === mode).flatMap((r) => r.durations);
  const plain = figure('simulated round, DP off', of('off'), 'ms', true);
  const dp = figure('simulated round, central DP', of('central'), 'ms');
  return {
    figures: [plain, dp],
    ratios: [{ label: 'central DP round time ÷ DP off', value: dp.value / plain.value, meaning: '1 = free' }],
    notes: [
      `mnist-2nn, ${CLIENTS} clients, q = 1, batch 32, rounds 2–${ROUNDS} of each run, order ${ORDER.join(', ')}; durationMs spans sampling to commit (clipping, noise, ledger signing), not the PLD ε computed after it for the metrics`,
    ],
  };
};
