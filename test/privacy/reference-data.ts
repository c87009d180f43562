/**
 * Loads the reference CSVs of /work/shared/reference (see its README.md for provenance: dp_accounting
 * 0.6.0, Opacus 1.5.4, mpmath). Resolved from the repository root as `../shared/reference`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const referenceDir = path.resolve(repoRoot, '..', 'shared', 'reference');

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
