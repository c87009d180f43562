// The experiment: what `cohort simulate --app .` runs. Every part is optional; the flags supply
// what is left out, and flags given on the command line override `defaults`.
import type { CohortApp } from '@cohort/simulations';
import { loadDataset } from './src/dataset';
import { buildModel } from './src/model';
import { UniformFedAvg } from './src/strategy';

export default {
  dataset: (seed) => loadDataset(seed),
  model: (shape, seed) => buildModel(shape, seed),
  strategy: (plan) => new UniformFedAvg({ fraction: plan.fraction, minFitClients: plan.minClients, seed: plan.seed }),
  defaults: { clients: 8, rounds: 10, partition: 'dirichlet:0.5', batchSize: 16, lr: 0.05 },
} satisfies CohortApp;
