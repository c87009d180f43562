/**
 * A researcher's experiment as code — what `cohort simulate --app DIR` runs (the counterpart of a
 * Flower app): the module `DIR/cohort.app.ts` default-exports a CohortApp. Every part is optional;
 * what it leaves out comes from the flags (`--dataset`, `--model`, `--strategy`).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Strategy } from '@cohort/coordinator';
import type { Dataset } from './data/dataset';
import { SimulationError } from './errors';

export interface AppModelShape {
  /** The input shape of one example, e.g. [784] or [28, 28, 1]. */
  inputShape: number[];
  numFeatures: number;
  numClasses: number;
}

export interface CohortApp {
  /** Loads the data, split into train and test (see `loadCsvDataset`, `gatherRows`). */
  dataset?(seed: number): Dataset | Promise<Dataset>;
  /**
   * Builds the model with fresh, seeded weights. It travels as a tfjs Layers topology, so it must
   * use tfjs's built-in layers; the output is a softmax over `numClasses`.
   */
  model?(shape: AppModelShape, seed: number): LayersModel | Promise<LayersModel>;
  /** Builds the aggregation strategy from the run's sampling (the DP wrappers wrap it under --dp). */
  strategy?(plan: { fraction: number; minClients: number; seed: number }): Strategy;
  /** Defaults for the simulation's flags (flags given on the command line win). */
  defaults?: Record<string, unknown>;
}

const PARTS = ['dataset', 'model', 'strategy'] as const;

/** The app a module exports, checked: `path` names the module in errors. */
export function checkApp(exported: unknown, path: string): CohortApp {
  // A module read as CommonJS (no "type": "module" beside it) nests its default export one level deeper.
  let app = exported;
  for (let depth = 0; depth < 2 && app !== null && typeof app === 'object' && 'default' in app; depth++)
    app = (app as { default: unknown }).default;
  if (app === null || typeof app !== 'object')
    throw new SimulationError('INVALID_OPTION', `${path} must default-export an app object ({ dataset?, model?, strategy?, defaults? }).`);
  const record = app as Record<string, unknown>;
  for (const part of PARTS) {
    if (record[part] !== undefined && typeof record[part] !== 'function')
      throw new SimulationError('INVALID_OPTION', `${path}: "${part}" must be a function, got ${typeof record[part]}.`);
  }
  if (record['defaults'] !== undefined && (typeof record['defaults'] !== 'object' || record['defaults'] === null))
    throw new SimulationError('INVALID_OPTION', `${path}: "defaults" must be an object whose keys mirror cohort simulate's flags.`);
  const unknown = Object.keys(record).filter((k) => ![...PARTS, 'defaults'].includes(k));
  if (unknown.length > 0)
    throw new SimulationError(
      'INVALID_OPTION',
      `${path}: unknown export key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; an app has dataset, model, strategy and defaults.`,
    );
  return record as CohortApp;
}
