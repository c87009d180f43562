/**
 * `cohort init DIR`: a folder with everything the README's walk-through needs, made from the
 * simulations' seeded generators — two sites' plain CSVs and a coordinator config for the two-site
 * example, and two hospitals' patient records (fake people, with names, emails, free-text notes)
 * with the schema and masking policy that keep their personal data on the device.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toCsv } from '@cohort/client/data';
import { schemaToJson } from '@cohort/client';
import { makeSynthetic } from './data/synthetic';
import { featureValues, type Split } from './data/dataset';
import { defaultMaskingPolicy } from './data/pii/default-policy';
import { generatePiiDataset } from './data/pii/pii-dataset';
import { SimulationError } from './errors';

export interface ExampleFolderOptions {
  /** Seeds every generator, so the same seed writes the same files. @default 1 */
  seed?: number;
  /** Write into a folder that already holds files. @default false */
  force?: boolean;
}

/** What `writeExampleFolder` wrote, relative to the folder. */
export const EXAMPLE_FILES = [
  'site-a.csv',
  'site-b.csv',
  'coordinator.json',
  'patients-a.csv',
  'patients-b.csv',
  'schema.json',
  'policy.json',
  'README.md',
] as const;

const FEATURES = 10;
const PATIENTS_PER_SITE = 400;

export function writeExampleFolder(dir: string, options: ExampleFolderOptions = {}): string[] {
  const seed = options.seed ?? 1;
  if (existsSync(dir) && readdirSync(dir).length > 0 && !options.force)
    throw new SimulationError(
      'INVALID_OPTION',
      `${dir} already holds files; choose a new folder, or pass --force to write the example files over them.`,
    );
  mkdirSync(dir, { recursive: true });
  const write = (name: (typeof EXAMPLE_FILES)[number], text: string) => writeFileSync(join(dir, name), text);

  // Two sites of one tabular task: each holds half of the rows.
  const data = makeSynthetic({ seed, count: 2000, numFeatures: FEATURES, numClasses: 2, testFraction: 0.5 });
  write('site-a.csv', splitCsv(data.train));
  write('site-b.csv', splitCsv(data.test));
  write(
    'coordinator.json',
    `${JSON.stringify({ port: 8080, model: 'mlp', numFeatures: FEATURES, numClasses: 2, rounds: 20, minClients: 2 }, null, 2)}\n`,
  );

  // Two hospitals of one federation share the schema and the masking policy.
  const a = generatePiiDataset('synthetic-health', { seed: seed * 2, count: PATIENTS_PER_SITE });
  const b = generatePiiDataset('synthetic-health', { seed: seed * 2 + 1, count: PATIENTS_PER_SITE });
  const columns = a.schema.columns.map((c) => c.name);
  write('patients-a.csv', toCsv(columns, a.records));
  write('patients-b.csv', toCsv(columns, b.records));
  write('schema.json', schemaToJson(a.schema));
  write('policy.json', `${JSON.stringify(defaultMaskingPolicy(a.schema), null, 2)}\n`);
  write('README.md', README);
  return EXAMPLE_FILES.map((name) => join(dir, name));
}

/** A seeded synthetic task as one CSV (features f0…, then `label`), for a project made by `cohort new`. */
export function syntheticCsv(options: { seed: number; count: number; numFeatures: number; numClasses: number }): string {
  const data = makeSynthetic({ ...options, testFraction: 0.5 });
  return splitCsv(data.train, options.numFeatures) + splitCsv(data.test, options.numFeatures).replace(/^.*\r\n/, '');
}

function splitCsv(split: Split, numFeatures = FEATURES): string {
  const columns = [...Array.from({ length: numFeatures }, (_, f) => `f${f}`), 'label'];
  const x = featureValues(split, numFeatures);
  const records = Array.from({ length: split.count }, (_, i) => {
    const row: Record<string, string> = { label: String(split.y[i]) };
    for (let f = 0; f < numFeatures; f++) row[`f${f}`] = x[i * numFeatures + f]!.toFixed(5);
    return row;
  });
  return toCsv(columns, records);
}

const README = `# A Cohort example folder

Made by \`cohort init\`. Everything here is synthetic: the patients are fake people.

| file | what it is |
|---|---|
| site-a.csv, site-b.csv | two sites' rows of one task: ten numeric features f0…f9 and a 0/1 label |
| coordinator.json | the coordinator's settings for them (keys mirror \`cohort coordinator\`'s flags) |
| patients-a.csv, patients-b.csv | two hospitals' discharges, with names, emails, addresses and free-text notes |
| schema.json | each patient column's type and role (pii, quasi-identifier, sensitive, feature, label) |
| policy.json | how each column is masked on the device before anything is encoded |

Two sites (three terminals, in this folder):

    npx cohort coordinator --config coordinator.json
    npx cohort client --server http://127.0.0.1:8080 --data site-a.csv --label label --data-dir .site-a
    npx cohort client --server http://127.0.0.1:8080 --data site-b.csv --label label --data-dir .site-b

Each client keeps its identity in its own --data-dir: two clients sharing one would be one device.

Two hospitals whose personal data never leaves them:

    npx cohort mask --policy policy.json --in patients-a.csv --out masked-a.csv --report mask-report.json
    npx cohort coordinator --port 8081 --model mlp --schema schema.json --rounds 5 --min-clients 2 --data-dir .coordinator-pii
    npx cohort client --server http://127.0.0.1:8081 --data patients-a.csv --schema schema.json --policy policy.json --data-dir .hospital-a
    npx cohort client --server http://127.0.0.1:8081 --data patients-b.csv --schema schema.json --policy policy.json --data-dir .hospital-b
`;
