/**
 * Local training speed per TensorFlow.js backend: fitLocally on the mnist-2nn preset (the 2NN of
 * McMahan et al. 2017, ~200k params), one epoch over 2,000 MNIST training examples, batch 10 and
 * 32. Each backend lives in its own helper process (initBackend holds one backend per thread); the
 * processes take turns epoch by epoch, never running at the same time, so that a change in the
 * machine's load hits every backend alike.
 */
import { createRequire } from 'node:module';
import type { BackendName } from '@cohort/client';
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { RpcProcess } from '../lib/rpc';
import { figure } from '../lib/stats';

const EXAMPLES = 2000;
const BATCH_SIZES = [10, 32];
const REPS = 3;

function nativeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

export const run: Benchmark = async () => {
  const wanted: BackendName[] = nativeInstalled() ? ['tensorflow', 'wasm', 'cpu'] : ['wasm', 'cpu'];
  const notes = [
    `mnist-2nn, 1 epoch over ${EXAMPLES} MNIST examples, lr 0.05; a warm-up epoch on 200 examples per batch size, then ${REPS} measured epochs per batch size, backends taking turns`,
  ];
  if (!wanted.includes('tensorflow')) notes.push('tensorflow (tfjs-node) is not installed: not measured');
  const helpers = new Map<BackendName, RpcProcess>();
  const rates = new Map<string, number[]>();
  try {
    for (const backend of wanted) {
      const helper = new RpcProcess(new URL('./training-backend.ts', import.meta.url));
      helpers.set(backend, helper);
      try {
        await helper.call('prepare', { backend, examples: EXAMPLES, batchSizes: BATCH_SIZES });
      } catch (error) {
        notes.push(`${backend}: ${(error as Error).message.split('\n')[0]}`);
        helpers.delete(backend);
        await helper.close();
      }
    }
    for (let rep = 0; rep < REPS; rep++) {
      for (const batchSize of BATCH_SIZES) {
        for (const [backend, helper] of helpers) {
          const key = `${backend}:${batchSize}`;
          rates.set(key, [...(rates.get(key) ?? []), await helper.call<number>('epoch', { batchSize })]);
        }
      }
    }
  } finally {
    for (const [backend, helper] of helpers) {
      if (!(await helper.close())) notes.push(`the ${backend} helper process did not exit by itself`);
    }
  }
  const figures: Figure[] = [];
  const ratios: Ratio[] = [];
  for (const batchSize of BATCH_SIZES) {
    const byBackend = new Map<string, Figure>();
    for (const backend of helpers.keys()) {
      const f = figure(
        `fitLocally, ${backend} backend, batch ${batchSize}`,
        rates.get(`${backend}:${batchSize}`) ?? [],
        'examples/s',
        backend === 'cpu',
      );
      byBackend.set(backend, f);
      figures.push(f);
    }
    const cpu = byBackend.get('cpu');
    for (const backend of ['wasm', 'tensorflow']) {
      const other = byBackend.get(backend);
      if (other && cpu)
        ratios.push({
          label: `${backend} ÷ cpu, batch ${batchSize}`,
          value: other.value / cpu.value,
          meaning: 'training speed; 1 = as fast as the pure-JS backend',
        });
    }
  }
  return { figures, ratios, notes };
};
