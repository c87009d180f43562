/**
 * Step 5 of the pipeline: turn masked records into model inputs, using only what the schema shares
 * between clients so every client produces the same feature layout.
 *
 * - Inputs are the columns with role `feature` (plus any with `asFeature`), in schema order.
 * - `number` / `integer`: standardised with this client's statistics by the rule of
 *   `data/standardise.ts`: missing values (left by the mask step, or in `asFeature` columns) are
 *   imputed with the mean first; a constant column encodes as zeros.
 * - `date`: years before `referenceDate` (default: the column's newest date), then standardised as a
 *   number — so the reference only matters to rounding.
 * - `category`: one-hot over the schema's `categories`, in their order, whatever values this client
 *   happens to hold; a missing value encodes as all zeros.
 * - The label: its index in the schema's `classes`. The group: its index in the sensitive column's
 *   `categories`, −1 when missing.
 */
import { rowPosition } from './validate';
import { DataError } from '../data/data-error';
import { imputeAndStandardise } from '../data/standardise';
import { isFeature, labelColumn, type ColumnSchema, type DatasetSchema } from './schema';
import { isMissing, MS_PER_YEAR, parseDate, parseNumber, type PipelineRecord } from './values';

/** Statistics of one numeric or date input, in its own units (dates: years before the reference). */
export interface FeatureStat {
  name: string;
  mean: number;
  /** Population standard deviation; 0 for a constant column (encoded as zeros). */
  std: number;
}

export interface EncodedFeatures {
  x: Float32Array;
  numFeatures: number;
  /** One per input: the column name, or `column=category` for a one-hot slot. */
  featureNames: string[];
  featureStats: FeatureStat[];
  /** Per column, values imputed here (after masking). */
  imputed: Record<string, number>;
  /** Per category column, rows with no value (encoded as all zeros). */
  missingCategory: Record<string, number>;
}

/** Where rows came from, for messages: `rows[i]` is the 1-based loaded row of record `i`. */
export interface RowOrigin {
  source: string;
  rows: readonly number[];
  lines: number[] | undefined;
}

export interface EncodeOptions {
  /** The date features' reference, ISO 8601. @default each date column's newest value */
  referenceDate?: string;
}

/** Encoded width of one feature column: one per numeric or date feature, one per category. */
function columnWidth(column: ColumnSchema): number {
  return column.type === 'category' ? (column.categories?.length ?? 0) : 1;
}

/** Width of the encoded feature vector a schema implies, so a coordinator can size its model. */
export function featureWidth(schema: DatasetSchema): number {
  return schema.columns.filter(isFeature).reduce((n, c) => n + columnWidth(c), 0);
}

export function encodeFeatures(
  records: readonly PipelineRecord[],
  schema: DatasetSchema,
  origin: RowOrigin,
  options: EncodeOptions = {},
): EncodedFeatures {
  const columns = schema.columns.filter(isFeature);
  const widths = columns.map(columnWidth);
  const numFeatures = widths.reduce((a, b) => a + b, 0);
  const count = records.length;
  const x = new Float32Array(count * numFeatures);
  const featureNames: string[] = [];
  const featureStats: FeatureStat[] = [];
  const imputed: Record<string, number> = {};
  const missingCategory: Record<string, number> = {};

  let offset = 0;
  columns.forEach((column, c) => {
    if (column.type === 'category') {
      const categories = column.categories ?? [];
      const index = new Map(categories.map((name, k) => [name, k]));
      let missing = 0;
      records.forEach((record, i) => {
        const value = record[column.name];
        if (isMissing(value)) {
          missing++;
          return;
        }
        const k = index.get(value.trim());
        if (k === undefined) fail(origin, i, column, 'UNKNOWN_CATEGORY', "is not one of the schema's categories after masking");
        x[i * numFeatures + offset + k] = 1;
      });
      if (missing > 0) missingCategory[column.name] = missing;
      featureNames.push(...categories.map((name) => `${column.name}=${name}`));
    } else {
      const values = numericColumn(records, column, origin, options.referenceDate);
      const { mean, std, missing } = imputeAndStandardise(values);
      if (missing > 0) imputed[column.name] = missing;
      for (let i = 0; i < count; i++) x[i * numFeatures + offset] = values[i] as number;
      featureNames.push(column.name);
      featureStats.push({ name: column.name, mean, std });
    }
    offset += widths[c] as number;
  });
  return { x, numFeatures, featureNames, featureStats, imputed, missingCategory };
}

/** Class ids by the label's `classes`; every record must have a label (cleaning dropped the rest). */
export function encodeLabels(records: readonly PipelineRecord[], schema: DatasetSchema, origin: RowOrigin): Int32Array {
  const label = labelColumn(schema);
  const index = new Map(label.classes.map((name, k) => [name, k]));
  const y = new Int32Array(records.length);
  records.forEach((record, i) => {
    const value = record[label.name];
    const id = isMissing(value) ? undefined : index.get(value.trim());
    if (id === undefined) fail(origin, i, label, 'UNKNOWN_CLASS', 'is missing or not one of the classes');
    y[i] = id;
  });
  return y;
}

/** Group ids by the sensitive column's `categories` (−1 when missing), or all 0 with no column. */
export function encodeGroups(
  records: readonly PipelineRecord[],
  column: ColumnSchema | undefined,
): { groups: Int32Array; groupNames: string[] } {
  const groups = new Int32Array(records.length);
  if (column === undefined) return { groups, groupNames: ['all'] };
  const groupNames = column.categories ?? [];
  const index = new Map(groupNames.map((name, k) => [name, k]));
  records.forEach((record, i) => {
    const value = record[column.name];
    groups[i] = isMissing(value) ? -1 : (index.get(value.trim()) ?? -1);
  });
  return { groups, groupNames: [...groupNames] };
}

/** Raw values (dates in years before the reference), NaN where missing. */
function numericColumn(
  records: readonly PipelineRecord[],
  column: ColumnSchema,
  origin: RowOrigin,
  referenceDate: string | undefined,
): Float64Array {
  const isDate = column.type === 'date';
  const values = new Float64Array(records.length);
  records.forEach((record, i) => {
    const value = record[column.name];
    if (isMissing(value)) {
      values[i] = Number.NaN;
      return;
    }
    const v = isDate ? parseDate(value) : parseNumber(value);
    if (!Number.isFinite(v)) {
      fail(origin, i, column, isDate ? 'BAD_DATE' : 'NOT_A_NUMBER', `is not a ${isDate ? 'date' : 'number'} after masking`);
    }
    values[i] = v;
  });
  if (isDate) {
    let reference = referenceDate === undefined ? Number.NaN : parseDate(referenceDate);
    if (referenceDate !== undefined && !Number.isFinite(reference)) {
      throw new DataError('INVALID_OPTION', `referenceDate must be an ISO 8601 date; got "${referenceDate}".`);
    }
    if (!Number.isFinite(reference)) {
      reference = values.reduce((max, v) => (Number.isNaN(v) ? max : Math.max(max, v)), -Infinity);
    }
    for (let i = 0; i < values.length; i++) values[i] = (reference - (values[i] as number)) / MS_PER_YEAR;
  }
  return values;
}

function fail(
  origin: RowOrigin,
  index: number,
  column: ColumnSchema,
  code: 'UNKNOWN_CATEGORY' | 'UNKNOWN_CLASS' | 'NOT_A_NUMBER' | 'BAD_DATE',
  detail: string,
): never {
  const at = rowPosition(origin.lines, origin.rows[index] ?? index + 1);
  throw new DataError(code, `${origin.source}: ${at.text}, column "${column.name}": the value ${detail}.`, {
    ...at.fields,
    column: column.name,
  });
}
