/**
 * Loads a CSV file into a numeric table for training: a header row, one column named as the label,
 * every other column a numeric feature.
 *
 * - Features are standardised by the rule of `standardise.ts` with this file's statistics: empty
 *   cells are missing values, imputed with the column mean (so they become 0); a constant column
 *   becomes all zeros.
 * - Non-numeric feature values are refused: encoding categories needs a schema shared by every
 *   client, or client A's "red" = 0 would be client B's "red" = 2.
 * - Labels: if every value is an integer ≥ 0, the values are the class ids and `classNames` is
 *   "0" … String(max); otherwise the classes are the sorted distinct values. A `classes` list fixes
 *   the mapping instead (`classes[i]` is class i) — pass it whenever several files must agree.
 *
 * The statistics are per file, so two clients standardise differently; that is the honest default
 * for local data until a shared schema carries global statistics.
 */
import { readFile } from 'node:fs/promises';
import { readCsv } from './csv';
import { DataError } from './data-error';
import { imputeAndStandardise } from './standardise';

export interface CsvTableOptions {
  /** Name of the label column (matched after trimming the header cells). */
  label: string;
  /** The class names in id order; label values outside it are an error. Default: inferred, see module comment. */
  classes?: readonly string[];
}

export interface CsvTable {
  /** Standardised features, row-major, `count × numFeatures`. */
  x: Float32Array;
  /** Class id of each row. */
  y: Int32Array;
  count: number;
  numFeatures: number;
  /** Feature columns in file order (the label column removed). */
  featureNames: string[];
  classNames: string[];
  /** Per-feature mean used for imputation and centring (in file units). */
  featureMeans: number[];
  /** Per-feature standard deviation used for scaling (0 for a constant column, encoded as zeros). */
  featureStds: number[];
}

/** Largest number of classes inferred from integer labels before we suspect an id column. */
export const MAX_INFERRED_CLASSES = 10_000;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const CLASS_ID = /^\+?\d+(?:\.0*)?$/;

/** Reads and parses `path`; see {@link parseCsvTable}. */
export async function loadCsvTable(path: string, options: CsvTableOptions): Promise<CsvTable> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (cause) {
    throw new DataError('FILE_UNREADABLE', `Could not read the CSV file ${path}.`, { cause });
  }
  return parseCsvTable(content, options, path);
}

/** Parses CSV text already in memory; `source` names it in error messages. */
export function parseCsvTable(input: string | Buffer, options: CsvTableOptions, source = 'CSV input'): CsvTable {
  const classes = checkOptions(options);
  const { header, rows: cells, lines } = readCsv(input, source);

  const labelIndex = header.indexOf(options.label.trim());
  if (labelIndex < 0) {
    throw new DataError(
      'MISSING_LABEL',
      `${source} has no label column "${options.label}"; the columns are: ${header.map((h) => `"${h}"`).join(', ')}.`,
      { column: options.label },
    );
  }
  const rows: ParsedRecord[] = cells.map((record, i) => ({ record, info: { lines: lines[i] as number } }));
  const count = rows.length;
  if (count === 0) throw new DataError('EMPTY_TABLE', `${source} has a header but no data rows.`);
  const featureColumns = header.map((_, j) => j).filter((j) => j !== labelIndex);
  if (featureColumns.length === 0) {
    throw new DataError('EMPTY_TABLE', `${source} has no feature columns besides the label "${options.label}".`);
  }

  const featureNames = featureColumns.map((j) => header[j] as string);
  const numFeatures = featureColumns.length;
  const x = new Float32Array(count * numFeatures);
  const featureMeans: number[] = [];
  const featureStds: number[] = [];
  featureColumns.forEach((j, f) => {
    const column = readNumericColumn(rows, j, featureNames[f] as string, source);
    const { mean, std } = imputeAndStandardise(column);
    featureMeans.push(mean);
    featureStds.push(std);
    for (let i = 0; i < count; i++) x[i * numFeatures + f] = column[i] as number;
  });

  const { y, classNames } = encodeLabels(rows, labelIndex, header[labelIndex] as string, classes, source);
  return { x, y, count, numFeatures, featureNames, classNames, featureMeans, featureStds };
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

function checkOptions(options: CsvTableOptions): Map<string, number> | undefined {
  if (typeof options.label !== 'string' || options.label.trim() === '') {
    throw new DataError('INVALID_OPTION', 'options.label must name the label column.');
  }
  if (options.classes === undefined) return undefined;
  if (options.classes.length === 0) throw new DataError('INVALID_OPTION', 'options.classes must not be empty.');
  const map = new Map<string, number>();
  options.classes.forEach((name, i) => {
    if (map.has(name)) throw new DataError('INVALID_OPTION', `options.classes lists "${name}" twice.`);
    map.set(name, i);
  });
  return map;
}

function where(row: number, record: ParsedRecord): string {
  return `row ${row} (line ${record.info.lines})`;
}

/** The column as numbers, NaN where the cell is empty. */
function readNumericColumn(rows: ParsedRecord[], j: number, name: string, source: string): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((record, i) => {
    const cell = (record.record[j] ?? '').trim();
    if (cell === '') {
      out[i] = Number.NaN;
      return;
    }
    const value = NUMBER.test(cell) ? Number(cell) : Number.NaN;
    if (!Number.isFinite(value)) {
      throw new DataError(
        'NON_NUMERIC_FEATURE',
        `${source}: column "${name}" has the non-numeric value "${cell}" at ${where(i + 1, record)}. ` +
          'Feature columns must be numeric (empty cells count as missing); categorical columns need a shared ' +
          'encoding schema, which is not supported yet — drop or encode the column.',
        { row: i + 1, line: record.info.lines, column: name },
      );
    }
    out[i] = value;
  });
  return out;
}

function encodeLabels(
  rows: ParsedRecord[],
  j: number,
  name: string,
  classes: Map<string, number> | undefined,
  source: string,
): { y: Int32Array; classNames: string[] } {
  const values = rows.map((record, i) => {
    const cell = (record.record[j] ?? '').trim();
    if (cell === '') {
      throw new DataError('MISSING_LABEL_VALUE', `${source}: the label "${name}" is empty at ${where(i + 1, record)}.`, {
        row: i + 1,
        line: record.info.lines,
        column: name,
      });
    }
    return cell;
  });
  const y = new Int32Array(rows.length);

  if (classes !== undefined) {
    values.forEach((value, i) => {
      const id = classes.get(value);
      if (id === undefined) {
        const record = rows[i] as ParsedRecord;
        throw new DataError(
          'UNKNOWN_CLASS',
          `${source}: label "${value}" at ${where(i + 1, record)} is not one of the classes ${[...classes.keys()]
            .map((c) => `"${c}"`)
            .join(', ')}.`,
          { row: i + 1, line: record.info.lines, column: name },
        );
      }
      y[i] = id;
    });
    return { y, classNames: [...classes.keys()] };
  }

  if (values.every((v) => CLASS_ID.test(v))) {
    const ids = values.map(Number);
    const max = ids.reduce((a, b) => Math.max(a, b), 0);
    if (max >= MAX_INFERRED_CLASSES) {
      throw new DataError(
        'INVALID_OPTION',
        `${source}: the integer label "${name}" goes up to ${max}, which would make ${max + 1} classes; ` +
          'if it is really the label, pass options.classes.',
        { column: name },
      );
    }
    ids.forEach((id, i) => (y[i] = id));
    return { y, classNames: Array.from({ length: max + 1 }, (_, c) => String(c)) };
  }

  const classNames = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(classNames.map((c, i) => [c, i]));
  values.forEach((value, i) => (y[i] = index.get(value) as number));
  return { y, classNames };
}
