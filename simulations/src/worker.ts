/** A training worker: holds the shared dataset and one model per topology, serves jobs in turn. */
import { parentPort, workerData } from 'node:worker_threads';
import { ModelCache, evaluateLocally, fitLocally, initBackend, initialModel, type Examples } from '@cohort/client/training';
import { RowGather } from './data/dataset';
import type { WorkerInit, WorkerJob, WorkerReply } from './worker-protocol';

const init = workerData as WorkerInit;
const cache = new ModelCache();
// Jobs run one at a time (below), so one set of row buffers serves all.
const rows = new RowGather();
/** The weights of the last job that carried them (a job without weights uses these). */
let weights: Float32Array[] | undefined;
const port = parentPort!;

function examples(split: WorkerInit['train'], indices: Int32Array): Examples {
  return rows.select(split, init.numFeatures, indices, init.groupNames);
}

async function run(job: WorkerJob): Promise<Exclude<WorkerReply, { ready: true }>> {
  try {
    if (job.kind === 'describe') {
      const outcome = await initialModel(job.spec, { numFeatures: job.numFeatures, numClasses: job.numClasses }, job.seed);
      return { id: job.id, ok: true, outcome };
    }
    if (job.weights) weights = job.weights;
    if (!weights) throw new Error('a job without weights reached a worker that has none');
    const model = await cache.get(job.task.topology);
    const outcome =
      job.kind === 'fit'
        ? await fitLocally(model, weights, examples(init.train, init.trainParts[job.clientIndex]!), job.task.config, job.task.numClasses)
        : await evaluateLocally(model, weights, examples(init.test, init.evalParts[job.clientIndex]!), job.task.numClasses);
    return { id: job.id, ok: true, outcome };
  } catch (error) {
    return { id: job.id, ok: false, message: (error as Error).message };
  }
}

const backend = await initBackend();
// One job at a time, in the order sent, whatever the pool does: the row buffers and the held weights
// belong to the job that runs.
let previous: Promise<void> = Promise.resolve();
port.on('message', (job: WorkerJob) => {
  previous = previous.then(async () => {
    const reply = await run(job);
    // The tensors of a delta share one buffer: transferred once.
    const transfer =
      reply.ok === true && 'delta' in reply.outcome ? [...new Set(reply.outcome.delta.map((d) => d.buffer as ArrayBuffer))] : [];
    port.postMessage(reply, transfer);
  });
});
port.postMessage({ ready: true, backend } satisfies WorkerReply);
