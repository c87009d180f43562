/** Why local data could not be loaded, validated, cleaned, masked or encoded for training. */
export const DATA_ERROR_CODES = [
  /** The file could not be read. */
  'FILE_UNREADABLE',
  /** The CSV syntax is broken (unclosed quote, a row with the wrong number of fields, …). */
  'MALFORMED_CSV',
  /** The file has no header or no data rows. */
  'EMPTY_TABLE',
  /** Two columns share a name. */
  'DUPLICATE_COLUMN',
  /** The label column named in the options is not in the header. */
  'MISSING_LABEL',
  /** A row has an empty label cell. */
  'MISSING_LABEL_VALUE',
  /** A label value is not in the `classes` list given. */
  'UNKNOWN_CLASS',
  /** A feature column holds a value that is not a number. */
  'NON_NUMERIC_FEATURE',
  /** An option is invalid (empty label name, duplicate classes, no mask step, …). */
  'INVALID_OPTION',
  /** The schema document is malformed; the message names the column and the field. */
  'INVALID_SCHEMA',
  /** The CSV or JSON-lines syntax is broken, or a JSON line is not a flat object (pipeline). */
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
  /** The mask step returned something other than `{ records, report }` of the right size. */
  'INVALID_MASK_OUTPUT',
  /**
   * A column declared `pii` would reach the encoder unmasked: the mask step left raw values in it,
   * or the schema asks for a pii column to be used as a feature.
   */
  'UNMASKED_PII',
] as const;

export type DataErrorCode = (typeof DATA_ERROR_CODES)[number];

export interface DataErrorOptions {
  cause?: unknown;
  /** 1-based data row (the header is not counted). */
  row?: number;
  /** 1-based line of the file on which the row ends (the header is line 1). */
  line?: number;
  column?: string;
}

/**
 * The client's data error: a `code` and, where the data is at fault, the `row`, `line` and
 * `column`. Messages never quote the value of a pii column.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly code: DataErrorCode;
  readonly row: number | undefined;
  readonly line: number | undefined;
  readonly column: string | undefined;

  constructor(code: DataErrorCode, message: string, options: DataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.row = options.row;
    this.line = options.line;
    this.column = options.column;
  }
}
