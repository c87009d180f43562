import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSchema, parseSchema, schemaToJson, type DatasetSchema } from '@cohort/client';
import { DataError } from '@cohort/client';

const dir = mkdtempSync(join(tmpdir(), 'cohort-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const valid: DatasetSchema = {
  version: 1,
  name: 'loans',
  columns: [
    { name: 'email', type: 'string', role: 'pii' },
    { name: 'age', type: 'integer', role: 'quasi-identifier', asFeature: true },
    { name: 'group', type: 'category', role: 'sensitive', categories: ['A', 'B'] },
    { name: 'income', type: 'number', role: 'feature', required: true },
    { name: 'opened', type: 'date', role: 'feature' },
    { name: 'purpose', type: 'category', role: 'feature', categories: ['car', 'home'] },
    { name: 'default', type: 'category', role: 'label', classes: ['no', 'yes'] },
  ],
};

/** The schema with column `name` replaced by `patch` (undefined fields removed). */
function withColumn(name: string, patch: Record<string, unknown>): unknown {
  return {
    ...valid,
    columns: valid.columns.map((c) =>
      c.name === name ? Object.fromEntries(Object.entries({ ...c, ...patch }).filter(([, v]) => v !== undefined)) : c,
    ),
  };
}

function schemaError(input: unknown): DataError {
  try {
    parseSchema(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('INVALID_SCHEMA');
    return error as DataError;
  }
  throw new Error('parseSchema accepted an invalid schema');
}

describe('parseSchema', () => {
  it('accepts a valid schema and round-trips it through JSON', () => {
    expect(parseSchema(valid)).toEqual(valid);
    expect(parseSchema(JSON.parse(schemaToJson(valid)))).toEqual(valid);
  });

  it('defaults the version to 1', () => {
    const { version: _v, ...rest } = valid;
    expect(parseSchema(rest).version).toBe(1);
  });

  it.each([
    ['an unknown type', 'income', { type: 'float' }, /column "income" \(columns\[3\]\) type/],
    ['an unknown role', 'income', { role: 'input' }, /column "income" \(columns\[3\]\) role/],
    ['a category feature without categories', 'purpose', { categories: undefined }, /column "purpose".*categories/],
    ['a category listed twice', 'purpose', { categories: ['car', 'car'] }, /column "purpose".*twice/],
    ['an empty category', 'purpose', { categories: ['car', ''] }, /column "purpose".*empty/],
    ['categories on a number', 'income', { categories: ['1'] }, /column "income".*only category columns/],
    ['a label without classes', 'default', { classes: undefined }, /column "default".*classes/],
    ['a label with one class', 'default', { classes: ['yes'] }, /column "default".*at least 2/],
    ['classes on a feature', 'income', { classes: ['a', 'b'] }, /column "income".*only the label/],
    ['a text feature', 'purpose', { type: 'text', categories: undefined }, /column "purpose".*no shared encoding/],
    ['a string feature', 'income', { type: 'string' }, /column "income".*no shared encoding/],
    ['a numeric sensitive column', 'group', { type: 'number', categories: undefined }, /column "group".*category/],
    ['a misspelt field', 'income', { requried: true }, /column "income".*requried/],
    ['asFeature on a feature', 'income', { asFeature: true }, /column "income".*asFeature/],
  ])('refuses %s, naming the column', (_what, column, patch, message) => {
    const error = schemaError(withColumn(column, patch));
    expect(error.message).toMatch(message);
    expect(error.column).toBe(column);
  });

  it('refuses a duplicate column name', () => {
    const error = schemaError({ ...valid, columns: [...valid.columns, { name: 'income', type: 'number', role: 'feature' }] });
    expect(error.message).toMatch(/column "income" \(columns\[7\]\) name: is declared twice/);
  });

  it('needs exactly one label', () => {
    expect(schemaError({ ...valid, columns: valid.columns.filter((c) => c.role !== 'label') }).message).toMatch(
      /exactly one label column; found 0/,
    );
    const second = { name: 'other', type: 'category', role: 'label', classes: ['a', 'b'] };
    expect(schemaError({ ...valid, columns: [...valid.columns, second] }).message).toMatch(/found 2/);
  });

  it('names a column without a usable name by its position', () => {
    const error = schemaError({ ...valid, columns: [...valid.columns, { type: 'number', role: 'feature' }] });
    expect(error.message).toMatch(/column 8 \(columns\[7\]\) name/);
  });

  it('lists every problem at once', () => {
    const error = schemaError({
      ...valid,
      columns: valid.columns.map((c) => (c.name === 'income' ? { ...c, type: 'float' } : c.name === 'opened' ? { ...c, role: 'x' } : c)),
    });
    expect(error.message).toMatch(/"income".*"opened"/);
  });

  it('refuses documents that are not schemas', () => {
    expect(schemaError(null).message).toMatch(/the document/);
    expect(schemaError({ columns: [] }).message).toMatch(/columns: must list at least one column/);
  });
});

describe('loadSchema', () => {
  it('reads a JSON file', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, schemaToJson(valid));
    await expect(loadSchema(path)).resolves.toEqual(valid);
  });

  it('names the file when it is not JSON or not found', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{ "columns": [');
    await expect(loadSchema(path)).rejects.toMatchObject({ code: 'INVALID_SCHEMA', message: expect.stringContaining(path) });
    await expect(loadSchema(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});
