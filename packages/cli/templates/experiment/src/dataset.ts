// The data: a CSV with one column per feature and a `label` column, split into train and test.
// Replace data/data.csv with your own file, or build a Dataset yourself (see `gatherRows`).
import { fileURLToPath } from 'node:url';
import { loadCsvDataset, type Dataset } from '@cohort/simulations';

export function loadDataset(seed: number): Promise<Dataset> {
  return loadCsvDataset(fileURLToPath(new URL('../data/data.csv', import.meta.url)), { label: 'label', seed, testFraction: 0.2 });
}
