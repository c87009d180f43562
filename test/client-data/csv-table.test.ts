import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadCsvTable, parseCsvTable, type CsvTableOptions } from '@cohort/client';
import { DataError } from '@cohort/client';

const dir = mkdtempSync(join(tmpdir(), 'cohort-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

function writeCsv(text: string): string {
  const path = join(dir, `t${fileCount++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** Column `f` of a row-major table. */
function column(x: Float32Array, numFeatures: number, f: number): number[] {
  return Array.from({ length: x.length / numFeatures }, (_, i) => x[i * numFeatures + f]!);
}

async function dataError(text: string, options: CsvTableOptions): Promise<DataError> {
  const error = await loadCsvTable(writeCsv(text), options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe('loadCsvTable: features', () => {
  it('standardises each numeric column with the mean and population std of the file', async () => {
    const table = await loadCsvTable(writeCsv('a,label,b\n1,0,10\n2,1,10\n3,0,10\n4,1,10\n'), { label: 'label' });
    expect(table.featureNames).toEqual(['a', 'b']);
    expect([table.count, table.numFeatures]).toEqual([4, 2]);
    const std = Math.sqrt(1.25); // of 1, 2, 3, 4 around 2.5
    column(table.x, 2, 0).forEach((v, i) => expect(v).toBeCloseTo((i + 1 - 2.5) / std, 6));
    expect(column(table.x, 2, 1)).toEqual([0, 0, 0, 0]); // constant column → 0
    expect(table.featureMeans).toEqual([2.5, 10]);
    expect(table.featureStds[0]).toBeCloseTo(std, 12);
    expect(table.featureStds[1]).toBe(0);
  });

  it('imputes empty cells with the column mean (so they standardise to 0)', async () => {
    const table = await loadCsvTable(writeCsv('x,y\n1,a\n,b\n3,a\n , b\n'), { label: 'y' });
    // Observed 1 and 3: mean 2; imputed column 1, 2, 3, 2 has population std √0.5.
    const expected = [1, 2, 3, 2].map((v) => (v - 2) / Math.sqrt(0.5));
    column(table.x, 1, 0).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    expect(table.featureMeans).toEqual([2]);
  });

  it('turns an all-empty column into zeros', async () => {
    const table = await loadCsvTable(writeCsv('x,empty,y\n1,,0\n2,,1\n'), { label: 'y' });
    expect(column(table.x, 2, 1)).toEqual([0, 0]);
  });

  it('reads numbers in the usual notations, quoted or not, with CRLF and a BOM', async () => {
    const table = await loadCsvTable(writeCsv('\uFEFFx,y\r\n-1.5e0,0\r\n"+.5",1\r\n2.,0\r\n\r\n'), { label: 'y' });
    expect(table.count).toBe(3);
    expect(table.featureMeans[0]).toBeCloseTo(1 / 3, 12);
  });

  it('standardises any numeric table to mean 0 and std 1 per non-constant column, keeping row order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.array(fc.tuple(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: width, maxLength: width }), fc.nat(5)), {
            minLength: 2,
            maxLength: 40,
          }),
        ),
        (rows) => {
          const width = rows[0]![0].length;
          const header = [...Array.from({ length: width }, (_, f) => `f${f}`), 'label'].join(',');
          const text = [header, ...rows.map(([xs, label]) => [...xs.map((v) => v / 8), label].join(','))].join('\n');
          const table = parseCsvTable(text, { label: 'label' });
          expect(Array.from(table.y)).toEqual(rows.map(([, label]) => label));
          for (let f = 0; f < width; f++) {
            const raw = rows.map(([xs]) => xs[f]! / 8);
            const values = column(table.x, width, f);
            const mean = values.reduce((a, b) => a + b, 0) / values.length;
            const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
            expect(Math.abs(mean)).toBeLessThan(1e-5);
            if (raw.every((v) => v === raw[0])) expect(values.every((v) => v === 0)).toBe(true);
            else expect(variance).toBeCloseTo(1, 4);
            // Order preserved: the standardised values are an increasing function of the raw ones.
            for (let i = 1; i < raw.length; i++) {
              if (raw[i]! > raw[0]!) expect(values[i]!).toBeGreaterThan(values[0]!);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('loadCsvTable: labels', () => {
  it('uses non-negative integer labels as class ids, naming every class up to the largest', async () => {
    const table = await loadCsvTable(writeCsv('x,y\n1,0\n2,3\n3,1.0\n'), { label: 'y' });
    expect(Array.from(table.y)).toEqual([0, 3, 1]);
    expect(table.classNames).toEqual(['0', '1', '2', '3']);
  });

  it('sorts other labels and numbers them in that order', async () => {
    const table = await loadCsvTable(writeCsv('x,y\n1,dog\n2,cat\n3,dog\n4,-1\n'), { label: 'y' });
    expect(table.classNames).toEqual(['-1', 'cat', 'dog']);
    expect(Array.from(table.y)).toEqual([2, 1, 2, 0]);
  });

  it('follows a given classes list, in its order', async () => {
    const table = await loadCsvTable(writeCsv('x,y\n1,no\n2,yes\n'), { label: 'y', classes: ['yes', 'no', 'maybe'] });
    expect(table.classNames).toEqual(['yes', 'no', 'maybe']);
    expect(Array.from(table.y)).toEqual([1, 0]);
  });

  it('round-trips label strings with commas, quotes and spaces inside', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc
            .string({ minLength: 1, maxLength: 8 })
            .map((s) => s.trim())
            .filter((s) => s !== ''),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (names) => {
          fc.pre(!names.every((n) => /^\+?\d+(?:\.0*)?$/.test(n))); // those would be read as class ids
          const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
          const text = ['x,label', ...names.map((n, i) => `${i},${quote(n)}`)].join('\n');
          const table = parseCsvTable(text, { label: 'label' });
          expect(Array.from(table.y, (id) => table.classNames[id])).toEqual(names);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('loadCsvTable: errors name the row and the column', () => {
  it('refuses a non-numeric feature, naming column, row, line and value', async () => {
    const error = await dataError('age,city,y\n30,1,a\n40,Paris,b\n', { label: 'y' });
    expect(error).toMatchObject({ code: 'NON_NUMERIC_FEATURE', row: 2, line: 3, column: 'city' });
    expect(error.message).toMatch(/column "city" has the non-numeric value "Paris" at row 2 \(line 3\)/);
    expect(error.message).toMatch(/schema/);
    for (const bad of ['NaN', 'Infinity', '0x1F', '1e999', '1,5']) {
      const e = await dataError(`v,y\n"${bad}",0\n`, { label: 'y' });
      expect(e).toMatchObject({ code: 'NON_NUMERIC_FEATURE', row: 1, column: 'v' });
    }
  });

  it('lists the columns present when the label column is missing', async () => {
    const error = await dataError('a,b,c\n1,2,3\n', { label: 'target' });
    expect(error).toMatchObject({ code: 'MISSING_LABEL', column: 'target' });
    expect(error.message).toContain('no label column "target"; the columns are: "a", "b", "c"');
  });

  it('names the row and value of a label outside the classes list', async () => {
    const error = await dataError('x,y\n1,yes\n2,no\n3,perhaps\n', { label: 'y', classes: ['no', 'yes'] });
    expect(error).toMatchObject({ code: 'UNKNOWN_CLASS', row: 3, line: 4, column: 'y' });
    expect(error.message).toContain('label "perhaps" at row 3 (line 4) is not one of the classes "no", "yes"');
  });

  it('names the row of an empty label', async () => {
    const error = await dataError('x,y\n1,a\n2,\n', { label: 'y' });
    expect(error).toMatchObject({ code: 'MISSING_LABEL_VALUE', row: 2, line: 3, column: 'y' });
  });

  it('reports malformed CSV with its line', async () => {
    const error = await dataError('x,y\n1,a\n2\n', { label: 'y' });
    expect(error).toMatchObject({ code: 'MALFORMED_CSV', line: 3 });
    expect(error.cause).toBeDefined();
  });

  it('refuses empty tables, header-only files, tables without features and duplicate columns', async () => {
    expect(await dataError('', { label: 'y' })).toMatchObject({ code: 'EMPTY_TABLE' });
    expect(await dataError('x,y\n', { label: 'y' })).toMatchObject({ code: 'EMPTY_TABLE' });
    expect(await dataError('y\n1\n', { label: 'y' })).toMatchObject({ code: 'EMPTY_TABLE' });
    expect(await dataError('x,x,y\n1,2,0\n', { label: 'y' })).toMatchObject({ code: 'DUPLICATE_COLUMN', column: 'x' });
  });

  it('refuses bad options and an id-like integer label', async () => {
    expect(await dataError('x,y\n1,0\n', { label: ' ' })).toMatchObject({ code: 'INVALID_OPTION' });
    expect(await dataError('x,y\n1,0\n', { label: 'y', classes: ['a', 'a'] })).toMatchObject({ code: 'INVALID_OPTION' });
    const error = await dataError('x,zip\n1,90210\n', { label: 'zip' });
    expect(error).toMatchObject({ code: 'INVALID_OPTION' });
    expect(error.message).toMatch(/90211 classes.*options\.classes/);
  });

  it('reports an unreadable file', async () => {
    const error = await loadCsvTable(join(dir, 'missing.csv'), { label: 'y' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FILE_UNREADABLE' });
    expect((error as Error).message).toContain('missing.csv');
  });
});
