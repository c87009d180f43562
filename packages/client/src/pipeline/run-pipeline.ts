/**
 * The local data pipeline a client runs before training:
 *
 *   load (CSV / JSON lines / records) → validate against the schema → clean (drop unlabelled rows,
 *   impute numeric features) → mask (the caller's step) → guard (no raw pii left) → encode
 *
 * The caller supplies the masking step: pass the masker (e.g. from `@cohort/privacy`) as
 * `mask`. The pipeline checks its output and refuses to train with `UNMASKED_PII` if any pii column
 * still carries raw values (see `guard.ts`). Local statistics (means, standard deviations) are this
 * client's own; only the schema (categories, classes) is shared.
 */
import type { Examples } from '../examples';
import { cleanRecords } from './clean';
import { encodeFeatures, encodeGroups, encodeLabels, type FeatureStat } from './encode';
import { assertMasked, assertNoPiiFeatures } from './guard';
import { loadRecords, type PipelineSource } from './load';
import { DataError } from '../data/data-error';
import { labelColumn, parseSchema, type ColumnSchema, type DatasetSchema } from './schema';
import { validateRecords } from './validate';
import type { PipelineRecord } from './values';

/** What the mask step returns. */
export interface MaskResult<R = unknown> {
  /** The masked records: one per input record in input order, or the rows named by `keptRows`. */
  records: readonly Readonly<Record<string, unknown>>[];
  /** The masker's own account of what it did; passed through to the pipeline report. */
  report: R;
  /**
   * Required when the mask drops rows (e.g. k-anonymity suppression): `keptRows[i]` is the index,
   * in the input, of output record `i`.
   */
  keptRows?: ArrayLike<number>;
}

/** Passed to the mask step besides the records. */
export interface MaskContext {
  schema: DatasetSchema;
  /** The pipeline's `seed` option, if any. */
  seed: number | undefined;
}

/**
 * The masking step. It receives a private copy of the cleaned records, which it may modify, and
 * must return `{ records, report }`. Values may be strings, numbers (turned to text) or null/absent
 * (missing).
 */
export type MaskStep<R = unknown> = (records: PipelineRecord[], context: MaskContext) => MaskResult<R> | Promise<MaskResult<R>>;

export interface PipelineOptions<R = unknown> {
  /** The masking step (required: there is no default, so no data is encoded unmasked by accident). */
  mask: MaskStep<R>;
  /** Forwarded to the mask step (e.g. to seed tokenisation); the pipeline's own steps draw no randomness. */
  seed?: number;
  /** The sensitive column whose categories define `groups`. @default the schema's only sensitive column */
  groupColumn?: string;
  /** Reference for date features, ISO 8601. @default each date column's newest value */
  referenceDate?: string;
}

export interface PipelineReport<R = unknown> {
  /** The path, or the records' name. */
  source: string;
  rowsRead: number;
  rowsDroppedMissingLabel: number;
  /** Rows the mask step suppressed. */
  rowsDroppedByMask: number;
  /** Rows encoded: `examples.count`. */
  rowsEncoded: number;
  /** Per feature column, values imputed with the local mean (before and after masking). */
  imputed: Record<string, number>;
  /** Per category feature, rows with no value (encoded as all zeros). */
  missingCategory: Record<string, number>;
  /** Columns in the data that the schema does not declare; they are ignored. */
  undeclaredColumns: string[];
  /** Local statistics of the numeric and date inputs (dates in years before the reference). */
  featureStats: FeatureStat[];
  /** Rows per class, indexed like `classNames`. */
  classCounts: number[];
  /** Rows per group, indexed like `groupNames`; rows whose group is missing are not counted. */
  groupCounts: number[];
  /** The mask step's own report. */
  mask: R;
}

export interface PipelineResult<R = unknown> {
  examples: Examples;
  /** `groups[i]` is the group id (index in `groupNames`) of example `i`, −1 when unknown. */
  groups: Int32Array;
  featureNames: string[];
  classNames: string[];
  /** The sensitive column's categories, or `['all']` when the schema has no sensitive column. */
  groupNames: string[];
  report: PipelineReport<R>;
}

/**
 * Runs the pipeline; throws `DataError` (see `DATA_ERROR_CODES`) naming the row and column
 * at fault. The schema is validated again here (`INVALID_SCHEMA`), so one built in code is checked too.
 */
export async function runPipeline<R = unknown>(
  source: PipelineSource,
  schema: DatasetSchema,
  options: PipelineOptions<R>,
): Promise<PipelineResult<R>> {
  if (typeof options?.mask !== 'function') {
    throw new DataError(
      'INVALID_OPTION',
      'options.mask must be a function (records, context) => { records, report }. To train without a masker, pass a step that drops every pii column.',
    );
  }
  const checked = parseSchema(schema);
  assertNoPiiFeatures(checked);
  const groupColumn = pickGroupColumn(checked, options.groupColumn);

  const loaded = await loadRecords(source);
  if (loaded.records.length === 0) throw new DataError('EMPTY_DATA', `${loaded.source} has no data rows.`);
  validateRecords(loaded, checked);
  const cleaned = cleanRecords(loaded.records, checked);
  if (cleaned.records.length === 0) {
    throw new DataError('EMPTY_DATA', `${loaded.source}: every row has an empty label "${labelColumn(checked).name}".`);
  }

  const masked = await applyMask(options, cleaned.records, checked, options.seed);
  assertMasked(checked, cleaned.records, masked.records, masked.keptRows);
  const keptRows = masked.keptRows ?? cleaned.records.map((_, i) => i);
  const origin = { source: loaded.source, rows: keptRows.map((r) => cleaned.rows[r] as number), lines: loaded.lines };
  // Labels and groups come from the cleaned records: the mask step has no business changing them,
  // and the sensitive attribute stays on the device, used only to count per-group metrics.
  const unmasked = keptRows.map((r) => cleaned.records[r] as PipelineRecord);

  const features = encodeFeatures(
    masked.records,
    checked,
    origin,
    options.referenceDate === undefined ? {} : { referenceDate: options.referenceDate },
  );
  const y = encodeLabels(unmasked, checked, origin);
  const { groups, groupNames } = encodeGroups(unmasked, groupColumn);
  const classNames = [...labelColumn(checked).classes];
  const count = masked.records.length;

  const declared = new Set(checked.columns.map((c) => c.name));
  const imputed = { ...cleaned.imputed };
  for (const [name, n] of Object.entries(features.imputed)) imputed[name] = (imputed[name] ?? 0) + n;
  return {
    examples: { x: features.x, y, count, numFeatures: features.numFeatures },
    groups,
    featureNames: features.featureNames,
    classNames,
    groupNames,
    report: {
      source: loaded.source,
      rowsRead: loaded.records.length,
      rowsDroppedMissingLabel: cleaned.droppedMissingLabel,
      rowsDroppedByMask: cleaned.records.length - count,
      rowsEncoded: count,
      imputed,
      missingCategory: features.missingCategory,
      undeclaredColumns: loaded.columns.filter((name) => !declared.has(name)),
      featureStats: features.featureStats,
      classCounts: tally(y, classNames.length),
      groupCounts: tally(groups, groupNames.length),
      mask: masked.report,
    },
  };
}

function pickGroupColumn(schema: DatasetSchema, name: string | undefined): ColumnSchema | undefined {
  const sensitive = schema.columns.filter((c) => c.role === 'sensitive');
  if (name !== undefined) {
    const column = sensitive.find((c) => c.name === name);
    if (column === undefined) {
      throw new DataError(
        'INVALID_OPTION',
        `groupColumn "${name}" is not a sensitive column of the schema; the sensitive columns are: ${
          sensitive.map((c) => `"${c.name}"`).join(', ') || 'none'
        }.`,
      );
    }
    return column;
  }
  if (sensitive.length > 1) {
    throw new DataError(
      'INVALID_OPTION',
      `The schema has ${sensitive.length} sensitive columns (${sensitive.map((c) => `"${c.name}"`).join(', ')}); choose the one defining groups with groupColumn.`,
    );
  }
  return sensitive[0];
}

async function applyMask<R>(
  options: PipelineOptions<R>,
  cleaned: readonly PipelineRecord[],
  schema: DatasetSchema,
  seed: number | undefined,
): Promise<{ records: PipelineRecord[]; report: R; keptRows: number[] | undefined }> {
  // A private copy: the mask may modify its input, and the guard compares against the original.
  const input = cleaned.map((record) => ({ ...record }));
  let result: MaskResult<R>;
  try {
    result = await options.mask(input, { schema, seed });
  } catch (cause) {
    if (cause instanceof DataError) throw cause;
    throw new DataError('INVALID_MASK_OUTPUT', `The mask step failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  const bad = (why: string): never => {
    throw new DataError('INVALID_MASK_OUTPUT', `The mask step must return { records, report }: ${why}.`);
  };
  if (typeof result !== 'object' || result === null || !Array.isArray(result.records)) bad('records is not an array');
  const records = result.records.map((record, i) => toRecord(record, i, bad));

  let keptRows: number[] | undefined;
  if (result.keptRows !== undefined) {
    keptRows = Array.from(result.keptRows);
    if (keptRows.length !== records.length) bad(`keptRows has ${keptRows.length} entries for ${records.length} records`);
    let previous = -1;
    for (const r of keptRows) {
      if (!Number.isInteger(r) || r <= previous || r >= cleaned.length) {
        bad(`keptRows must be increasing indices into the ${cleaned.length} input records`);
      }
      previous = r;
    }
  } else if (records.length !== cleaned.length) {
    bad(`it returned ${records.length} records for ${cleaned.length}; when it drops rows it must say which it kept (keptRows)`);
  }
  return { records, report: result.report, keptRows };
}

function toRecord(record: unknown, i: number, bad: (why: string) => never): PipelineRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return bad(`record ${i} is not an object`);
  const out: PipelineRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = String(value);
    else bad(`record ${i}, column "${key}" is a ${typeof value}, not a string, finite number or null`);
  }
  return out;
}

function tally(ids: Int32Array, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const id of ids) if (id >= 0 && id < n) counts[id] = (counts[id] as number) + 1;
  return counts;
}
