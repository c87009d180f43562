/**
 * Seeded synthetic datasets of fake people, for exercising the PII-masking and fairness tooling:
 * string-valued records with direct identifiers (name, email, phone, address, date of birth, SSN,
 * free-text notes that repeat them), quasi-identifiers (zip code, age, gender), a sensitive group
 * label, numeric and categorical features, and a binary label drawn from a known logistic rule
 * (see `spec.ts`). Each dataset ships its schema in the client pipeline's format.
 *
 * - `synthetic-credit`: loan default (`credit.ts`).
 * - `synthetic-health`: 30-day readmission (`health.ts`).
 *
 * Everything is a function of the seed: the same `{ seed, count, groupBias, missingRate }` gives the
 * same records, byte for byte (faker draws names and addresses, the simulation Rng the rest).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Faker, en } from '@faker-js/faker';
import { toCsv } from '@cohort/client/data';
import { createRng } from '../../rng';
import { SimulationError } from '../../errors';
import { creditSpec } from './credit';
import { healthSpec } from './health';
import { buildRecords, type DatasetSchema, type PiiDatasetSpec } from './spec';

import { PII_DATASET_NAMES, type PiiDatasetName } from './pii-names';

export { PII_DATASET_NAMES, type PiiDatasetName };

const SPECS: Record<PiiDatasetName, PiiDatasetSpec> = {
  'synthetic-credit': creditSpec,
  'synthetic-health': healthSpec,
};

export interface PiiDatasetOptions {
  /** Seeds everything: people, features, groups, labels, missing cells. */
  seed: number;
  /** Number of records, 1 … 1,000,000. @default 2000 */
  count?: number;
  /**
   * How much the label rule of one group (B) departs from the others', ≥ 0: 0 = one rule for
   * everyone; 1 = strong (an offset of about 1.2 in the logit and the main feature's effect gone).
   * @default 0
   */
  groupBias?: number;
  /** Probability that a non-required numeric feature cell is left empty, in [0, 0.5]. @default 0.02 */
  missingRate?: number;
}

export interface PiiDataset {
  schema: DatasetSchema;
  /** One object per row, keys in schema order, every value a string ('' = missing). */
  records: Record<string, string>[];
}

export function generatePiiDataset(name: PiiDatasetName | string, options: PiiDatasetOptions): PiiDataset {
  const spec = specFor(name);
  const { seed, count = 2000, groupBias = 0, missingRate = 0.02 } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > 1_000_000) {
    throw new SimulationError('INVALID_OPTION', `count must be an integer in [1, 1000000]; got ${count}.`);
  }
  if (!(Number.isFinite(groupBias) && groupBias >= 0)) {
    throw new SimulationError('INVALID_OPTION', `groupBias must be a finite number ≥ 0; got ${groupBias}.`);
  }
  if (!(missingRate >= 0 && missingRate <= 0.5)) {
    throw new SimulationError('INVALID_OPTION', `missingRate must be in [0, 0.5]; got ${missingRate}.`);
  }
  const rng = createRng(seed).fork(name);
  const faker = new Faker({ locale: [en] });
  faker.seed(rng.fork('faker').int(2 ** 31));
  const records = buildRecords(spec, faker, rng.fork('rows'), { count, groupBias, missingRate });
  return { schema: piiDatasetSchema(name), records };
}

/** A fresh copy of the dataset's schema. */
export function piiDatasetSchema(name: PiiDatasetName | string): DatasetSchema {
  return structuredClone(specFor(name).schema);
}

export interface WrittenPiiDataset {
  dataPath: string;
  schemaPath: string;
  count: number;
}

/** Writes `dir/data.csv` (RFC 4180, CRLF, header in schema order) and `dir/schema.json`, creating `dir`. */
export async function writePiiDataset(name: PiiDatasetName | string, dir: string, options: PiiDatasetOptions): Promise<WrittenPiiDataset> {
  const { schema, records } = generatePiiDataset(name, options);
  await mkdir(dir, { recursive: true });
  const dataPath = join(dir, 'data.csv');
  const schemaPath = join(dir, 'schema.json');
  await writeFile(
    dataPath,
    toCsv(
      schema.columns.map((c) => c.name),
      records,
    ),
  );
  await writeFile(schemaPath, `${JSON.stringify(schema, null, 2)}\n`);
  return { dataPath, schemaPath, count: records.length };
}

function specFor(name: string): PiiDatasetSpec {
  const spec = (SPECS as Record<string, PiiDatasetSpec | undefined>)[name];
  if (spec === undefined) {
    throw new SimulationError('UNKNOWN_DATASET', `Unknown PII dataset "${name}"; expected one of: ${PII_DATASET_NAMES.join(', ')}.`);
  }
  return spec;
}
