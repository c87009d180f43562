/** Why local data could not be loaded for training. */
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
  /** An option is invalid (empty label name, duplicate classes, …). */
  'INVALID_OPTION',
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
