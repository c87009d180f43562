import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@cohort/client';
import { runSimulation, type MetricsLine, type SimulationOptions } from '@cohort/simulations';
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
});
