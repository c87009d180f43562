/**
 * Worker-pool speed-up of a simulated round: runSimulation on MNIST (mnist-2nn, 10 clients, 1 local
 * epoch, batch 32) with 1 worker and with 2, time per round from the 'round' events. Round 1, where
 * each worker builds its model, is a warm-up; start-up (data, workers, connections) is excluded.
 * Every round waits for all 10 clients (minClients = clients), so rounds compare like with like.
 * The runs go in the order 1, 2, 2, 1 workers so that a drift in the machine's load cancels out.
 * The coordinator and the 10 clients share the same 2 cores with the workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation } from '@cohort/simulations';
import type { Benchmark } from '../lib/result';
import { silentLogger } from '../lib/silent';
import { figure } from '../lib/stats';

const ROUNDS = 3;
const BATCH = 32;
const ORDER = [1, 2, 2, 1];
const CLIENTS = 10;

async function roundTimes(workers: number): Promise<{ durations: number[]; backend: string; firstRoundMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-sim-'));
  const simulation = new Simulation({
    dataset: 'mnist',
    model: 'mnist-2nn',
    clients: CLIENTS,
    minClients: CLIENTS,
    rounds: ROUNDS,
    evalEvery: 0,
    localEpochs: 1,
    batchSize: BATCH,
    workers,
    out: dir,
    logger: silentLogger,
  });
  const durations: number[] = [];
  let firstRoundMs = Number.NaN;
  let backend = '?';
  simulation.on('started', (info) => (backend = info.backend));
  simulation.on('round', (report) => {
    if (report.round === 1) firstRoundMs = report.durationMs;
    if (report.round >= 2) durations.push(report.durationMs);
  });
  try {
    const summary = await simulation.run();
    if (summary.status !== 'finished') throw new Error(`simulation with ${workers} workers ended ${summary.status}: ${summary.reason}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { durations, backend, firstRoundMs };
}

export const run: Benchmark = async () => {
  const runs: { workers: number; durations: number[]; backend: string; firstRoundMs: number }[] = [];
  for (const workers of ORDER) runs.push({ workers, ...(await roundTimes(workers)) });
  const durations = (workers: number) => runs.filter((r) => r.workers === workers).flatMap((r) => r.durations);
  const firsts = (workers: number) =>
    runs
      .filter((r) => r.workers === workers)
      .map((r) => r.firstRoundMs)
      .join(', ');
  const single = figure('simulated round, 1 worker', durations(1), 'ms', true);
  const pair = figure('simulated round, 2 workers', durations(2), 'ms');
  return {
    figures: [single, pair],
    ratios: [{ label: 'speed-up, 2 workers vs 1 (time ratio 1 ÷ 2)', value: single.value / pair.value, meaning: 'ideal 2 on 2 cores' }],
    notes: [
      `mnist (8,000 train examples) over ${CLIENTS} clients iid, mnist-2nn, 1 epoch, batch ${BATCH}, backend ${runs[0]!.backend}; runs in order ${ORDER.join(', ')} workers, rounds 2–${ROUNDS} of each measured`,
      `warm-up round 1 took ${firsts(1)} ms (1 worker) and ${firsts(2)} ms (2 workers)`,
    ],
  };
};
