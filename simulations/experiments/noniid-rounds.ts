/**
 * Rounds to a target accuracy on pathologically non-IID MNIST, after McMahan et al. 2017
 * ("Communication-Efficient Learning of Deep Networks from Decentralized Data", Table 2, 2NN) and
 * Li et al. 2020 ("Federated Optimization in Heterogeneous Networks", FedProx): 100 clients with
 * two label-sorted shards each, C = 0.1, the mnist-2nn model, FedSGD against FedAvg and FedProx.
 *
 *   node --import tsx simulations/experiments/noniid-rounds.ts [--rounds 30] [--fedsgd-rounds 60]
 *     [--targets 0.7,0.8] [--eval-every 2] [--seeds 0] [--only fedavg-e5,fedprox-e5] [--server]
 *
 * `--server` adds FedAvgM and FedAdam on top of FedAvg E = 5. A FedSGD round costs one local step,
 * so it gets its own, longer cap. Results go to results/noniid-rounds.json (a rerun with `--only`
 * replaces those methods' runs and keeps the others) and results/noniid-rounds.md. The bundled
 * MNIST has 8,000 training digits, so a shard holds 40 examples, not McMahan's 300: every figure is
 * for this smaller federation, and rounds to a target are known to within `--eval-every` rounds.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FedAdam, FedAvgM } from '@cohort/coordinator';
import { Simulation, type SimulationOptions } from '@cohort/simulations';

interface Method {
  id: string;
  label: string;
  localEpochs: number;
  /** Examples per local step; FULL_BATCH is B = ∞ (every client holds 80 examples). */
  batchSize: number;
  /** FedProx's proximal term μ, sent to clients as the fit setting `proximalMu`. */
  proximalMu?: number;
  strategy?: SimulationOptions['strategy'];
}

const FULL_BATCH = 8_000;
const METHODS: Method[] = [
  { id: 'fedsgd', label: 'FedSGD (E = 1, B = ∞)', localEpochs: 1, batchSize: FULL_BATCH },
  { id: 'fedavg-e1', label: 'FedAvg (E = 1, B = 10)', localEpochs: 1, batchSize: 10 },
  { id: 'fedavg-e5', label: 'FedAvg (E = 5, B = 10)', localEpochs: 5, batchSize: 10 },
  { id: 'fedprox-e5', label: 'FedProx (μ = 0.01, E = 5, B = 10)', localEpochs: 5, batchSize: 10, proximalMu: 0.01 },
];
const SERVER_METHODS: Method[] = [
  {
    id: 'fedavgm-e5',
    label: 'FedAvgM (η = 1, β = 0.9, E = 5, B = 10)',
    localEpochs: 5,
    batchSize: 10,
    strategy: (plan) =>
      new FedAvgM({ fraction: plan.fraction, minFitClients: plan.minClients, seed: plan.seed, serverLearningRate: 1, serverMomentum: 0.9 }),
  },
  {
    id: 'fedadam-e5',
    label: 'FedAdam (η = 0.01, τ = 1e-3, E = 5, B = 10)',
    localEpochs: 5,
    batchSize: 10,
    strategy: (plan) =>
      new FedAdam({ fraction: plan.fraction, minFitClients: plan.minClients, seed: plan.seed, serverLearningRate: 0.01, tau: 1e-3 }),
  },
];

interface RunResult {
  method: string;
  seed: number;
  /** Per target accuracy (as text), the first evaluated round at or above it; null if none within the cap. */
  roundsToTarget: Record<string, number | null>;
  bestAccuracy: number;
  finalAccuracy: number | null;
  rounds: number;
  wallSeconds: number;
  accuracy: (number | null)[];
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    'fedsgd-rounds': { type: 'string', default: '60' },
    targets: { type: 'string', default: '0.7,0.8' },
    'eval-every': { type: 'string', default: '2' },
    seeds: { type: 'string', default: '0' },
    lr: { type: 'string', default: '0.1' },
    only: { type: 'string' },
    server: { type: 'boolean', default: false },
  },
});
const capOf = (method: Method) => Number(method.id === 'fedsgd' ? values['fedsgd-rounds'] : values.rounds);
const targets = values.targets.split(',').map(Number);
const evalEvery = Number(values['eval-every']);
const lr = Number(values.lr);
const seeds = values.seeds.split(',').map(Number);
const methods = [...METHODS, ...(values.server ? SERVER_METHODS : [])].filter((m) => !values.only || values.only.split(',').includes(m.id));

async function runOne(method: Method, seed: number): Promise<RunResult> {
  const scratch = mkdtempSync(join(tmpdir(), `noniid-${method.id}-`));
  const options = {
    dataset: 'mnist',
    model: 'mnist-2nn',
    clients: 100,
    partition: 'shards:2',
    fraction: 0.1,
    rounds: capOf(method),
    localEpochs: method.localEpochs,
    batchSize: method.batchSize,
    lr,
    seed,
    evalEvery,
    out: join(scratch, 'run'),
    ...(method.strategy ? { strategy: method.strategy } : {}),
    ...(method.proximalMu !== undefined ? { training: { proximalMu: method.proximalMu } } : {}),
  } satisfies SimulationOptions;
  const accuracy: (number | null)[] = [];
  const simulation = new Simulation(options);
  simulation.on('round', (report) => {
    if (report.round > 0) accuracy[report.round - 1] = report.evaluation?.accuracy ?? null;
  });
  const started = Date.now();
  try {
    await simulation.run();
    const evaluated = accuracy.filter((a): a is number => a != null);
    const roundsToTarget: Record<string, number | null> = {};
    for (const target of targets) {
      const reached = accuracy.findIndex((a) => a != null && a >= target);
      roundsToTarget[String(target)] = reached < 0 ? null : reached + 1;
    }
    return {
      method: method.id,
      seed,
      roundsToTarget,
      bestAccuracy: Math.max(...evaluated),
      finalAccuracy: evaluated.at(-1) ?? null,
      rounds: accuracy.length,
      wallSeconds: (Date.now() - started) / 1000,
      accuracy,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The Markdown table of every method with results, in METHODS order. */
function table(results: RunResult[]): string {
  const fmt = (x: number, digits = 3) => x.toFixed(digits);
  const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const lines = [
    `| method | ${targets.map((t) => `rounds to ${t}`).join(' | ')} | best accuracy | final accuracy | rounds run | wall time (s) |`,
    `|---|${targets.map(() => '---|').join('')}---|---|---|---|`,
  ];
  for (const method of [...METHODS, ...SERVER_METHODS]) {
    const runs = results.filter((r) => r.method === method.id);
    if (runs.length === 0) continue;
    const reached = targets.map((t) => runs.map((r) => r.roundsToTarget[String(t)] ?? `> ${r.rounds}`).join(', '));
    lines.push(
      `| ${method.label} | ${reached.join(' | ')} | ${fmt(mean(runs.map((r) => r.bestAccuracy)))} | ${fmt(mean(runs.map((r) => r.finalAccuracy ?? 0)))} | ${runs[0]!.rounds} | ${fmt(mean(runs.map((r) => r.wallSeconds)), 0)} |`,
    );
  }
  return lines.join('\n');
}

const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
const jsonPath = join(dir, 'noniid-rounds.json');
const setup = {
  dataset: 'mnist (8,000 train / 2,000 test digits)',
  model: 'mnist-2nn',
  clients: 100,
  partition: 'shards:2 (200 shards of 40)',
  fraction: 0.1,
  lr,
  evalEvery,
  targets,
};
const ran = new Set(methods.map((m) => m.id));
const previous: RunResult[] = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as { results: RunResult[] }).results : [];
const results = previous.filter((r) => !ran.has(r.method));
for (const seed of seeds) {
  for (const method of methods) {
    const result = await runOne(method, seed);
    results.push(result);
    console.error(
      `${method.id} seed ${seed}: rounds to ${JSON.stringify(result.roundsToTarget)}, final ${result.finalAccuracy?.toFixed(3)}, ${result.wallSeconds.toFixed(0)} s`,
    );
  }
}

mkdirSync(dir, { recursive: true });
writeFileSync(jsonPath, `${JSON.stringify({ setup, results }, null, 2)}\n`);
const described =
  `MNIST 2NN (mnist-2nn), ${setup.clients} clients with 2 label-sorted shards of 40 digits each (8,000 training digits), ` +
  `C = ${setup.fraction}, client learning rate ${lr}, federated evaluation on the 2,000 test digits every ${evalEvery} rounds; ` +
  `seeds ${[...new Set(results.map((r) => r.seed))].join(', ')}. Rounds to a target are the first evaluated round at or above it.`;
writeFileSync(join(dir, 'noniid-rounds.md'), `${described}\n\n${table(results)}\n`);
console.log(table(results));
