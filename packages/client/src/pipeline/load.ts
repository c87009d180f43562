/**
 * Step 1 of the pipeline: read local data into string-valued records, from a CSV file (header row,
 * RFC 4180 quoting, read by `data/csv.ts`), a JSON-lines file (one flat object per line), or records
 * already in memory.
 */
import { readFile } from 'node:fs/promises';
import { readCsv, type CsvErrorCodes } from '../data/csv';
import { DataError } from '../data/data-error';
import type { PipelineRecord } from './values';

/** Where the local data comes from. */
export type PipelineSource =
  | {
      path: string;
      /** @default 'jsonl' for a path ending in .jsonl or .ndjson, else 'csv' */
      format?: 'csv' | 'jsonl';
    }
  | {
      /** Flat objects; numbers and booleans become their text, null means missing. */
      records: readonly Readonly<Record<string, unknown>>[];
      /** Names the data in messages. @default 'records' */
      name?: string;
    };

export interface LoadedRecords {
  /** Names the data in error messages (the path, or the source's name). */
  source: string;
  records: PipelineRecord[];
  /** `lines[i]` is the 1-based file line on which row `i + 1` ends; undefined for in-memory records. */
  lines: number[] | undefined;
  /** Every column name seen (CSV: the header; JSON: the union of keys), in first-seen order. */
  columns: string[];
}

export async function loadRecords(source: PipelineSource): Promise<LoadedRecords> {
  if ('records' in source) {
    const name = source.name ?? 'records';
    return { source: name, ...fromObjects(source.records, undefined, name), lines: undefined };
  }
  const { path } = source;
  const format = source.format ?? (/\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv');
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (cause) {
    throw new DataError('FILE_UNREADABLE', `Could not read the data file ${path}.`, { cause });
  }
  return format === 'csv' ? parseCsvRecords(content, path) : parseJsonLines(content.toString('utf8'), path);
}

/** The pipeline reports CSV failures under its own codes, shared with JSON lines. */
const PIPELINE_CSV_CODES: CsvErrorCodes = { malformed: 'MALFORMED_INPUT', empty: 'EMPTY_DATA', duplicate: 'MALFORMED_INPUT' };

/** Parses CSV text with a header row; see {@link loadRecords}. */
export function parseCsvRecords(input: string | Buffer, source = 'CSV input'): LoadedRecords {
  const { header, rows, lines } = readCsv(input, source, PIPELINE_CSV_CODES);
  const records = rows.map((record) => {
    const out: PipelineRecord = {};
    header.forEach((name, j) => (out[name] = record[j]));
    return out;
  });
  return { source, records, lines, columns: header };
}

/** Parses JSON lines (blank lines skipped); see {@link loadRecords}. */
export function parseJsonLines(text: string, source = 'JSON lines'): LoadedRecords {
  const objects: unknown[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      objects.push(JSON.parse(line));
    } catch (cause) {
      throw new DataError('MALFORMED_INPUT', `${source}: line ${i + 1} is not valid JSON.`, { cause, line: i + 1 });
    }
    lines.push(i + 1);
  });
  return { source, ...fromObjects(objects, lines, source), lines };
}

function fromObjects(
  objects: readonly unknown[],
  lines: number[] | undefined,
  source: string,
): { records: PipelineRecord[]; columns: string[] } {
  const columns = new Set<string>();
  const records = objects.map((object, i) => {
    const where = lines === undefined ? `row ${i + 1}` : `row ${i + 1} (line ${lines[i]})`;
    const position = { row: i + 1, ...(lines === undefined ? {} : { line: lines[i] as number }) };
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      throw new DataError('MALFORMED_INPUT', `${source}: ${where} is not an object.`, position);
    }
    const out: PipelineRecord = {};
    for (const [key, value] of Object.entries(object)) {
      columns.add(key);
      if (value === null || value === undefined) continue;
      if (typeof value === 'string') out[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
      else {
        throw new DataError('MALFORMED_INPUT', `${source}: ${where}, column "${key}" holds a nested value; records must be flat.`, {
          ...position,
          column: key,
        });
      }
    }
    return out;
  });
  return { records, columns: [...columns] };
}
