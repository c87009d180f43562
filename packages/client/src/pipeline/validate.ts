/**
 * Step 2 of the pipeline: check every declared column of every row against the schema, failing on
 * the first problem with an error naming the row, the file line and the column. Values of pii
 * columns are never quoted in messages.
 */
import type { LoadedRecords } from './load';
import { DataError, type DataErrorCode } from '../data/data-error';
import { isFeature, type ColumnSchema, type DatasetSchema } from './schema';
import { isMissing, parseDate, parseInteger, parseNumber } from './values';

/** Throws `DataError` (MISSING_COLUMN, MISSING_VALUE, NOT_A_NUMBER, BAD_DATE, UNKNOWN_CATEGORY, UNKNOWN_CLASS). */
export function validateRecords(data: LoadedRecords, schema: DatasetSchema): void {
  const present = new Set(data.columns);
  for (const column of schema.columns) {
    if (!present.has(column.name)) {
      if (isFeature(column) || column.role === 'label' || column.role === 'sensitive' || column.required === true) {
        throw new DataError(
          'MISSING_COLUMN',
          `${data.source} has no column "${column.name}", which the schema declares as a ${describe(column)}.`,
          { column: column.name },
        );
      }
      continue;
    }
    const check = checker(column);
    data.records.forEach((record, i) => {
      const value = record[column.name];
      if (isMissing(value)) {
        if (column.required === true) fail(data, i, column, 'MISSING_VALUE', 'is empty but the column is required');
        return;
      }
      const problem = check(value);
      if (problem !== undefined) fail(data, i, column, problem.code, problem.message(shown(column, value)));
    });
  }
}

/** The 1-based row and, for files, the line, of record index `i`, as text and as error fields. */
export function rowPosition(lines: number[] | undefined, row: number): { text: string; fields: { row: number; line?: number } } {
  const line = lines?.[row - 1];
  return line === undefined ? { text: `row ${row}`, fields: { row } } : { text: `row ${row} (line ${line})`, fields: { row, line } };
}

interface Problem {
  code: DataErrorCode;
  message: (shown: string) => string;
}

function checker(column: ColumnSchema): (value: string) => Problem | undefined {
  if (column.role === 'label') {
    const classes = new Set(column.classes);
    return (value) =>
      classes.has(value.trim())
        ? undefined
        : { code: 'UNKNOWN_CLASS', message: (v) => `${v} is not one of the classes ${list(column.classes ?? [])}` };
  }
  switch (column.type) {
    case 'number':
      return (value) =>
        Number.isFinite(parseNumber(value)) ? undefined : { code: 'NOT_A_NUMBER', message: (v) => `${v} is not a number` };
    case 'integer':
      return (value) =>
        Number.isFinite(parseInteger(value)) ? undefined : { code: 'NOT_A_NUMBER', message: (v) => `${v} is not an integer` };
    case 'date':
      return (value) =>
        Number.isFinite(parseDate(value)) ? undefined : { code: 'BAD_DATE', message: (v) => `${v} is not an ISO 8601 date (YYYY-MM-DD)` };
    case 'category': {
      if (column.categories === undefined) return () => undefined;
      const categories = new Set(column.categories);
      return (value) =>
        categories.has(value.trim())
          ? undefined
          : { code: 'UNKNOWN_CATEGORY', message: (v) => `${v} is not one of the categories ${list(column.categories ?? [])}` };
    }
    default:
      return () => undefined;
  }
}

function fail(data: LoadedRecords, index: number, column: ColumnSchema, code: DataErrorCode, detail: string): never {
  const at = rowPosition(data.lines, index + 1);
  throw new DataError(code, `${data.source}: ${at.text}, column "${column.name}": ${detail}.`, {
    ...at.fields,
    column: column.name,
  });
}

function shown(column: ColumnSchema, value: string): string {
  return column.role === 'pii' || column.type === 'text' ? 'the value (not shown: pii)' : `"${value}"`;
}

function describe(column: ColumnSchema): string {
  return column.required === true ? `required ${column.role}` : isFeature(column) ? 'feature' : column.role;
}

function list(values: readonly string[]): string {
  const shownValues = values.slice(0, 12).map((v) => `"${v}"`);
  return values.length > 12 ? `${shownValues.join(', ')}, … (${values.length} in all)` : shownValues.join(', ');
}
