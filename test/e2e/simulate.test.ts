import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@cohort/client';
import { parseLedgerJsonl } from '@cohort/privacy';
import { RunDirectory, Simulation, runSimulation, type MetricsLine, type SimulationOptions } from '@cohort/simulations';
import { quiet, tempDir } from '../helpers/federation';

const base: SimulationOptions = {
  dataset: 'synthetic',
  clients: 4,
  rounds: 2,
  partition: 'dirichlet:1',
  batchSize: 16,
  workers: 2,
  logger: quiet,
};

/** Seeded central DP (not private, reproducible), so that the run directory holds a ledger. */
function withLedger(out: string): SimulationOptions {
  return { ...base, dp: { mode: 'central', noiseMultiplier: 2, seed: 1 }, keyDir: tempDir(), out };
}

function ledger(dir: string) {
  return parseLedgerJsonl(readFileSync(join(dir, 'ledger.jsonl'), 'utf8'));
}

function metrics(dir: string): MetricsLine[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsLine);
}

describe('cohort simulate', () => {
  it('writes a run directory a researcher can use: config, per-round metrics, summary, loadable model', async () => {
    const out = tempDir();
    const summary = await runSimulation({ ...base, seed: 5, out });
    expect(summary.status).toBe('finished');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    expect(summary.final!.accuracy).toBeGreaterThan(0.8);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({
      dataset: 'synthetic',
      clients: 4,
      partition: 'dirichlet:1',
      seed: 5,
    });
    const lines = metrics(out);
    expect(lines.map((l) => l.round)).toEqual([0, 1, 2]);
    for (const key of [
      'round',
      'participants',
      'failures',
      'loss',
      'accuracy',
      'precision',
      'recall',
      'f1',
      'duration_ms',
      'bytes_in',
      'bytes_out',
    ]) {
      expect(lines[2]).toHaveProperty(key);
    }
    expect(lines[2]!.participants).toBe(4);
    expect(lines[2]!.bytes_in).toBeGreaterThan(0);

    await initBackend();
    const modelJson = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8'));
    const weights = readFileSync(join(out, 'model', 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    expect(existsSync(join(out, 'coordinator.db'))).toBe(true);
  }, 120_000);

  it('is reproducible: the same seed gives the same metrics and model, another seed does not', async () => {
    const a = await runSimulation({ ...base, seed: 11, out: tempDir() });
    const b = await runSimulation({ ...base, seed: 11, out: tempDir(), workers: 1 });
    const c = await runSimulation({ ...base, seed: 12, out: tempDir() });
    const strip = (lines: MetricsLine[]) => lines.map(({ duration_ms: _d, ...rest }) => rest);
    expect(strip(metrics(b.run_dir))).toEqual(strip(metrics(a.run_dir)));
    expect(b.model_sha256).toBe(a.model_sha256);
    expect(c.model_sha256).not.toBe(a.model_sha256);
  }, 240_000); // three simulations: about 30 s on 2 idle cores, longer beside another suite

  it('runs securely aggregated: the same accuracy within quantisation, each stage timed and counted in metrics.jsonl', async () => {
    const plain = await runSimulation({ ...base, clients: 5, seed: 3, out: tempDir() });
    const secure = await runSimulation({ ...base, clients: 5, seed: 3, out: tempDir(), secureAggregation: {} });
    expect(secure.status).toBe('finished');
    expect(secure.security.secureAggregation).toBe(true);
    expect(Math.abs(secure.final!.accuracy - plain.final!.accuracy)).toBeLessThan(0.02);
    for (const line of metrics(secure.run_dir).filter((l) => l.round > 0))
      expect(Object.keys(line.secure_aggregation ?? {})).toEqual(['advertise', 'share-keys', 'masked-input', 'unmask']);
  }, 240_000);

  it('refuses unknown datasets and partitions with the valid choices', async () => {
    await expect(runSimulation({ ...base, dataset: 'cifar', out: tempDir() })).rejects.toThrow(/mnist.*synthetic.*csv:PATH/);
    await expect(runSimulation({ ...base, partition: 'dirichlet:-1', out: tempDir() })).rejects.toMatchObject({
      code: 'INVALID_PARTITION',
    });
  });

  it('refuses a directory holding a previous run, untouched; replacing it moves the old files aside first', async () => {
    const out = tempDir();
    const options = { ...withLedger(out), rounds: 1 };
    const first = await runSimulation(options);
    const summary = readFileSync(join(out, 'summary.json'), 'utf8');
    await expect(runSimulation(options)).rejects.toMatchObject({
      code: 'RUN_EXISTS',
      message: expect.stringMatching(/already holds a finished run \(completed 1 rounds\): give --resume .* --force/),
    });
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);

    const second = await runSimulation({ ...options, previousRun: 'replace' });
    const aside = readdirSync(dirname(out)).filter((name) => name.startsWith(`${basename(out)}.replaced-`));
    expect(aside).toHaveLength(1);
    const moved = join(dirname(out), aside[0]!);
    expect(readFileSync(join(moved, 'summary.json'), 'utf8')).toBe(summary);
    expect(ledger(moved).map((e) => e.runId)).toEqual([first.run_id]);
    // Nothing of the old run is left beside the new one: its metrics, ledger and summary are the new run's alone.
    expect(second.run_id).not.toBe(first.run_id);
    expect(metrics(out).map((l) => l.round)).toEqual([0, 1]);
    expect(ledger(out).map((e) => [e.runId, e.seq])).toEqual([[second.run_id, 1]]);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(second);
  }, 120_000);

  it('resumes a stopped run where it stopped: metrics.jsonl gains only the rounds it lacks, the ledger continues', async () => {
    const out = tempDir();
    const options = { ...withLedger(out), rounds: 3 };
    const first = new Simulation(options);
    first.on('round', (r) => r.round === 1 && first.stop());
    const stopped = await first.run();
    expect(stopped).toMatchObject({ status: 'stopped', rounds_completed: 1 });
    expect(metrics(out).map((l) => l.round)).toEqual([0, 1]);
    await expect(runSimulation(options)).rejects.toMatchObject({ code: 'RUN_EXISTS', message: expect.stringContaining('a stopped run') });

    const second = new Simulation({ ...options, previousRun: 'resume' });
    let resumedFrom: number | undefined;
    second.on('started', (s) => (resumedFrom = s.resumedFrom));
    const finished = await second.run();
    expect(resumedFrom).toBe(1);
    expect(finished).toMatchObject({ status: 'finished', run_id: stopped.run_id, rounds_completed: 3, initial: stopped.initial });
    expect(metrics(out).map((l) => l.round)).toEqual([0, 1, 2, 3]);
    expect(ledger(out).map((e) => [e.runId, e.seq, e.round])).toEqual([1, 2, 3].map((r) => [stopped.run_id, r, r]));
    await expect(runSimulation({ ...options, previousRun: 'resume' })).rejects.toMatchObject({ code: 'NOTHING_TO_RESUME' });
  }, 120_000);

  it('lets one process at a time write a run directory, and takes over the lock of a process that died', async () => {
    const out = tempDir();
    const held = RunDirectory.open(out, { previousRun: 'refuse', command: 'cohort simulate' });
    await expect(runSimulation({ ...base, out })).rejects.toMatchObject({
      code: 'IN_USE',
      message: expect.stringContaining(`${out} is in use by process ${process.pid} (cohort simulate`),
    });
    held.close();
    const lock = join(out, 'cohort.lock');
    expect(existsSync(lock)).toBe(false);

    // What a killed process leaves behind: its lock, naming a pid that no longer runs.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), command: 'cohort simulate', since: new Date().toISOString() }));
    const taken = RunDirectory.open(out, { previousRun: 'refuse', command: 'cohort simulate' });
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
    taken.close();
  });
});
