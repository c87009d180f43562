/**
 * Drives `torch-reference.py` (the same MLP and SGD steps in PyTorch, one thread) as a helper
 * process speaking JSON lines, so that the training benchmark can measure Cohort against PyTorch in
 * turns within one run. PyTorch is optional: `start` says why it could not be used.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EpochRates } from './training-backend';

const SCRIPT = fileURLToPath(new URL('./torch-reference.py', import.meta.url));
/** Debian's interpreter first: python3-torch installs there, whatever python3 is first on PATH. */
const INTERPRETERS = ['/usr/bin/python3', 'python3'];

export class TorchReference {
  /** e.g. "PyTorch 1.13.0a0, 1 thread(s)". */
  version = '';
  private readonly answers: AsyncIterator<string>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the reference on the examples in `path` (float32 features, then int32 labels), or says why not. */
  static async start(path: string, count: number, features: number): Promise<TorchReference | string> {
    const python = INTERPRETERS.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
    if (!python) return `PyTorch is not importable by ${INTERPRETERS.join(' or ')} (Debian: apt-get install python3-torch)`;
    const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const reference = new TorchReference(child);
    try {
      const loaded = await reference.request<{ torch: string; threads: number }>({ op: 'load', path, count, features });
      reference.version = `PyTorch ${loaded.torch}, ${loaded.threads} thread(s)`;
      return reference;
    } catch (error) {
      child.kill();
      return `the PyTorch reference failed to start: ${(error as Error).message} ${stderr.trim().split('\n').at(-1) ?? ''}`;
    }
  }

  /** One epoch from the same initial weights: examples per second of wall-clock and of CPU time. */
  async epoch(batchSize: number, learningRate: number, seed: number): Promise<EpochRates> {
    const answer = await this.request<{ examplesPerSecond: number; examplesPerCpuSecond: number }>({
      op: 'epoch',
      batchSize,
      learningRate,
      seed,
    });
    return { wall: answer.examplesPerSecond, cpu: answer.examplesPerCpuSecond };
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }

  private async request<T>(message: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    const line = await this.answers.next();
    if (line.done) throw new Error('the PyTorch reference exited');
    const answer = JSON.parse(line.value) as T & { error?: string };
    if (answer.error) throw new Error(answer.error);
    return answer;
  }
}
