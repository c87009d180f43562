import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline, type MaskStep } from '@cohort/client';
import { DataError, type DataErrorCode } from '@cohort/client';
import type { DatasetSchema } from '@cohort/client';
import type { PipelineRecord } from '@cohort/client';

const dir = mkdtempSync(join(tmpdir(), 'cohort-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function write(text: string, ext = 'csv'): string {
  const path = join(dir, `d${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

const schema: DatasetSchema = {
  version: 1,
  columns: [
    { name: 'name', type: 'string', role: 'pii', required: true },
    { name: 'email', type: 'string', role: 'pii' },
    { name: 'notes', type: 'text', role: 'pii' },
    { name: 'zip', type: 'string', role: 'quasi-identifier' },
    { name: 'group', type: 'category', role: 'sensitive', categories: ['A', 'B'] },
    { name: 'income', type: 'number', role: 'feature' },
    { name: 'visits', type: 'integer', role: 'feature' },
    { name: 'opened', type: 'date', role: 'feature' },
    { name: 'color', type: 'category', role: 'feature', categories: ['red', 'green', 'blue'] },
    { name: 'label', type: 'category', role: 'label', classes: ['no', 'yes'] },
  ],
};
const PII = ['name', 'email', 'notes'];

const HEADER = 'name,email,notes,zip,group,income,visits,opened,color,label';
const ROWS = [
  'Ann Lee,ann@x.org,"Called Ann Lee at (555) 123-4567, follow up via ann@x.org",12345,A,100,1,2020-01-01,red,yes',
  'Bo Chan,bo@x.org,"Bo said ""fine""",12345,B,200,3,2021-01-01,green,no',
  'Cy Dahl,cy@x.org,Met Cy Dahl,54321,A,300,5,2022-01-01,blue,no',
  'Di Eng,di@x.org,,54321,B,400,7,2023-01-01,red,yes',
];
const csv = (rows = ROWS) => `${HEADER}\n${rows.join('\n')}\n`;

const withoutPii = (records: PipelineRecord[]) =>
  records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !PII.includes(k))));
/** Drops every pii column, the minimal honest mask. */
const dropPii: MaskStep<{ dropped: string[] }> = (records) => ({ records: withoutPii(records), report: { dropped: PII } });
const identity: MaskStep<null> = (records) => ({ records, report: null });

async function pipelineError(promise: Promise<unknown>, code: DataErrorCode): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  expect((error as DataError).code).toBe(code);
  return error as DataError;
}

function column(x: Float32Array, numFeatures: number, f: number): number[] {
  return Array.from({ length: x.length / numFeatures }, (_, i) => x[i * numFeatures + f]!);
}

describe('runPipeline: encoding', () => {
  it('encodes only the feature columns, in schema order, with one-hot slots from the schema', async () => {
    const result = await runPipeline({ path: write(csv()) }, schema, { mask: dropPii });
    expect(result.featureNames).toEqual(['income', 'visits', 'opened', 'color=red', 'color=green', 'color=blue']);
    expect(result.classNames).toEqual(['no', 'yes']);
    expect(result.groupNames).toEqual(['A', 'B']);
    expect(result.examples.count).toBe(4);
    expect(result.examples.numFeatures).toBe(6);
    expect(Array.from(result.examples.y)).toEqual([1, 0, 0, 1]);
    expect(Array.from(result.groups)).toEqual([0, 1, 0, 1]);
    const { x, numFeatures } = result.examples;
    // income 100..400: mean 250, population sd √12500.
    column(x, numFeatures, 0).forEach((v, i) => expect(v).toBeCloseTo((100 * (i + 1) - 250) / Math.sqrt(12_500), 5));
    // Dates become years before the newest one, so later dates encode lower, evenly spaced.
    const opened = column(x, numFeatures, 2);
    expect(opened[0]).toBeGreaterThan(opened[3]!);
    expect(opened.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
    expect(column(x, numFeatures, 3)).toEqual([1, 0, 0, 1]);
    expect(column(x, numFeatures, 4)).toEqual([0, 1, 0, 0]);
    expect(column(x, numFeatures, 5)).toEqual([0, 0, 1, 0]);
    expect(result.report).toMatchObject({
      rowsRead: 4,
      rowsEncoded: 4,
      rowsDroppedMissingLabel: 0,
      classCounts: [2, 2],
      groupCounts: [2, 2],
      mask: { dropped: PII },
      undeclaredColumns: [],
    });
    expect(result.report.featureStats[0]).toEqual({ name: 'income', mean: 250, std: Math.sqrt(12_500) });
  });

  it('gives two clients the same feature layout whatever categories each happens to hold', async () => {
    const onlyRed = ROWS.map((r) => r.replace(/,(green|blue),/, ',red,'));
    const onlyBlue = ROWS.map((r) => r.replace(/,(red|green),/, ',blue,'));
    const a = await runPipeline({ path: write(csv(onlyRed)) }, schema, { mask: dropPii });
    const b = await runPipeline({ path: write(csv(onlyBlue)) }, schema, { mask: dropPii });
    expect(a.featureNames).toEqual(b.featureNames);
    expect(a.examples.numFeatures).toBe(b.examples.numFeatures);
    const red = a.featureNames.indexOf('color=red');
    const blue = a.featureNames.indexOf('color=blue');
    expect(column(a.examples.x, a.examples.numFeatures, red)).toEqual([1, 1, 1, 1]);
    expect(column(b.examples.x, b.examples.numFeatures, blue)).toEqual([1, 1, 1, 1]);
    expect(column(b.examples.x, b.examples.numFeatures, red)).toEqual([0, 0, 0, 0]);
  });

  it('reads JSON lines and in-memory records like CSV', async () => {
    const records = [
      { name: 'Ann Lee', group: 'A', income: 1, visits: 2, opened: '2020-01-01', color: 'red', label: 'yes' },
      { name: 'Bo Chan', group: 'B', income: 3, visits: null, opened: '2020-06-01', color: 'blue', label: 'no' },
    ];
    const fromJson = await runPipeline({ path: write(records.map((r) => JSON.stringify(r)).join('\n'), 'jsonl') }, schema, {
      mask: dropPii,
    });
    const fromRecords = await runPipeline({ records }, schema, { mask: dropPii });
    expect(Array.from(fromJson.examples.x)).toEqual(Array.from(fromRecords.examples.x));
    expect(Array.from(fromJson.examples.y)).toEqual([1, 0]);
    expect(fromRecords.report.imputed).toEqual({ visits: 1 });
  });

  it('maps an unknown or missing group to −1 and reports undeclared columns', async () => {
    const records = [
      { name: 'a', group: 'A', income: 1, visits: 1, opened: '2020-01-01', color: 'red', label: 'no', extra: 'x' },
      { name: 'b', group: '', income: 2, visits: 1, opened: '2020-01-01', color: 'red', label: 'no' },
    ];
    const result = await runPipeline({ records }, schema, { mask: dropPii });
    expect(Array.from(result.groups)).toEqual([0, -1]);
    expect(result.report.groupCounts).toEqual([1, 0]);
    expect(result.report.undeclaredColumns).toEqual(['extra']);
  });
});

describe('runPipeline: cleaning', () => {
  it('imputes missing numeric and date features with the local mean, and counts them', async () => {
    const rows = [...ROWS];
    rows[1] = rows[1]!.replace(',200,3,2021-01-01,', ',,,,'); // Bo: income, visits and opened missing
    const result = await runPipeline({ path: write(csv(rows)) }, schema, { mask: dropPii });
    expect(result.report.imputed).toEqual({ income: 1, visits: 1, opened: 1 });
    const { x, numFeatures } = result.examples;
    // Imputed with the mean of 100, 300, 400 → standardises to exactly 0 (the imputed value is the mean).
    expect(column(x, numFeatures, 0)[1]).toBeCloseTo(0, 6);
    expect(column(x, numFeatures, 1)[1]).toBeCloseTo(0, 6);
    expect(result.report.featureStats[0]!.mean).toBeCloseTo(800 / 3, 9);
  });

  it('drops rows whose label is missing and reports how many', async () => {
    const rows = [...ROWS];
    rows[2] = rows[2]!.replace(/,no$/, ',');
    const result = await runPipeline({ path: write(csv(rows)) }, schema, { mask: dropPii });
    expect(result.report.rowsDroppedMissingLabel).toBe(1);
    expect(result.examples.count).toBe(3);
    expect(Array.from(result.examples.y)).toEqual([1, 0, 1]);
    expect(Array.from(result.groups)).toEqual([0, 1, 1]);
  });

  it('encodes a missing category as all zeros', async () => {
    const rows = [...ROWS];
    rows[0] = rows[0]!.replace(',red,', ',,');
    const result = await runPipeline({ path: write(csv(rows)) }, schema, { mask: dropPii });
    expect(result.report.missingCategory).toEqual({ color: 1 });
    expect(Array.from(result.examples.x.subarray(3, 6))).toEqual([0, 0, 0]);
  });
});

describe('runPipeline: validation names the row and the column', () => {
  it.each<[string, (row: string) => string, DataErrorCode, string]>([
    ['a non-number', (r) => r.replace(',300,', ',3O0,'), 'NOT_A_NUMBER', 'income'],
    ['a non-integer', (r) => r.replace(',5,', ',5.5,'), 'NOT_A_NUMBER', 'visits'],
    ['a bad date', (r) => r.replace('2022-01-01', '2022-02-30'), 'BAD_DATE', 'opened'],
    ['an unknown category', (r) => r.replace(',blue,', ',purple,'), 'UNKNOWN_CATEGORY', 'color'],
    ['an unknown class', (r) => r.replace(/,no$/, ',maybe'), 'UNKNOWN_CLASS', 'label'],
    ['a missing required value', (r) => r.replace('Cy Dahl,', ','), 'MISSING_VALUE', 'name'],
    ['an unknown group', (r) => r.replace(',A,', ',Z,'), 'UNKNOWN_CATEGORY', 'group'],
  ])('%s', async (_what, corrupt, code, name) => {
    const rows = [...ROWS];
    rows[2] = corrupt(rows[2]!);
    const error = await pipelineError(runPipeline({ path: write(csv(rows)) }, schema, { mask: dropPii }), code);
    expect(error).toMatchObject({ row: 3, line: 4, column: name });
    expect(error.message).toContain(`row 3 (line 4), column "${name}"`);
  });

  it('does not quote the value of a pii column', async () => {
    const piiDate: DatasetSchema = { ...schema, columns: [...schema.columns, { name: 'dob', type: 'date', role: 'pii' }] };
    const records = [{ name: 'a', dob: '1970-13-45', income: 1, visits: 1, opened: '2020-01-01', color: 'red', group: 'A', label: 'no' }];
    const error = await pipelineError(runPipeline({ records }, piiDate, { mask: dropPii }), 'BAD_DATE');
    expect(error.message).toContain('row 1, column "dob"');
    expect(error.message).not.toContain('1970-13-45');
  });

  it('names a JSON line', async () => {
    const lines = [
      '{"name":"a","group":"A","income":1,"visits":1,"opened":"2020-01-01","color":"red","label":"no"}',
      '',
      '{"name":"b","group":"A","income":"lots","visits":1,"opened":"2020-01-01","color":"red","label":"no"}',
    ];
    const error = await pipelineError(runPipeline({ path: write(lines.join('\n'), 'jsonl') }, schema, { mask: dropPii }), 'NOT_A_NUMBER');
    expect(error).toMatchObject({ row: 2, line: 3, column: 'income' });
  });

  it('refuses data missing a feature column', async () => {
    const header = HEADER.replace(',color', '');
    const rows = ROWS.map((row) => row.replace(/,(red|green|blue),/, ','));
    const error = await pipelineError(
      runPipeline({ path: write(`${header}\n${rows.join('\n')}\n`) }, schema, { mask: dropPii }),
      'MISSING_COLUMN',
    );
    expect(error.column).toBe('color');
    expect(error.message).toMatch(/has no column "color", which the schema declares as a feature/);
  });

  it('refuses malformed CSV with its line', async () => {
    const error = await pipelineError(
      runPipeline({ path: write(`${HEADER}\n"unclosed,1\n`) }, schema, { mask: dropPii }),
      'MALFORMED_INPUT',
    );
    expect(error.message).toMatch(/not valid CSV/);
  });

  it('validates the schema itself', async () => {
    await pipelineError(runPipeline({ path: write(csv()) }, { columns: [] } as never, { mask: dropPii }), 'INVALID_SCHEMA');
  });
});

describe('runPipeline: the unmasked-PII guard', () => {
  it('refuses to train when the mask step is the identity', async () => {
    const error = await pipelineError(runPipeline({ path: write(csv()) }, schema, { mask: identity }), 'UNMASKED_PII');
    expect(error.message).toMatch(/"name" \(4 of 4 rows\)/);
    expect(error.message).toMatch(/"email"/);
    expect(error.message).not.toContain('Ann Lee');
  });

  it('passes when the pii columns are dropped or blanked', async () => {
    await expect(runPipeline({ path: write(csv()) }, schema, { mask: dropPii })).resolves.toBeDefined();
    const blank: MaskStep = (records) => ({
      records: records.map((r) => ({ ...r, name: '', email: null, notes: undefined })),
      report: null,
    });
    await expect(runPipeline({ path: write(csv()) }, schema, { mask: blank })).resolves.toBeDefined();
  });

  it("passes pseudonyms and notes scrubbed of the row's identifiers, even a note that had none", async () => {
    const scrub: MaskStep = (records) => ({
      records: records.map((r, i) => ({
        ...r,
        name: `person-${i}`,
        email: `user-${i}@example.invalid`,
        notes: (r.notes ?? '').replace(r.name ?? '', '[NAME]').replace(r.email ?? '', '[EMAIL]'),
      })),
      report: null,
    });
    // Row 2's note ('Bo said "fine"') holds no identifier and passes through unchanged.
    await expect(runPipeline({ path: write(csv()) }, schema, { mask: scrub })).resolves.toBeDefined();
  });

  it("refuses notes that still repeat a row's name or email", async () => {
    const keepNotes: MaskStep = (records) => ({
      records: records.map((r) => ({
        notes: r.notes,
        zip: r.zip,
        group: r.group,
        income: r.income,
        visits: r.visits,
        opened: r.opened,
        color: r.color,
        label: r.label,
      })),
      report: null,
    });
    const error = await pipelineError(runPipeline({ path: write(csv()) }, schema, { mask: keepNotes }), 'UNMASKED_PII');
    expect(error.column).toBe('notes');
    expect(error.message).toMatch(/"notes" \(2 of 4 rows\)/); // Ann's and Cy's notes name them
  });

  it('refuses a schema that makes a pii column a feature, before reading any data', async () => {
    const leaky: DatasetSchema = {
      ...schema,
      columns: schema.columns.map((c) => (c.name === 'email' ? { ...c, type: 'category', categories: ['x'], asFeature: true } : c)),
    };
    const error = await pipelineError(runPipeline({ path: join(dir, 'does-not-exist.csv') }, leaky, { mask: dropPii }), 'UNMASKED_PII');
    expect(error.column).toBe('email');
    expect(error.message).toMatch(/pii column "email" as a feature/);
  });

  it('maps suppressed rows through keptRows', async () => {
    const suppress: MaskStep<{ suppressed: number }> = (records) => {
      const masked = withoutPii(records);
      return { records: [masked[0]!, masked[3]!], keptRows: [0, 3], report: { suppressed: 2 } };
    };
    const result = await runPipeline({ path: write(csv()) }, schema, { mask: suppress });
    expect(result.examples.count).toBe(2);
    expect(Array.from(result.groups)).toEqual([0, 1]);
    expect(result.report.rowsDroppedByMask).toBe(2);
  });

  it('refuses a mask output of the wrong shape', async () => {
    const short: MaskStep = (records) => ({ records: records.slice(1), report: null });
    const error = await pipelineError(runPipeline({ path: write(csv()) }, schema, { mask: short }), 'INVALID_MASK_OUTPUT');
    expect(error.message).toMatch(/keptRows/);
    const nested: MaskStep = (records) => ({ records: records.map((r) => ({ ...r, name: { first: 'x' } })), report: null });
    await pipelineError(runPipeline({ path: write(csv()) }, schema, { mask: nested }), 'INVALID_MASK_OUTPUT');
    await pipelineError(runPipeline({ path: write(csv()) }, schema, {} as never), 'INVALID_OPTION');
  });

  it('gives the mask step a private copy, so masking in place is detected correctly', async () => {
    const inPlace: MaskStep = (records) => {
      for (const r of records) for (const k of PII) delete r[k];
      return { records, report: null };
    };
    await expect(runPipeline({ path: write(csv()) }, schema, { mask: inPlace })).resolves.toBeDefined();
  });

  it('forwards the seed and the schema to the mask step', async () => {
    let seen: unknown;
    await runPipeline({ path: write(csv()) }, schema, {
      seed: 7,
      mask: (records, context) => {
        seen = context;
        return dropPii(records, context);
      },
    });
    expect(seen).toMatchObject({ seed: 7, schema: { columns: schema.columns } });
  });
});
