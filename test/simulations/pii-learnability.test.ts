/**
 * The synthetic PII datasets through the client pipeline: written as CSV, loaded, validated,
 * cleaned, masked (pii columns dropped) and encoded, then fitted with a logistic regression written
 * here in plain loops, independent of the code under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePiiDataset, type PiiDatasetName } from '@cohort/simulations';
import { loadSchema } from '@cohort/client';
import { runPipeline, type MaskStep, type PipelineResult } from '@cohort/client';

const dir = mkdtempSync(join(tmpdir(), 'cohort-pii-learn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COUNT = 6000;

const dropPii: MaskStep<null> = (records, { schema }) => {
  const pii = new Set(schema.columns.filter((c) => c.role === 'pii').map((c) => c.name));
  return { records: records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !pii.has(k)))), report: null };
};

const cache = new Map<string, Promise<PipelineResult>>();

/** The dataset written to CSV and run through the pipeline (once per name and bias; read-only). */
function pipeline(name: PiiDatasetName, groupBias: number): Promise<PipelineResult> {
  const key = `${name}-${groupBias}`;
  let result = cache.get(key);
  if (result === undefined) {
    result = (async () => {
      const { dataPath, schemaPath } = await writePiiDataset(name, join(dir, key), { seed: 2024, count: COUNT, groupBias });
      return runPipeline({ path: dataPath }, await loadSchema(schemaPath), { mask: dropPii });
    })();
    cache.set(key, result);
  }
  return result;
}

interface Model {
  w: Float64Array;
  b: number;
}

/** Binary logistic regression by full-batch gradient descent on the rows `rows`. */
function fitLogistic(x: Float32Array, y: Int32Array, d: number, rows: number[], epochs = 400, rate = 0.8): Model {
  const w = new Float64Array(d);
  let b = 0;
  const g = new Float64Array(d);
  for (let e = 0; e < epochs; e++) {
    g.fill(0);
    let gb = 0;
    for (const i of rows) {
      let t = b;
      for (let f = 0; f < d; f++) t += w[f]! * x[i * d + f]!;
      const err = 1 / (1 + Math.exp(-t)) - y[i]!;
      gb += err;
      for (let f = 0; f < d; f++) g[f]! += err * x[i * d + f]!;
    }
    b -= (rate * gb) / rows.length;
    for (let f = 0; f < d; f++) w[f]! -= (rate * g[f]!) / rows.length;
  }
  return { w, b };
}

function accuracy(model: Model, x: Float32Array, y: Int32Array, d: number, rows: number[]): number {
  let correct = 0;
  for (const i of rows) {
    let t = model.b;
    for (let f = 0; f < d; f++) t += model.w[f]! * x[i * d + f]!;
    if ((t > 0 ? 1 : 0) === y[i]) correct++;
  }
  return correct / rows.length;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** The feature each dataset's group-B rule changes (see credit.ts, health.ts). */
const BIASED_FEATURE: Record<PiiDatasetName, string> = {
  'synthetic-credit': 'credit_score',
  'synthetic-health': 'prior_admissions',
};

describe.each(['synthetic-credit', 'synthetic-health'] as const)('%s through the pipeline', (name) => {
  it('has a label a logistic regression learns well above the base rate', async () => {
    const { examples, report, featureNames } = await pipeline(name, 0);
    const { x, y, numFeatures: d, count } = examples;
    expect(count).toBe(COUNT);
    const notInputs = [
      'full_name',
      'email',
      'phone',
      'street_address',
      'date_of_birth',
      'national_id',
      'notes',
      'zip_code',
      'age',
      'gender',
      'group',
    ];
    expect(featureNames.filter((f) => notInputs.includes(f.split('=')[0]!))).toEqual([]);
    expect(Object.values(report.imputed).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const split = Math.floor(count * 0.75);
    const model = fitLogistic(x, y, d, range(0, split));
    const acc = accuracy(model, x, y, d, range(split, count));
    const majority = Math.max(...report.classCounts) / count;
    expect(acc).toBeGreaterThan(0.75);
    expect(acc).toBeGreaterThan(majority + 0.1);
  });

  it('with groupBias > 0, group B follows a measurably different rule; with 0, it does not', async () => {
    const gaps = async (groupBias: number) => {
      const { examples, groups, groupNames, featureNames } = await pipeline(name, groupBias);
      const { x, y, numFeatures: d, count } = examples;
      const rowsOf = (g: string) => range(0, count).filter((i) => groups[i] === groupNames.indexOf(g));
      const a = rowsOf('A');
      const b = rowsOf('B');
      const f = featureNames.indexOf(BIASED_FEATURE[name]);
      const weightGap = fitLogistic(x, y, d, a).w[f]! - fitLogistic(x, y, d, b).w[f]!;
      const rate = (rows: number[]) => rows.reduce((s, i) => s + y[i]!, 0) / rows.length;
      return { weightGap: Math.abs(weightGap), baseRateGap: Math.abs(rate(a) - rate(b)) };
    };
    const fair = await gaps(0);
    const biased = await gaps(1);
    // The rule's weight is ~2 on the biased feature; group B's fit has ~1800 rows (weight se ~0.15).
    expect(fair.weightGap).toBeLessThan(0.6);
    expect(biased.weightGap).toBeGreaterThan(1.2);
    // Base rates: se of the difference ~0.015.
    expect(fair.baseRateGap).toBeLessThan(0.04);
    expect(biased.baseRateGap).toBeGreaterThan(0.08);
  });
});

it('with groupBias, a model pooled over both groups serves group B worse (synthetic-credit)', async () => {
  /** Accuracy per group over all rows (the model sees the first 75 %; ~4200 A and ~1800 B rows). */
  const perGroupAccuracy = async (groupBias: number) => {
    const { examples, groups } = await pipeline('synthetic-credit', groupBias);
    const { x, y, numFeatures: d, count } = examples;
    const model = fitLogistic(x, y, d, range(0, Math.floor(count * 0.75)));
    return [0, 1].map((g) =>
      accuracy(
        model,
        x,
        y,
        d,
        range(0, count).filter((i) => groups[i] === g),
      ),
    );
  };
  const [fairA, fairB] = await perGroupAccuracy(0);
  const [biasedA, biasedB] = await perGroupAccuracy(1);
  // se of an accuracy gap here is ~0.012; across seeds the biased gap is 0.09–0.12.
  expect(Math.abs(fairA! - fairB!)).toBeLessThan(0.04);
  expect(biasedA! - biasedB!).toBeGreaterThan(0.06);
});
