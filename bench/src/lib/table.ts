/** Formats results as a plain-text table for stdout. */
import type { BenchResult } from './result';
import { spread } from './stats';

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e5) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toPrecision(3);
}

/** Ratios near 1 keep enough digits to show a small overhead (1.0001). */
export function formatRatio(value: number): string {
  return Math.abs(value - 1) < 0.01 ? value.toPrecision(5) : formatNumber(value);
}

export function formatTable(results: readonly BenchResult[]): string {
  const rows: string[][] = [['benchmark', 'measure', 'median', 'unit', '±range', 'n']];
  for (const r of results) {
    if (r.error) rows.push([r.id, `FAILED: ${r.error.split('\n')[0]!.slice(0, 100)}`, '', '', '', '']);
    for (const f of r.figures) {
      const range = f.samples.length > 1 ? `${(spread(f.samples) * 100).toFixed(1)}%` : '';
      rows.push([r.id, f.label, formatNumber(f.value), f.unit, range, String(f.samples.length || 1)]);
    }
    for (const q of r.ratios) rows.push([r.id, `ratio: ${q.label}`, formatRatio(q.value), '×', '', '']);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 2 || c === 4 || c === 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  for (const row of rows.slice(1)) {
    if (previous && row[0] !== previous) out.push('');
    previous = row[0]!;
    out.push(line(row));
  }
  return out.join('\n');
}
