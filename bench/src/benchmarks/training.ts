/**
 * Local training speed per TensorFlow.js backend, and against PyTorch: fitLocally on the mnist-2nn
 * preset (the 2NN of McMahan et al. 2017, 784-200-200-10, ~200k params), one epoch over 2,000 MNIST
 * training examples, batch 10 and 32, plain SGD. Each backend lives in its own helper process
 * (initBackend holds one backend per thread) and PyTorch (one thread, the same examples, batch sizes
 * and steps) in a Python one; the processes take turns epoch by epoch, never running at the same
 * time, so that a change in the machine's load hits every participant alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendName } from '@cohort/client';
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { RpcProcess } from '../lib/rpc';
import { figure, median } from '../lib/stats';
import { TorchReference } from './torch-reference';
import type { EpochRates } from './training-backend';

const EXAMPLES = 2000;
/** The cpu backend is ~10× slower: it trains on fewer examples to keep the benchmark within its time. */
const CPU_EXAMPLES = 300;
const BATCH_SIZES = [10, 32];
const REPS = 5;
const LEARNING_RATE = 0.05;
const SEED = 1;
/** Cohort ÷ PyTorch examples/s that the training path must reach, per batch size. */
const TORCH_TARGETS: Record<number, number> = { 10: 0.8, 32: 1.0 };

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
    `mnist-2nn, 1 epoch over ${EXAMPLES} MNIST examples (cpu backend: ${CPU_EXAMPLES}), lr ${LEARNING_RATE}; a warm-up epoch on 200 examples per batch size, then ${REPS} measured epochs per batch size, backends taking turns`,
  ];
  if (!wanted.includes('tensorflow')) notes.push('tensorflow (tfjs-node) is not installed: not measured');
  const helpers = new Map<BackendName, RpcProcess>();
  const rates = new Map<string, number[]>();
  const cpuRates = new Map<string, number[]>();
  const scratch = mkdtempSync(join(tmpdir(), 'cohort-bench-training-'));
  let torch: TorchReference | undefined;
  try {
    for (const backend of wanted) {
      const helper = new RpcProcess(new URL('./training-backend.ts', import.meta.url));
      helpers.set(backend, helper);
      try {
        await helper.call('prepare', { backend, examples: backend === 'cpu' ? CPU_EXAMPLES : EXAMPLES, batchSizes: BATCH_SIZES });
      } catch (error) {
        notes.push(`${backend}: ${(error as Error).message.split('\n')[0]}`);
        helpers.delete(backend);
        await helper.close();
      }
    }
    torch = await startTorch(helpers.get('wasm'), join(scratch, 'examples.bin'), notes);
    const record = (key: string, { wall, cpu }: EpochRates) => {
      rates.set(key, [...(rates.get(key) ?? []), wall]);
      cpuRates.set(key, [...(cpuRates.get(key) ?? []), cpu]);
    };
    if (torch) for (const batchSize of BATCH_SIZES) await torch.epoch(batchSize, LEARNING_RATE, SEED); // warm-up
    for (let rep = 0; rep < REPS; rep++) {
      for (const batchSize of BATCH_SIZES) {
        for (const [backend, helper] of helpers) record(`${backend}:${batchSize}`, await helper.call<EpochRates>('epoch', { batchSize }));
        if (torch) record(`torch:${batchSize}`, await torch.epoch(batchSize, LEARNING_RATE, SEED));
      }
    }
  } finally {
    await torch?.close();
    rmSync(scratch, { recursive: true, force: true });
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
    const torchRates = rates.get(`torch:${batchSize}`);
    const pytorch = torchRates && figure(`PyTorch, batch ${batchSize}`, torchRates, 'examples/s', true);
    if (pytorch) figures.push(pytorch);
    const wasmCpu = cpuRates.get(`wasm:${batchSize}`);
    const torchCpu = cpuRates.get(`torch:${batchSize}`);
    if (wasmCpu && torchCpu) {
      // Each repetition's epochs ran back to back, so their ratio cancels most of a shared machine's swings.
      const perRep = (ours: number[], theirs: number[]) => median(ours.map((rate, rep) => rate / theirs[rep]!));
      const target = `target ≥ ${TORCH_TARGETS[batchSize]}`;
      ratios.push(
        {
          label: `wasm ÷ PyTorch, batch ${batchSize}`,
          value: perRep(rates.get(`wasm:${batchSize}`)!, torchRates!),
          meaning: `training speed of the same MLP and steps on one thread, wall-clock (median of per-repetition ratios); ${target}`,
        },
        {
          label: `wasm ÷ PyTorch, batch ${batchSize}, CPU time`,
          value: perRep(wasmCpu, torchCpu),
          meaning: `the same per CPU second of each process (all its threads), less swayed by other load; ${target}`,
        },
      );
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

/** Starts the PyTorch reference on the wasm helper's examples, or notes why it is not measured. */
async function startTorch(wasm: RpcProcess | undefined, path: string, notes: string[]): Promise<TorchReference | undefined> {
  if (!wasm) {
    notes.push('PyTorch: not measured (no wasm backend to compare with)');
    return undefined;
  }
  const { count, features } = await wasm.call<{ count: number; features: number }>('writeExamples', { path });
  const torch = await TorchReference.start(path, count, features);
  if (typeof torch === 'string') {
    notes.push(`PyTorch: not measured: ${torch}`);
    return undefined;
  }
  notes.push(`PyTorch reference: ${torch.version}, torch-reference.py (nn.Sequential of Linear/ReLU, cross_entropy on logits, optim.SGD)`);
  return torch;
}
