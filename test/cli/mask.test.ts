import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { cohort } from '../helpers/processes';

const RAW = [
  ['name', 'email', 'age', 'zip', 'card', 'notes', 'label', 'ssn'],
  [
    'Mary Johnson',
    'mary.johnson@example.com',
    '34',
    '94107',
    '4111 1111 1111 1111',
    'Call me on (555) 123-4567, "urgent"',
    'yes',
    '123-45-6789',
  ],
  [
    'James Smith',
    'j.smith@example.org',
    '38',
    '94110',
    '5555-5555-5555-4444',
    'IBAN GB82 WEST 1234 5698 7654 32,\nsecond line',
    'no',
    '234-56-7890',
  ],
  ['Mary Johnson', 'mary.johnson@example.com', '31', '94121', '378282246310005', 'from 10.0.0.1', 'yes', '345-67-8901'],
  ['Linda Garcia', 'linda@example.net', '52', '10001', '6011111111111117', 'born January 31, 1990', 'no', '456-78-9012'],
];
const POLICY = {
  default: 'drop',
  columns: {
    name: { operator: 'pseudonymise', prefix: 'p_' },
    email: { operator: 'replace', tag: '<EMAIL>' },
    age: { operator: 'generalise', kind: 'number', width: 10 },
    zip: { operator: 'generalise', kind: 'zip', digits: 3 },
    card: { operator: 'mask', keepLast: 4 },
    notes: 'scan',
    label: 'keep',
  },
  quasiIdentifiers: ['age', 'zip'],
  k: 1,
};

const csvText = (rows: string[][]): string =>
  `${rows.map((r) => r.map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\n')}\n`;

describe('cohort mask', () => {
  let dir: string;
  const path = (name: string): string => join(dir, name);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-mask-'));
    writeFileSync(path('data.csv'), csvText(RAW));
    writeFileSync(path('policy.json'), JSON.stringify(POLICY));
  });

  it('masks a CSV round trip: operators applied, dropped columns gone, no raw value left, report of counts', async () => {
    const run = await cohort(
      'mask',
      '--policy',
      path('policy.json'),
      '--in',
      path('data.csv'),
      '--out',
      path('masked.csv'),
      '--report',
      path('report.json'),
      '--key-file',
      path('keys/mask.key'),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^masked 4 rows into .*masked\.csv: 4 rows, 7 columns\n/);
    expect(run.stdout).toContain('  ssn: drop (4 cells; default)');
    expect(run.stdout).toMatch(/k-anonymity over age, zip: k = 1, smallest class 1 → 0 rows suppressed, k achieved 1/);

    const text = readFileSync(path('masked.csv'), 'utf8');
    const rows = parse(text) as string[][];
    expect(rows[0]).toEqual(['name', 'email', 'age', 'zip', 'card', 'notes', 'label']);
    expect(rows.slice(1).map((r) => r.slice(1))).toEqual([
      ['<EMAIL>', '30-39', '941*', '***************1111', 'Call me on <PHONE>, "urgent"', 'yes'],
      ['<EMAIL>', '30-39', '941*', '***************4444', 'IBAN <IBAN>,\nsecond line', 'no'],
      ['<EMAIL>', '30-39', '941*', '***********0005', 'from <IP_ADDRESS>', 'yes'],
      ['<EMAIL>', '50-59', '100*', '************1117', 'born <DATE>', 'no'],
    ]);
    const names = rows.slice(1).map((r) => r[0]);
    expect(names[0]).toMatch(/^p_[0-9a-f]{16}$/);
    expect(names[2]).toBe(names[0]);
    expect(names[1]).not.toBe(names[0]);
    for (const raw of RAW.slice(1).flatMap((r) => [r[0], r[1], r[4], r[7]]) as string[]) expect(text).not.toContain(raw);

    const key = statSync(path('keys/mask.key'));
    expect(key.size).toBe(32);
    expect(key.mode & 0o777).toBe(0o600);
    const report = JSON.parse(readFileSync(path('report.json'), 'utf8')) as {
      rowsIn: number;
      rowsOut: number;
      entities: Record<string, number>;
      columns: Record<string, { operator: string }>;
    };
    expect(report).toMatchObject({ rowsIn: 4, rowsOut: 4, entities: { PHONE: 1, IBAN: 1, IP_ADDRESS: 1, DATE: 1 } });
    expect(report.columns.ssn?.operator).toBe('drop');
    const reportText = readFileSync(path('report.json'), 'utf8');
    for (const raw of RAW.slice(1).flat()) if (!/^\d+$|^yes$|^no$/.test(raw)) expect(reportText).not.toContain(raw);
  });

  it('keeps pseudonyms stable with the same key file and unlinkable with another; --config and --k work', async () => {
    const again = await cohort(
      'mask',
      '--policy',
      path('policy.json'),
      '--in',
      path('data.csv'),
      '--out',
      path('again.csv'),
      '--key-file',
      path('keys/mask.key'),
      '--json',
    );
    expect(again.code).toBe(0);
    const config = path('config.json');
    writeFileSync(
      config,
      JSON.stringify({
        policy: path('policy.json'),
        in: path('data.csv'),
        out: path('other.csv'),
        'key-file': path('keys/other.key'),
        k: 2,
      }),
    );
    const other = await cohort('mask', '--config', config, '--json');
    expect(other.code).toBe(0);
    const first = (file: string): string[] => (parse(readFileSync(path(file), 'utf8')) as string[][]).slice(1).map((r) => r[0] as string);
    expect(first('again.csv')).toEqual(first('masked.csv'));
    expect(first('other.csv')).not.toContain(first('masked.csv')[0]);
    // k = 2 over (age bucket, zip prefix): the 50-59/100* row is alone and is suppressed.
    const report = JSON.parse(other.stdout) as { rowsOut: number; kAnonymity: { k: number; rowsSuppressed: number; kAchieved: number } };
    expect(report).toMatchObject({ rowsOut: 3, kAnonymity: { k: 2, rowsSuppressed: 1, kAchieved: 3 } });
    expect(first('other.csv')).toHaveLength(3);
  });

  it('refuses a bad policy, naming the column and operator, and a missing flag', async () => {
    writeFileSync(
      path('bad.json'),
      JSON.stringify({ columns: { age: { operator: 'generalise', kind: 'number', width: -5 }, email: 'hash' } }),
    );
    const bad = await cohort(
      'mask',
      '--policy',
      path('bad.json'),
      '--in',
      path('data.csv'),
      '--out',
      path('x.csv'),
      '--key-file',
      path('keys/mask.key'),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('INVALID_ARGUMENT: invalid masking policy (2 problems): column "age" (generalise): "width": too small');
    expect(bad.stderr).toContain('column "email": operator "hash"; expected one of');
    const missing = await cohort('mask', '--in', path('data.csv'), '--out', path('x.csv'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/required option '--policy <file>' not specified/);
  });
});
