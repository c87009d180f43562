import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulationError } from '@cohort/simulations';
import { generatePiiDataset, PII_DATASET_NAMES, piiDatasetSchema, writePiiDataset } from '@cohort/simulations';
import { csvField, toCsv } from '@cohort/client/data';
import { PII_REFERENCE_DATE } from '@cohort/simulations';
import { parseSchema } from '@cohort/client';

const dir = mkdtempSync(join(tmpdir(), 'cohort-pii-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SSN = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/;
const PHONE = /^\([2-9]\d\d\) [2-9]\d\d-\d{4}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;

describe.each(PII_DATASET_NAMES)('%s', (name) => {
  const { schema, records } = generatePiiDataset(name, { seed: 11, count: 1500 });

  it('is a function of the seed', () => {
    expect(generatePiiDataset(name, { seed: 11, count: 1500 }).records).toEqual(records);
    const other = generatePiiDataset(name, { seed: 12, count: 1500 }).records;
    const same = other.filter((r, i) => r.full_name === records[i]!.full_name).length;
    expect(same).toBeLessThan(15);
  });

  it('ships a valid schema that matches the records column for column', () => {
    expect(parseSchema(schema, name)).toEqual(schema);
    const names = schema.columns.map((c) => c.name);
    for (const record of records) expect(Object.keys(record)).toEqual(names);
    for (const column of schema.columns) {
      if (column.required === true) expect(records.every((r) => r[column.name] !== '')).toBe(true);
      const allowed = column.categories ?? column.classes;
      if (allowed !== undefined) {
        const seen = new Set(records.map((r) => r[column.name]));
        expect([...seen].filter((v) => !allowed.includes(v!))).toEqual([]);
        expect(seen.size).toBe(allowed.length); // every category occurs at this size
      }
      if (column.type === 'number' || column.type === 'integer') {
        const bad = records.filter((r) => r[column.name] !== '' && !Number.isFinite(Number(r[column.name])));
        expect(bad).toEqual([]);
      }
    }
  });

  it('declares the identifiers pii, zip/age/gender quasi-identifiers and a sensitive group', () => {
    const role = Object.fromEntries(schema.columns.map((c) => [c.name, c.role]));
    for (const c of ['full_name', 'email', 'phone', 'street_address', 'date_of_birth', 'national_id', 'notes']) {
      expect(role[c]).toBe('pii');
    }
    for (const c of ['zip_code', 'age', 'gender']) expect(role[c]).toBe('quasi-identifier');
    expect(role['group']).toBe('sensitive');
  });

  it('has realistic PII', () => {
    for (const r of records) {
      expect(r.email).toMatch(EMAIL);
      expect(r.national_id).toMatch(SSN);
      expect(r.phone).toMatch(PHONE);
      expect(r.zip_code).toMatch(/^\d{5}$/);
      expect(r.full_name).toMatch(/^\S+ \S.*$/);
      expect(r.street_address).toMatch(/^\d+ \S/);
      // The date of birth agrees with the age on the reference date.
      const years = (Date.parse(PII_REFERENCE_DATE) - Date.parse(r.date_of_birth!)) / (365.2425 * 86_400_000);
      expect(Math.floor(years)).toBe(Number(r.age));
    }
    expect(new Set(records.map((r) => r.full_name)).size).toBeGreaterThan(records.length * 0.9);
    expect(new Set(records.map((r) => r.national_id)).size).toBeGreaterThan(records.length * 0.99);
  });

  it("writes notes that embed the row's own name or email, often with commas and quotes", () => {
    for (const r of records) expect(r.notes!.includes(r.full_name!) || r.notes!.includes(r.email!)).toBe(true);
    expect(records.filter((r) => r.notes!.includes(',')).length).toBeGreaterThan(records.length / 2);
    expect(records.some((r) => r.notes!.includes('"'))).toBe(true);
    expect(records.some((r) => r.notes!.includes(r.phone!))).toBe(true);
    expect(records.some((r) => r.notes!.includes(r.national_id!))).toBe(true);
  });

  it('leaves about missingRate of the optional numeric cells empty, never a required one', () => {
    const optional = schema.columns.filter((c) => c.role === 'feature' && c.type !== 'category' && c.required !== true);
    let empty = 0;
    let cells = 0;
    for (const r of records) {
      for (const c of optional) {
        cells++;
        if (r[c.name] === '') empty++;
      }
    }
    // Default 0.02; the binomial sd at ~4500 cells is ~0.002.
    expect(empty / cells).toBeGreaterThan(0.012);
    expect(empty / cells).toBeLessThan(0.028);
    const none = generatePiiDataset(name, { seed: 11, count: 300, missingRate: 0 }).records;
    expect(none.every((r) => Object.values(r).every((v) => v !== ''))).toBe(true);
  });

  it('writes data.csv (RFC 4180) and schema.json that read back exactly', async () => {
    const out = join(dir, name);
    const written = await writePiiDataset(name, out, { seed: 11, count: 1500 });
    expect(written.count).toBe(1500);
    const text = readFileSync(written.dataPath, 'utf8');
    expect(text.split('\r\n')[0]).toBe(schema.columns.map((c) => c.name).join(','));
    expect(parse(text, { columns: true })).toEqual(records);
    expect(JSON.parse(readFileSync(written.schemaPath, 'utf8'))).toEqual(schema);
  });

  it('hands out schema copies', () => {
    const copy = piiDatasetSchema(name);
    copy.columns.pop();
    expect(piiDatasetSchema(name).columns.length).toBe(schema.columns.length);
  });
});

describe('generatePiiDataset options', () => {
  it('refuses unknown names and out-of-range options', () => {
    expect(() => generatePiiDataset('synthetic-bank', { seed: 1 })).toThrow(SimulationError);
    expect(() => generatePiiDataset('synthetic-bank', { seed: 1 })).toThrow(/synthetic-credit, synthetic-health/);
    expect(() => generatePiiDataset('synthetic-credit', { seed: 1, count: 0 })).toThrow(/count/);
    expect(() => generatePiiDataset('synthetic-credit', { seed: 1, groupBias: -1 })).toThrow(/groupBias/);
    expect(() => generatePiiDataset('synthetic-credit', { seed: 1, missingRate: 0.9 })).toThrow(/missingRate/);
    expect(() => generatePiiDataset('synthetic-credit', { seed: 1.5 })).toThrow(/seed/);
  });

  it('changes only the labels with groupBias, and only in group B', () => {
    const fair = generatePiiDataset('synthetic-credit', { seed: 3, count: 1000, groupBias: 0 }).records;
    const biased = generatePiiDataset('synthetic-credit', { seed: 3, count: 1000, groupBias: 1 }).records;
    const withoutLabel = (r: Record<string, string>) => ({ ...r, default: '' });
    expect(biased.map(withoutLabel)).toEqual(fair.map(withoutLabel));
    const changed = (group: string) => fair.filter((r, i) => r.group === group && r.default !== biased[i]!.default).length;
    expect(changed('A')).toBe(0);
    expect(changed('B')).toBeGreaterThan(30);
  });
});

describe('toCsv', () => {
  it('quotes only the fields that need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('round-trips any strings through csv-parse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', ',', '"', '\r\n', '\n', ' x ')), {
          minLength: 1,
          maxLength: 8,
        }),
        (rows) => {
          const records = rows.map(([a, b, c]) => ({ a, b: b + c, c: c + a }));
          const parsed = parse(toCsv(['a', 'b', 'c'], records), { columns: true, bom: false });
          expect(parsed).toEqual(records);
        },
      ),
      { numRuns: 300 },
    );
  });
});
