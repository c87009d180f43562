/**
 * Cell-level parsing shared by validation and encoding. Every value in the pipeline is a string
 * (as CSV gives it); a missing value is an absent key or a blank string.
 */

/** One row of local data: column name → raw text. Absent or blank means missing. */
export type PipelineRecord = Record<string, string | undefined>;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds in an average Gregorian year, the unit of date features. */
export const MS_PER_YEAR = 365.2425 * 24 * 3600 * 1000;

export function isMissing(value: string | undefined): value is undefined {
  return value === undefined || value.trim() === '';
}

/** The finite number a cell spells, or NaN (no hex, no `Infinity`, no thousands separators). */
export function parseNumber(cell: string): number {
  const text = cell.trim();
  return NUMBER.test(text) ? Number(text) : Number.NaN;
}

/** Like {@link parseNumber} but NaN unless the cell is a whole number written without a point. */
export function parseInteger(cell: string): number {
  const text = cell.trim();
  return INTEGER.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : Number.NaN;
}

/**
 * Milliseconds since the epoch (UTC) of an ISO 8601 date `YYYY-MM-DD`, optionally followed by a time
 * (which is ignored: the result is the start of that calendar day). NaN for anything else, including
 * impossible days such as 2023-02-30.
 */
export function parseDate(cell: string): number {
  const match = ISO_DATE.exec(cell.trim());
  if (match === null) return Number.NaN;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? ms : Number.NaN;
}

/** `YYYY-MM-DD` of a UTC timestamp. */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
