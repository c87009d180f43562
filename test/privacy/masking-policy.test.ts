/**
 * Masking policy validation and the per-cell operators: errors that name the column, operator and
 * field; HMAC pseudonyms (RFC 4231 known answer, deterministic per key, different across keys);
 * CSPRNG tokens consistent within a session only; generalisation; character masking.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskRecords, parseMaskingPolicy, PrivacyError } from '@cohort/privacy';
import { generalise, maskCharacters, pseudonymise, TokenVault } from '@cohort/privacy/masking';
import type { MaskingPolicy } from '@cohort/privacy';
import type { ColumnRule } from '@cohort/privacy/masking';

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PrivacyError);
    expect((error as PrivacyError).code).toBe('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('expected a PrivacyError');
};

describe('parseMaskingPolicy', () => {
  it('accepts shorthands, fills defaults, and defaults unlisted columns to drop', () => {
    const policy = parseMaskingPolicy(
      JSON.stringify({
        columns: {
          email: 'pseudonymise',
          card: 'mask',
          notes: 'scan',
          note2: 'redact',
          id: 'tokenise',
          label: 'keep',
          age: { operator: 'generalise', kind: 'number', width: 10 },
        },
        quasiIdentifiers: ['age'],
        k: 3,
      }),
    );
    expect(policy.defaultOperator).toBe('drop');
    expect(policy.columns.email).toEqual({ operator: 'pseudonymise', prefix: 'ps_', length: 16, normalise: 'none' });
    expect(policy.columns.card).toEqual({ operator: 'mask', keepLast: 4, char: '*', keepSeparators: false });
    expect(policy.columns.note2).toEqual({ operator: 'redact', replacement: '[REDACTED]' });
    expect(policy.columns.id).toEqual({ operator: 'tokenise', prefix: 'tok_' });
    expect(policy.columns.notes).toEqual({ operator: 'scan', minScore: 0 });
    expect(policy.k).toBe(3);
    expect(policy.quasiIdentifiers).toEqual(['age']);
  });

  it('names the column, the operator and the field of every problem, all at once', () => {
    const text = message(() =>
      parseMaskingPolicy({
        columns: {
          ssn: { operator: 'hash' },
          card: { operator: 'mask', keepLast: -1, colour: 'red' },
          age: { operator: 'generalise', kind: 'number', width: 0 },
          dob: { operator: 'generalise', kind: 'week' },
          email: 'replace',
          notes: { operator: 'scan', entities: ['EMAIL', 'PASSPORT'] },
          zip: { operator: 'generalise', kind: 'zip', digits: 12 },
          name: { keepLast: 2 },
        },
      }),
    );
    expect(text).toMatch(/^invalid masking policy \(9 problems\): /);
    expect(text).toContain(
      'column "ssn": operator "hash"; expected one of drop, keep, redact, replace, mask, pseudonymise, generalise, tokenise, scan',
    );
    expect(text).toContain('column "card" (mask): "keepLast": too small: expected number to be >=0; got -1');
    expect(text).toContain('column "card" (mask): unrecognized key: "colour"');
    expect(text).toContain('column "age" (generalise): "width": too small: expected number to be >=1; got 0');
    expect(text).toMatch(/column "dob" \(generalise\): "kind": .*'number' \| 'date' \| 'zip'; got "week"/);
    expect(text).toContain('column "email" (replace): "tag" is required');
    expect(text).toMatch(/column "notes" \(scan\): "entities.1": invalid option: .*; got "PASSPORT"/);
    expect(text).toContain('column "zip" (generalise): "digits": too big: expected number to be <=10; got 12');
    expect(text).toContain('column "name": no operator; expected one of');
  });

  it('refuses a dropped quasi-identifier, k without quasi-identifiers, bad JSON and unknown keys', () => {
    expect(message(() => parseMaskingPolicy({ columns: { zip: 'drop' }, quasiIdentifiers: ['zip', 'age'] }))).toBe(
      'invalid masking policy (2 problems): quasi-identifier "zip" is dropped (operator drop); list it with the operator that generalises it; ' +
        'quasi-identifier "age" is dropped (unlisted, and the default is drop); list it with the operator that generalises it.',
    );
    expect(parseMaskingPolicy({ columns: {}, default: 'keep', quasiIdentifiers: ['age'] }).quasiIdentifiers).toEqual(['age']);
    expect(message(() => parseMaskingPolicy({ columns: {}, k: 5 }))).toContain('"k" is 5 but no "quasiIdentifiers" are declared');
    expect(message(() => parseMaskingPolicy('{"columns": '))).toMatch(/^masking policy is not valid JSON: /);
    expect(message(() => parseMaskingPolicy({ columns: {}, default: 'mask', colums: {} }))).toBe(
      'invalid masking policy: policy: "default": invalid option: expected one of "drop"|"keep"; got "mask"; policy: unrecognized key: "colums".',
    );
    expect(message(() => parseMaskingPolicy([]))).toMatch(/^invalid masking policy: policy: /);
  });
});

describe('pseudonymise (HMAC-SHA256 with the device key)', () => {
  it('matches the RFC 4231 test case 1 known answer', () => {
    const key = new Uint8Array(20).fill(0x0b);
    expect(pseudonymise('Hi There', key, { prefix: '', length: 64, normalise: 'none' })).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });

  it('is deterministic for one key and differs across keys', () => {
    const rule = { prefix: 'ps_', length: 16, normalise: 'none' } as const;
    fc.assert(
      fc.property(
        fc.string(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (value, a, b) => {
          fc.pre(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0);
          const first = pseudonymise(value, a, rule);
          expect(first).toMatch(/^ps_[0-9a-f]{16}$/);
          expect(pseudonymise(value, Uint8Array.from(a), rule)).toBe(first);
          expect(pseudonymise(value, b, rule)).not.toBe(first);
          expect(first).toBe(`ps_${createHmac('sha256', a).update(value, 'utf8').digest('hex').slice(0, 16)}`);
        },
      ),
    );
  });

  it('gives the same pseudonym across separate maskRecords calls on one device, and normalises on request', () => {
    const policy: MaskingPolicy = {
      defaultOperator: 'drop',
      columns: { email: { operator: 'pseudonymise', prefix: 'em_', length: 20, normalise: 'lowercase' } },
      quasiIdentifiers: [],
    };
    const secretKey = randomBytes(32);
    const one = maskRecords([{ email: 'Alice@Example.com' }], policy, { secretKey }).records[0]?.email;
    const two = maskRecords([{ email: ' alice@example.COM ' }], policy, { secretKey }).records[0]?.email;
    const other = maskRecords([{ email: 'alice@example.com' }], policy, { secretKey: randomBytes(32) }).records[0]?.email;
    expect(one).toMatch(/^em_[0-9a-f]{20}$/);
    expect(two).toBe(one);
    expect(other).not.toBe(one);
    expect(message(() => maskRecords([], policy, { secretKey: new Uint8Array(8) }))).toBe(
      'secretKey must be a Uint8Array of at least 16 bytes (32 recommended); got 8 bytes.',
    );
  });
});

describe('tokenise (CSPRNG tokens, one session)', () => {
  it('maps equal values to equal tokens within a session and to unrelated tokens across sessions', () => {
    const policy: MaskingPolicy = {
      defaultOperator: 'keep',
      columns: { id: { operator: 'tokenise', prefix: 'tok_' } },
      quasiIdentifiers: [],
    };
    const records = [
      { id: 'u1', n: '1' },
      { id: 'u2', n: '2' },
      { id: 'u1', n: '3' },
    ];
    const secretKey = randomBytes(32);
    const a = maskRecords(records, policy, { secretKey }).records.map((r) => r.id);
    const b = maskRecords(records, policy, { secretKey }).records.map((r) => r.id);
    expect(a[0]).toMatch(/^tok_[0-9a-f]{16}$/);
    expect(a[2]).toBe(a[0]);
    expect(a[1]).not.toBe(a[0]);
    expect(b[0]).not.toBe(a[0]);
    expect(b[2]).toBe(b[0]);
  });

  it('draws distinct tokens for 10,000 distinct values and refuses a non-private random source', () => {
    const vault = new TokenVault();
    const tokens = new Set(Array.from({ length: 10_000 }, (_, i) => vault.token(`v${i}`, '')));
    expect(tokens.size).toBe(10_000);
    expect(vault.size).toBe(10_000);
    expect(() => new TokenVault({ private: false, fillBytes: () => undefined })).toThrow(/CSPRNG/);
  });
});

describe('generalise, mask, redact, replace', () => {
  const g = (value: string, rule: Extract<ColumnRule, { operator: 'generalise' }>): string | null => generalise(value, rule);

  it('buckets numbers, with optional top-coding', () => {
    const rule = { operator: 'generalise', kind: 'number', width: 10 } as const;
    expect(['34', '30', '39.9', '0', '-3', ' 7 '].map((v) => g(v, rule))).toEqual(['30-39', '30-39', '30-39', '0-9', '-10--1', '0-9']);
    expect(['87', '90', '104', '85'].map((v) => g(v, { ...rule, max: 90 }))).toEqual(['80-89', '90+', '90+', '80-89']);
    expect(g('85', { ...rule, max: 88 })).toBe('80-87');
    expect(g('34', { ...rule, width: 1 })).toBe('34');
    expect(['abc', '', '1e400', '3,4'].map((v) => g(v, rule))).toEqual([null, null, null, null]);
  });

  it('reduces dates to a year or a year and month, reading numeric dates month-first unless told', () => {
    const year = { operator: 'generalise', kind: 'date', precision: 'year', dayFirst: false } as const;
    const month = { ...year, precision: 'year-month' } as const;
    expect(['1987-04-23', '23/04/1987', 'April 23, 1987', '1987-04-23T10:00:00Z'].map((v) => g(v, month))).toEqual([
      '1987-04',
      '1987-04',
      '1987-04',
      '1987-04',
    ]);
    expect(g('03/04/1987', month)).toBe('1987-03');
    expect(g('03/04/1987', { ...month, dayFirst: true })).toBe('1987-04');
    expect(g('1987-02-30', year)).toBeNull();
    expect(g('yesterday', year)).toBeNull();
  });

  it('keeps a ZIP prefix', () => {
    const zip = { operator: 'generalise', kind: 'zip', digits: 3 } as const;
    expect(['94107', '94107-1234', '021'].map((v) => g(v, zip))).toEqual(['941*', '941*', '021*']);
    expect(['94', 'SW1A 1AA', ''].map((v) => g(v, zip))).toEqual([null, null, null]);
  });

  it('masks all but the last characters, optionally keeping separators', () => {
    expect(maskCharacters('4111-1111-1111-1234', { keepLast: 4, char: '*', keepSeparators: false })).toBe('***************1234');
    expect(maskCharacters('4111-1111-1111-1234', { keepLast: 4, char: '#', keepSeparators: true })).toBe('####-####-####-1234');
    expect(maskCharacters('abc', { keepLast: 4, char: '*', keepSeparators: false })).toBe('abc');
    expect(maskCharacters('añ😀b', { keepLast: 1, char: 'x', keepSeparators: false })).toBe('xxxb');
  });

  it('applies every operator through maskRecords, leaving empty cells empty and counting unreadable ones', () => {
    const policy = parseMaskingPolicy({
      default: 'drop',
      columns: {
        card: { operator: 'mask', keepLast: 4, keepSeparators: true },
        ssn: 'redact',
        email: { operator: 'replace', tag: '<EMAIL>' },
        age: { operator: 'generalise', kind: 'number', width: 10 },
        notes: 'scan',
        label: 'keep',
      },
    });
    const { records, columns, report } = maskRecords(
      [
        {
          card: '4111 1111 1111 1234',
          ssn: '123-45-6789',
          email: 'a@b.co',
          age: '34',
          notes: 'Mail a@b.co or call 555-123-4567',
          label: 'yes',
          secret: 'x',
        },
        { card: '', ssn: '', email: '', age: 'old', notes: '', label: 'no', secret: 'y' },
      ],
      policy,
      { secretKey: randomBytes(32) },
    );
    expect(columns).toEqual(['card', 'ssn', 'email', 'age', 'notes', 'label']);
    expect(records).toEqual([
      {
        card: '**** **** **** 1234',
        ssn: '[REDACTED]',
        email: '<EMAIL>',
        age: '30-39',
        notes: 'Mail <EMAIL> or call <PHONE>',
        label: 'yes',
      },
      { card: '', ssn: '', email: '', age: '*', notes: '', label: 'no' },
    ]);
    expect(report.columns.age).toEqual({ operator: 'generalise', byDefault: false, cells: 2, empty: 0, unparseable: 1, entities: {} });
    expect(report.columns.secret).toEqual({ operator: 'drop', byDefault: true, cells: 2, empty: 0, unparseable: 0, entities: {} });
    expect(report.columns.notes?.entities).toEqual({ EMAIL: 1, PHONE: 1 });
    expect(report.entities).toEqual({ EMAIL: 1, PHONE: 1 });
    expect(report.operators).toEqual({ mask: 1, redact: 1, replace: 1, generalise: 2, scan: 1, keep: 2, drop: 2 });
  });
});
