/**
 * maskRecords end to end: k-anonymity suppression on a hand-made table, a report that never holds
 * a value from the data (property test), misuse refused, and the device key file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base, en, Faker } from '@faker-js/faker';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskRecords, parseMaskingPolicy, PrivacyError, readOrCreateMaskingKey } from '@cohort/privacy';
import { ENTITY_TYPES, enforceKAnonymity, MASKING_OPERATORS } from '@cohort/privacy/masking';

const secretKey = randomBytes(32);

describe('k-anonymity over generalised quasi-identifiers', () => {
  // Ages bucket to 30-39 / 40-49 / 50-59 and ZIPs to 3 digits: classes of 4, 3, 2 and 1 records.
  const table = [
    { age: '31', zip: '94107', diagnosis: 'flu' },
    { age: '35', zip: '94110', diagnosis: 'cold' },
    { age: '38', zip: '94121', diagnosis: 'flu' },
    { age: '39', zip: '94133', diagnosis: 'asthma' },
    { age: '42', zip: '10001', diagnosis: 'flu' },
    { age: '47', zip: '10013', diagnosis: 'cold' },
    { age: '44', zip: '10028', diagnosis: 'flu' },
    { age: '51', zip: '60601', diagnosis: 'asthma' },
    { age: '58', zip: '60614', diagnosis: 'cold' },
    { age: '33', zip: '60622', diagnosis: 'flu' },
  ];
  const policy = parseMaskingPolicy({
    columns: {
      age: { operator: 'generalise', kind: 'number', width: 10 },
      zip: { operator: 'generalise', kind: 'zip', digits: 3 },
      diagnosis: 'keep',
    },
    quasiIdentifiers: ['age', 'zip'],
    k: 3,
  });

  it('suppresses the records of classes smaller than k and reports the k achieved', () => {
    const { records, keptRows, report } = maskRecords(table, policy, { secretKey });
    expect(keptRows).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(records.map((r) => `${r.age}|${r.zip}`)).toEqual([
      '30-39|941*',
      '30-39|941*',
      '30-39|941*',
      '30-39|941*',
      '40-49|100*',
      '40-49|100*',
      '40-49|100*',
    ]);
    expect(report.rowsIn).toBe(10);
    expect(report.rowsOut).toBe(7);
    expect(report.kAnonymity).toEqual({
      k: 3,
      quasiIdentifiers: ['age', 'zip'],
      classesBefore: 4,
      classesAfter: 2,
      smallestClassBefore: 1,
      rowsSuppressed: 3,
      kAchieved: 3,
    });
  });

  it('lets the caller override k and the quasi-identifiers', () => {
    expect(maskRecords(table, policy, { secretKey, k: 2 }).report.kAnonymity).toMatchObject({ rowsSuppressed: 1, kAchieved: 2 });
    expect(maskRecords(table, policy, { secretKey, k: 5 }).report).toMatchObject({
      rowsOut: 0,
      kAnonymity: { rowsSuppressed: 10, kAchieved: null },
    });
    expect(maskRecords(table, policy, { secretKey, k: 4, quasiIdentifiers: ['age'] }).report.kAnonymity).toMatchObject({
      classesBefore: 3,
      rowsSuppressed: 5,
      kAchieved: 5,
    });
  });

  it('suppresses exactly the records whose class is smaller than k (enforceKAnonymity, property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.constantFrom('x', 'y', 'z'), b: fc.constantFrom('1', '2') }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        (rows, k) => {
          const result = enforceKAnonymity(rows, ['a', 'b'], k);
          const size = (r: { a: string; b: string }): number => rows.filter((o) => o.a === r.a && o.b === r.b).length;
          expect(result.kept).toEqual(rows.flatMap((r, i) => (size(r) >= k ? [i] : [])));
          expect(result.suppressed).toBe(rows.length - result.kept.length);
          if (result.kept.length > 0) expect(result.kAchieved).toBe(Math.min(...result.kept.map((i) => size(rows[i]!))));
          else expect(result.kAchieved).toBeNull();
        },
      ),
    );
  });

  it('refuses quasi-identifiers that are dropped or absent, and k > 1 without any', () => {
    const refused = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(PrivacyError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(refused(() => maskRecords(table, policy, { secretKey, quasiIdentifiers: ['height'] }))).toBe(
      'quasi-identifier "height" is not a column of the records.',
    );
    expect(refused(() => maskRecords([{ ...table[0], ssn: '1' }], policy, { secretKey, quasiIdentifiers: ['ssn'] }))).toBe(
      'quasi-identifier "ssn" is dropped by the policy, so it cannot be checked.',
    );
    expect(refused(() => maskRecords(table, { ...policy, quasiIdentifiers: [], k: undefined }, { secretKey, k: 2 }))).toBe(
      'k is 2 but no quasi-identifiers are declared.',
    );
    expect(refused(() => maskRecords(table, policy, { secretKey, k: 0 }))).toBe('k must be an integer ≥ 1; got 0.');
    expect(refused(() => maskRecords(table, { ...policy, columns: { age: { operator: 'bogus' } as never } }, { secretKey }))).toMatch(
      /column "age": operator "bogus"/,
    );
  });
});

describe('the masking report', () => {
  const policy = parseMaskingPolicy({
    default: 'drop',
    columns: {
      name: 'scan',
      email: 'pseudonymise',
      id: 'tokenise',
      card: 'mask',
      ssn: 'redact',
      phone: { operator: 'replace', tag: '<PHONE>' },
      age: { operator: 'generalise', kind: 'number', width: 10 },
      dob: { operator: 'generalise', kind: 'date', precision: 'year-month' },
      zip: { operator: 'generalise', kind: 'zip', digits: 2 },
      notes: 'scan',
      label: 'keep',
    },
    quasiIdentifiers: ['age', 'zip'],
    k: 2,
  });
  const columns = ['name', 'email', 'id', 'card', 'ssn', 'phone', 'age', 'dob', 'zip', 'notes', 'label', 'unlisted'];
  const faker = new Faker({ locale: [en, base] });

  /** Every string in the report: object keys and string values. */
  const strings = (value: unknown): string[] => {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.flatMap(strings);
    if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
    return [];
  };
  const fields = [
    'rowsIn',
    'rowsOut',
    'defaultOperator',
    'columns',
    'operators',
    'entities',
    'kAnonymity',
    'operator',
    'byDefault',
    'cells',
    'empty',
    'unparseable',
  ];
  const kFields = ['k', 'quasiIdentifiers', 'classesBefore', 'classesAfter', 'smallestClassBefore', 'rowsSuppressed', 'kAchieved'];
  const vocabulary = new Set([...columns, ...MASKING_OPERATORS, ...ENTITY_TYPES, ...fields, ...kFields]);

  // Cell values: realistic PII from faker, and arbitrary strings carrying a marker character that
  // no report string contains (so any occurrence in the report would be a leak).
  const cell = fc.oneof(
    fc.integer({ min: 1, max: 1_000_000 }).map((seed) => {
      faker.seed(seed);
      return faker.helpers.arrayElement([
        faker.person.fullName(),
        faker.internet.email(),
        faker.phone.number(),
        faker.finance.creditCardNumber(),
        faker.location.zipCode(),
        String(faker.number.int(99)),
        `${faker.lorem.sentence()} ${faker.internet.email()}`,
      ]);
    }),
    fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom('§', '¤', 'ǂ'), fc.string({ maxLength: 8 })).map(([a, m, b]) => `${a}${m}${b}`),
    fc.constant(''),
  );
  const record = fc.tuple(...columns.map(() => cell)).map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i] as string])));

  it('holds counts, column names, operators and entity types only — never a cell value', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (records) => {
        const { report } = maskRecords(records, policy, { secretKey });
        const json = JSON.stringify(report);
        for (const s of strings(report)) expect(vocabulary.has(s), s).toBe(true);
        const reportStrings = new Set(strings(report));
        for (const value of records.flatMap((r) => Object.values(r))) {
          if (value === '' || vocabulary.has(value)) continue;
          expect(reportStrings.has(value), value).toBe(false);
          // Numbers in the report are counts; any other value must not appear even as a substring.
          if (!/^\d+$/.test(value)) expect(json.includes(value), value).toBe(false);
        }
        expect(json.includes(secretKey.toString('hex'))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the device masking key file', () => {
  it('is created once with 32 random bytes and mode 0600, then read back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-mask-key-'));
    const path = join(dir, 'nested', 'mask.key');
    const first = readOrCreateMaskingKey(path);
    expect(first).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(readOrCreateMaskingKey(path)).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(readOrCreateMaskingKey(join(dir, 'other.key'))).equals(Buffer.from(first))).toBe(false);
  });

  it('refuses a key readable by other users or of the wrong size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-mask-key-'));
    const open = join(dir, 'open.key');
    writeFileSync(open, randomBytes(32), { mode: 0o644 });
    chmodSync(open, 0o644);
    expect(() => readOrCreateMaskingKey(open)).toThrow(/accessible to other users \(mode 644\); run chmod 600/);
    const short = join(dir, 'short.key');
    writeFileSync(short, randomBytes(16), { mode: 0o600 });
    expect(() => readOrCreateMaskingKey(short)).toThrow(/must hold 32 raw bytes; it holds 16/);
  });
});
