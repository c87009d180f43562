/**
 * Loads the reference CSVs in test/fixtures/dp-reference (a copy of the project's shared reference
 * set; its README.md gives provenance: dp_accounting 0.6.0, Opacus 1.5.4, mpmath).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const referenceDir = path.resolve(repoRoot, 'test', 'fixtures', 'dp-reference');

export type Row = Record<string, number>;

export function loadCsv(name: string): Row[] {
  const [header, ...lines] = readFileSync(path.join(referenceDir, name), 'utf8').trim().split(/\r?\n/);
  const columns = (header ?? '').split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, Number(cells[i])]));
  });
}

/** |actual − expected| / |expected|. */
export const relativeError = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.abs(expected);

/** A row's value, failing loudly when the column is missing. */
export function col(row: Row, name: string): number {
  const v = row[name];
  if (v === undefined || Number.isNaN(v)) throw new Error(`reference column ${name} missing or not a number`);
  return v;
}
