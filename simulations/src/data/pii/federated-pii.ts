/**
 * A PII dataset dealt out to simulated devices, each of which runs the on-device pipeline on its
 * own records exactly as `cohort client --schema` does: validate, clean, mask with a device-local
 * key, encode with local statistics, then hold out a seeded share of rows for federated
 * evaluation. The encoded rows are packed into one shared split per purpose for the worker pool.
 */
import { randomBytes } from 'node:crypto';
import { holdOut, runPipeline, type Examples } from '@cohort/client';
import { maskRecords, parseMaskingPolicy } from '@cohort/privacy';
import type { Dataset, Split } from '../dataset';
import { allocateSplit } from '../dataset';
import { partition, type PartitionSpec } from '../../partition/index';
import type { Rng } from '../../rng';
import { defaultMaskingPolicy } from './default-policy';
import { generatePiiDataset } from './pii-dataset';

export interface PiiFederation {
  dataset: Dataset;
  trainParts: Int32Array[];
  evalParts: Int32Array[];
}

export async function preparePiiFederation(
  name: string,
  options: { seed: number; clients: number; partition: PartitionSpec; rng: Rng; count?: number; groupBias?: number; evalFraction?: number },
): Promise<PiiFederation> {
  const { schema, records } = generatePiiDataset(name, {
    seed: options.seed,
    count: options.count ?? 6000,
    groupBias: options.groupBias ?? 0,
  });
  const policy = parseMaskingPolicy(defaultMaskingPolicy(schema));
  const label = schema.columns.find((c) => c.role === 'label')!;
  const classes = label.classes!;
  const labels = Int32Array.from(records, (r) => Math.max(0, classes.indexOf(String(r[label.name]))));
  const parts = partition(labels, options.clients, options.partition, options.rng.fork('clients'));
  const devices: { train: Examples; evaluation: Examples }[] = [];
  let meta: { featureNames: string[]; classNames: string[]; groupNames: string[] } | undefined;
  for (const [i, part] of parts.entries()) {
    const secretKey = randomBytes(32); // device-local: pseudonyms are unlinkable across devices
    const result = await runPipeline({ records: Array.from(part, (row) => records[row]!) }, schema, {
      mask: (rows) => maskRecords(rows, policy, { secretKey }),
      seed: options.seed + i,
    });
    secretKey.fill(0);
    meta ??= { featureNames: result.featureNames, classNames: result.classNames, groupNames: result.groupNames };
    const examples = { ...result.examples, groups: result.groups, groupNames: result.groupNames };
    devices.push(holdOut(examples, options.evalFraction ?? 0.2, options.seed + i));
  }
  const numFeatures = meta!.featureNames.length;
  const train = pack(
    devices.map((d) => d.train),
    numFeatures,
  );
  const test = pack(
    devices.map((d) => d.evaluation),
    numFeatures,
  );
  return {
    dataset: {
      name,
      inputShape: [numFeatures],
      numFeatures,
      numClasses: meta!.classNames.length,
      classNames: meta!.classNames,
      featureNames: meta!.featureNames,
      groupNames: meta!.groupNames,
      train: train.split,
      test: test.split,
    },
    trainParts: train.ranges,
    evalParts: test.ranges,
  };
}

/** Concatenates the devices' examples into one shared split; each device owns a contiguous range. */
function pack(parts: readonly Examples[], numFeatures: number): { split: Split; ranges: Int32Array[] } {
  const total = parts.reduce((n, p) => n + p.count, 0);
  const split = { ...allocateSplit(total, numFeatures), groups: new Int32Array(new SharedArrayBuffer(total * 4)) };
  const ranges: Int32Array[] = [];
  let offset = 0;
  for (const p of parts) {
    split.x.set(p.x, offset * numFeatures);
    split.y.set(p.y, offset);
    if (p.groups) split.groups.set(p.groups, offset);
    ranges.push(Int32Array.from({ length: p.count }, (_, i) => offset + i));
    offset += p.count;
  }
  return { split, ranges };
}
