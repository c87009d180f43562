/**
 * Cohort's one CSV reader and one CSV writer (RFC 4180), used by the training table, the data
 * pipeline, `cohort mask` and the simulated PII datasets.
 *
 * - Reading: csv-parse, a leading BOM skipped, blank lines ignored, every row as wide as the header
 *   (a ragged row is malformed). The first record is the header; its cells are trimmed and must be
 *   distinct. Data cells are returned as written.
 * - Writing: CRLF line ends; a field is quoted (inner quotes doubled) only when it holds a comma, a
 *   double quote, a CR or an LF — free text holds all of these.
 *
 * Imports nothing heavy (no TensorFlow.js): the CLI loads it alone, through `@cohort/client/data`.
 */
import { parse } from 'csv-parse/sync';
import { DataError, type DataErrorCode } from './data-error';

export interface CsvRows {
  /** The header's cells, trimmed. */
  header: string[];
  /** The data rows, cells untrimmed. */
  rows: string[][];
  /** `lines[i]` is the 1-based file line on which data row `i + 1` ends (the header is line 1). */
  lines: number[];
}

/** The codes the reader's three failures are reported under (the table and the pipeline use their own). */
export interface CsvErrorCodes {
  /** Broken syntax: an unclosed quote, a row with the wrong number of fields, … */
  malformed: DataErrorCode;
  /** No header row. */
  empty: DataErrorCode;
  /** Two header cells name the same column. */
  duplicate: DataErrorCode;
}

export const CSV_ERROR_CODES: CsvErrorCodes = { malformed: 'MALFORMED_CSV', empty: 'EMPTY_TABLE', duplicate: 'DUPLICATE_COLUMN' };

/** Parses CSV text with a header row; `source` names it in error messages. Throws {@link DataError}. */
export function readCsv(input: string | Buffer, source = 'CSV input', codes: CsvErrorCodes = CSV_ERROR_CODES): CsvRows {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(input, { info: true, bom: true, skip_empty_lines: true }) as unknown as typeof parsed;
  } catch (cause) {
    const line = (cause as { lines?: unknown }).lines;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new DataError(codes.malformed, `${source} is not valid CSV: ${detail}`, { cause, ...(typeof line === 'number' ? { line } : {}) });
  }
  const header = parsed[0]?.record.map((name) => name.trim());
  if (header === undefined) throw new DataError(codes.empty, `${source} is empty: expected a header row.`);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new DataError(codes.duplicate, `${source} has two columns named "${name}".`, { column: name, line: 1 });
    seen.add(name);
  }
  const data = parsed.slice(1);
  return { header, rows: data.map((row) => row.record), lines: data.map((row) => row.info.lines) };
}

/** One CSV field, quoted only when it has to be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A header row of `columns`, then one row per record (a missing key as an empty field), CRLF-terminated. */
export function toCsv(columns: readonly string[], records: readonly Readonly<Record<string, string>>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const record of records) lines.push(columns.map((name) => csvField(record[name] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
