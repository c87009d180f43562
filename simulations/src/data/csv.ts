/**
 * A CSV file as a simulation dataset, read by the client's own CSV pipeline (so simulated clients
 * see exactly what a device would), then split into train/test, stratified and seeded.
 */
import { loadCsvTable, type CsvTable } from '@cohort/client/data';
import { createRng } from '../rng';
import { gatherRows, type Dataset } from './dataset';
import { SimulationError } from '../errors';
import { stratifiedSplit } from './split';

export interface CsvDatasetOptions {
  /** Name of the label column. */
  label: string;
  /** Seeds the train/test split. */
  seed: number;
  /** Fraction held out for test, stratified by class. @default 0.2 */
  testFraction?: number;
  /** Class names in id order; see `loadCsvTable`. Default: inferred from the label values. */
  classes?: readonly string[];
}

export async function loadCsvDataset(path: string, options: CsvDatasetOptions): Promise<Dataset> {
  const { label, seed, testFraction = 0.2, classes } = options;
  let table: CsvTable;
  try {
    table = await loadCsvTable(path, classes === undefined ? { label } : { label, classes });
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SimulationError('INVALID_DATA', `Could not load the CSV dataset: ${detail}`, { cause });
  }
  const { train, test } = stratifiedSplit(table.y, table.classNames.length, testFraction, createRng(seed).fork('csv-split'));
  return {
    name: `csv:${path}`,
    inputShape: [table.numFeatures],
    numFeatures: table.numFeatures,
    numClasses: table.classNames.length,
    classNames: table.classNames,
    featureNames: table.featureNames,
    train: gatherRows(table.x, table.y, table.numFeatures, train),
    test: gatherRows(table.x, table.y, table.numFeatures, test),
  };
}
