import { Worker } from 'node:worker_threads';
import type { EvaluateOutcome, FitOutcome, FitTask, ModelTask } from '@cohort/client';
import type { ModelDescriptionData } from '@cohort/client/training';
import type { WorkerInit, WorkerJob, WorkerOutcome, WorkerReply } from './worker-protocol';

/** A job as submitted: its task still holds the weights, which dispatch sends or leaves out. */
type SubmittedJob =
  | { id: number; kind: 'fit'; clientIndex: number; task: FitTask }
  | { id: number; kind: 'evaluate'; clientIndex: number; task: ModelTask }
  | Extract<WorkerJob, { kind: 'describe' }>;

interface Pending {
  job: SubmittedJob;
  resolve: (outcome: WorkerOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * A training thread's young generation (V8's default reaches 48 MB): its short-lived objects are
 * small (tensor handles, op records; the data sit in wasm memory and shared buffers), so a small one
 * costs a few more scavenges (no wall time measurable on the default job) and saves some 30 MB of
 * resident memory per thread.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** Declared by the banner of the compiled CLI's every file (packages/cli/bin/compiled-cli.js): its own URL. */
declare const __cohortBundleUrl: string | undefined;

/**
 * The worker's entry: compiled beside this code when it runs from the compiled CLI, else the
 * TypeScript source through tsx.
 */
function workerEntry(): URL {
  return typeof __cohortBundleUrl === 'string' ? new URL('./worker.js', __cohortBundleUrl) : new URL('./worker-entry.js', import.meta.url);
}

/**
 * A pool of worker_threads that train for the simulation's virtual clients. Jobs queue until a
 * worker is free, so models in memory grow with workers, not with clients.
 */
export class WorkerPool {
  readonly ready: Promise<string>;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, Pending>();
  /** A copy of the weights each worker was last sent. */
  private readonly sentWeights = new Map<Worker, SentWeights>();
  private nextId = 0;

  constructor(size: number, init: WorkerInit) {
    const url = workerEntry();
    const started = Array.from({ length: size }, () => {
      const worker = new Worker(url, {
        workerData: init,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      this.workers.push(worker);
      return new Promise<string>((resolve, reject) => {
        worker.once('error', reject);
        worker.on('message', (reply: WorkerReply) => {
          if ('ready' in reply) {
            worker.off('error', reject);
            worker.on('error', (error) => this.failAll(error));
            this.release(worker);
            resolve(reply.backend);
          } else {
            this.settle(worker, reply);
          }
        });
      });
    });
    this.ready = Promise.all(started).then((backends) => backends[0]!);
  }

  get size(): number {
    return this.workers.length;
  }

  fit(clientIndex: number, task: FitTask): Promise<FitOutcome> {
    return this.submit({ id: this.nextId++, kind: 'fit', clientIndex, task }) as Promise<FitOutcome>;
  }

  evaluate(clientIndex: number, task: ModelTask): Promise<EvaluateOutcome> {
    return this.submit({ id: this.nextId++, kind: 'evaluate', clientIndex, task }) as Promise<EvaluateOutcome>;
  }

  /** The seeded initial model of a preset or a model.json, built by a worker. */
  describe(spec: string, shape: { numFeatures: number; numClasses: number }, seed: number): Promise<ModelDescriptionData> {
    return this.submit({ id: this.nextId++, kind: 'describe', spec, ...shape, seed }) as Promise<ModelDescriptionData>;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll(new Error('the worker pool was closed'));
  }

  private submit(job: SubmittedJob): Promise<WorkerOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.running.set(pending.job.id, pending);
      worker.postMessage(this.message(worker, pending.job));
    }
  }

  /** The job as the worker receives it: without its weights when the worker holds them already. */
  private message(worker: Worker, job: SubmittedJob): WorkerJob {
    if (job.kind === 'describe') return job;
    const sent = this.sentWeights.get(worker);
    const held = sent !== undefined && sameValues(sent, job.task.weights);
    if (!held) this.sentWeights.set(worker, copyOf(job.task.weights));
    const weights = held ? null : job.task.weights;
    if (job.kind === 'fit') {
      const { weights: _sent, ...task } = job.task;
      return { ...job, task, weights };
    }
    const { weights: _sent, ...task } = job.task;
    return { ...job, task, weights };
  }

  private settle(worker: Worker, reply: Exclude<WorkerReply, { ready: true }>): void {
    const pending = this.running.get(reply.id);
    this.running.delete(reply.id);
    this.release(worker);
    if (!pending) return;
    if (reply.ok) pending.resolve(reply.outcome);
    else pending.reject(new Error(reply.message));
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.dispatch();
  }

  private failAll(error: Error): void {
    for (const pending of [...this.running.values(), ...this.queue]) pending.reject(error);
    this.running.clear();
    this.queue.length = 0;
  }
}

/** The tensors' lengths and their values end to end. */
interface SentWeights {
  lengths: number[];
  flat: Float32Array;
}

/** Whether `tensors` are exactly `sent`: as many tensors, each as long, the same bytes. */
function sameValues(sent: SentWeights, tensors: readonly Float32Array[]): boolean {
  if (tensors.length !== sent.lengths.length || tensors.some((t, i) => t.length !== sent.lengths[i])) return false;
  let offset = 0;
  for (const t of tensors) {
    const mine = Buffer.from(sent.flat.buffer, sent.flat.byteOffset + offset * 4, t.byteLength);
    if (!mine.equals(Buffer.from(t.buffer, t.byteOffset, t.byteLength))) return false;
    offset += t.length;
  }
  return true;
}

function copyOf(tensors: readonly Float32Array[]): SentWeights {
  const flat = new Float32Array(tensors.reduce((n, t) => n + t.length, 0));
  let offset = 0;
  for (const t of tensors) {
    flat.set(t, offset);
    offset += t.length;
  }
  return { lengths: tensors.map((t) => t.length), flat };
}
