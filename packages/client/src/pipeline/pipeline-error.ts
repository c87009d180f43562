/** Why the local data pipeline (load → validate → clean → mask → encode) refused the data. */
export const PIPELINE_ERROR_CODES = [
  /** The schema document is malformed; the message names the column and the field. */
  'INVALID_SCHEMA',
  /** A pipeline option is invalid (no mask step, unknown group column, …). */
  'INVALID_OPTION',
  /** The data file could not be read. */
  'FILE_UNREADABLE',
  /** The CSV or JSON-lines syntax is broken, or a JSON line is not a flat object. */
  'MALFORMED_INPUT',
  /** There are no data rows (or none left after cleaning). */
  'EMPTY_DATA',
  /** A column the schema needs (a feature, the label or a sensitive column) is absent from the data. */
  'MISSING_COLUMN',
  /** A `required` column has an empty value. */
  'MISSING_VALUE',
  /** A `number` or `integer` column holds something else. */
  'NOT_A_NUMBER',
  /** A `date` column holds something that is not an ISO 8601 calendar date. */
  'BAD_DATE',
  /** A `category` column holds a value outside the schema's `categories`. */
  'UNKNOWN_CATEGORY',
  /** A label value is outside the schema's `classes`. */
  'UNKNOWN_CLASS',
  /** The mask step returned something other than `{ records, report }` of the right size. */
  'INVALID_MASK_OUTPUT',
  /**
   * A column declared `pii` would reach the encoder unmasked: the mask step left raw values in it,
   * or the schema asks for a pii column to be used as a feature.
   */
  'UNMASKED_PII',
] as const;

export type PipelineErrorCode = (typeof PIPELINE_ERROR_CODES)[number];

export interface PipelineErrorOptions {
  cause?: unknown;
  /** 1-based data row (the header is not counted), in the data as loaded. */
  row?: number;
  /** 1-based line of the file on which the row ends (CSV: the header is line 1). */
  line?: number;
  column?: string;
}

/**
 * The pipeline's error: a `code`, and where the data is at fault, the `row`, `line` and `column`.
 * Shaped like `DataError` (same `row`/`line`/`column` fields) so the two can merge later.
 * Messages never quote the value of a pii column.
 */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly code: PipelineErrorCode;
  readonly row: number | undefined;
  readonly line: number | undefined;
  readonly column: string | undefined;

  constructor(code: PipelineErrorCode, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.row = options.row;
    this.line = options.line;
    this.column = options.column;
  }
}
