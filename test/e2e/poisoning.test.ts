/**
 * Model poisoning with DP off: 9 honest clients and 1 attacker that sends either 1e38 in every
 * weight, or its honestly trained update sign-flipped and scaled ×10, both claiming a million
 * examples. FedAvg without a bound is destroyed; the robust rules (median, trimmed mean, Krum) and
 * FedAvg with bounded influence (maxExamples + clipNorm) finish the run near the model of an
 * honest-only run.
 *
 * The bound: ‖w − w_honest‖₂ ≤ ½ · ‖w_honest − w₀‖₂, half of the distance honest training itself
 * moves the model (w₀ the initial model, w_honest the final model of the 9 honest clients alone with
 * FedAvg, same seeds, 3 rounds). Why that holds: with 1 Byzantine update among 10, each robust
 * aggregate lies coordinate-wise between honest values (median; trimmed mean with ⌊0.1·10⌋ = 1
 * trimmed at each end) or is an honest update (Krum, which scores the far-off attacker worst), and
 * FedAvg with clipNorm C and maxExamples ≈ one honest shard lets the attacker move a round by at most
 * about C/10. So each round differs from the honest mean only by the spread among honest IID updates
 * (or by C/10), a fraction of the honest step, while the attacks move FedAvg's model by ~1e38 or by
 * ~10 honest steps in the wrong direction.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FedAvg, FedMedian, FedTrimmedAvg, Krum, type Coordinator, type RunOutcome, type Strategy } from '@cohort/coordinator';
import { LocalTrainer, createClient, initialModel, selectRows, type CohortClient, type Examples, type Trainer } from '@cohort/client';
import { PROTOCOL_VERSION, elementCount, encodeTensors } from '@cohort/protocol';
import { RawClient, honestClients, quiet, startCoordinator, syntheticData, tempDir } from '../helpers/federation';
import { featureValues } from '@cohort/simulations';

const dataset = syntheticData(1);
const ROUNDS = 3;
const CLAIMED_EXAMPLES = 1_000_000;
/** One honest shard: 2,400 training rows over 9 clients. */
const SHARD = Math.ceil(dataset.train.count / 9);

let coordinator: Coordinator | undefined;
let clients: CohortClient[] = [];
let raw: RawClient[] = [];

afterEach(async () => {
  raw.forEach((r) => r.close());
  await Promise.all(clients.map((c) => c.close()));
  await coordinator?.close();
  coordinator = undefined;
  clients = [];
  raw = [];
});

function flatten(tensors: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(tensors.reduce((n, t) => n + t.length, 0));
  let k = 0;
  for (const t of tensors) for (let i = 0; i < t.length; i++) out[k++] = t[i]!;
  return out;
}

function distance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

/** Sends 1e38 in every weight, claiming a million examples. */
function hugeUpdateClient(url: string): RawClient {
  return new RawClient(url, 'attacker', (c, start) => {
    if (start.task !== 'fit') return;
    const tensors = c.description!.weightSpecs.map((s) => ({
      name: s.name,
      shape: s.shape,
      data: new Float32Array(elementCount(s.shape)).fill(1e38),
    }));
    const { manifest, payload } = encodeTensors(tensors);
    c.send('round:update', {
      protocolVersion: PROTOCOL_VERSION,
      runId: start.runId,
      round: start.round,
      clientId: 'attacker',
      numExamples: CLAIMED_EXAMPLES,
      metrics: { loss: 1, accuracy: 0.5 },
      manifest,
      payload,
    });
  });
}

/** Trains honestly on a shard of its own, then sends −10 × its update, claiming a million examples. */
function signFlipClient(url: string): CohortClient {
  const table = (split: typeof dataset.train): Examples => ({
    x: featureValues(split, dataset.numFeatures),
    y: split.y,
    count: split.count,
    numFeatures: dataset.numFeatures,
  });
  const rows = Array.from({ length: SHARD }, (_, i) => i);
  const honest = new LocalTrainer({
    train: selectRows(table(dataset.train), rows),
    evaluation: selectRows(table(dataset.test), rows.slice(0, 50)),
  });
  const trainer: Trainer = {
    fit: async (task) => {
      const outcome = await honest.fit(task);
      return { ...outcome, numExamples: CLAIMED_EXAMPLES, delta: outcome.delta.map((d) => d.map((v) => -10 * v)) };
    },
    evaluate: (task) => honest.evaluate(task),
    close: () => honest.close(),
  };
  return createClient({ serverUrl: url, clientId: 'attacker', trainer, logger: quiet });
}

type Attack = 'huge' | 'sign-flip' | 'none';

/** Runs one federation of 9 honest clients (and the attacker) to the end; the outcome and the final model. */
async function federation(attack: Attack, strategy: Strategy): Promise<{ outcome: RunOutcome; weights: Float64Array }> {
  const started = await startCoordinator(dataset, { rounds: ROUNDS, minClients: attack === 'none' ? 9 : 10, evalEvery: 0, strategy });
  coordinator = started.coordinator;
  clients = honestClients(started.url, dataset, 9);
  if (attack === 'huge') raw = [hugeUpdateClient(started.url)];
  if (attack === 'sign-flip') clients.push(signFlipClient(started.url));
  const outcome = await coordinator.runRounds();
  const dir = tempDir();
  coordinator.saveModel(dir);
  const bytes = readFileSync(join(dir, 'weights.bin'));
  const weights = Float64Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  return { outcome, weights };
}

const sampling = { minFitClients: 1, seed: 0 };
let initial: Float64Array;
let honest: Float64Array;
let bound: number;
const measured: Record<string, number> = {};

beforeAll(async () => {
  const model = await initialModel('mlp', { numFeatures: dataset.numFeatures, numClasses: dataset.numClasses }, 1);
  initial = flatten(model.weights.map((w) => w.data));
  const reference = await federation('none', new FedAvg(sampling));
  expect(reference.outcome.status).toBe('finished');
  honest = reference.weights;
  bound = distance(honest, initial) / 2;
  await coordinator?.close();
  coordinator = undefined;
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
});

describe.each<Attack>(['huge', 'sign-flip'])('one attacker of ten (%s updates)', (attack) => {
  // 1e38 updates make a 1e37-scale mean, which the round engine refuses to commit (beyond ±1e6): every
  // attempt fails and so does the run. The sign-flipped mean is plausible in size, is committed, and
  // drags the model ~10 honest steps backwards.
  it('destroys FedAvg without a bound: the run fails, or its model ends far from the honest one', async () => {
    const { outcome, weights } = await federation(attack, new FedAvg(sampling));
    const off = distance(weights, honest);
    measured[`${attack} FedAvg, no bound`] = off;
    if (attack === 'huge') expect(outcome.status).toBe('failed');
    else expect(off).toBeGreaterThan(10 * bound);
  });

  it.each<[string, () => Strategy]>([
    ['median', () => new FedMedian(sampling)],
    ['trimmed mean (β = 0.1)', () => new FedTrimmedAvg({ ...sampling, beta: 0.1 })],
    ['Krum (f = 1)', () => new Krum({ ...sampling, byzantine: 1 })],
    // C = 0.5 is about one honest round's step (the honest run moves ~1.4 in 3 rounds).
    ['FedAvg with maxExamples and clipNorm', () => new FedAvg({ ...sampling, maxExamples: SHARD, clipNorm: 0.5 })],
  ])('with %s the run finishes within the bound of the honest model', async (name, make) => {
    const { outcome, weights } = await federation(attack, make());
    const off = distance(weights, honest);
    measured[`${attack} ${name}`] = off;
    expect(outcome.status).toBe('finished');
    expect(outcome.lastRound).toBe(ROUNDS);
    expect(off).toBeLessThanOrEqual(bound);
  });
});

describe('figures', () => {
  it('prints the bound and the measured distances', () => {
    console.log(JSON.stringify({ bound, honestTravel: 2 * bound, measured }, null, 2));
  });
});
