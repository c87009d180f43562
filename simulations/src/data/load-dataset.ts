import { loadCsvDataset } from './csv';
import type { Dataset } from './dataset';
import { SimulationError } from '../errors';
import { loadMnist } from './mnist';
import { makeSynthetic } from './synthetic';

export interface LoadDatasetOptions {
  /** The run seed: seeds synthetic data and CSV splits. MNIST's split is fixed and ignores it. */
  seed: number;
  /** Label column; required for `csv:PATH`. */
  label?: string;
  /** Class names in id order, for `csv:PATH`. */
  classes?: readonly string[];
}

export const DATASET_FORMS = ['mnist', 'synthetic', 'synthetic-credit', 'synthetic-health', 'csv:PATH'] as const;

/** Loads a dataset named by `spec`: `mnist`, `synthetic` or `csv:PATH`. */
export async function loadDataset(spec: string, options: LoadDatasetOptions): Promise<Dataset> {
  const text = spec.trim();
  if (text === 'mnist') return loadMnist();
  if (text === 'synthetic') return makeSynthetic({ seed: options.seed });
  if (text === 'synthetic-credit' || text === 'synthetic-health') {
    throw new SimulationError(
      'UNKNOWN_DATASET',
      `${text} holds raw PII records that each device masks and encodes itself: run it through Simulation, or write it with writePiiDataset.`,
    );
  }
  if (text.startsWith('csv:')) {
    const path = text.slice('csv:'.length);
    if (path === '') {
      throw new SimulationError('UNKNOWN_DATASET', 'The dataset "csv:" needs a file path, as in csv:data/patients.csv.');
    }
    if (options.label === undefined || options.label.trim() === '') {
      throw new SimulationError('MISSING_LABEL', `The CSV dataset ${path} needs the name of its label column (label).`);
    }
    const { seed, label, classes } = options;
    return loadCsvDataset(path, classes === undefined ? { seed, label } : { seed, label, classes });
  }
  throw new SimulationError('UNKNOWN_DATASET', `Unknown dataset "${spec}"; expected one of: ${DATASET_FORMS.join(', ')}.`);
}
