/**
 * Step 3 of the pipeline: drop the rows whose label is missing, and impute missing values of
 * numeric and date feature columns (role `feature`) with the local mean. Works on validated records
 * and returns new records; the input is not modified.
 *
 * Imputed values are written back as text (`String(mean)`, which round-trips a double exactly; a
 * date's mean as `YYYY-MM-DD`), so an integer column may carry a fractional mean. Quasi-identifiers
 * opted in with `asFeature` are imputed only after masking, by the encoder, so the mask step sees
 * them as recorded.
 */
import { labelColumn, type DatasetSchema } from './schema';
import { formatDate, isMissing, parseDate, parseNumber, type PipelineRecord } from './values';

export interface CleanResult {
  records: PipelineRecord[];
  /** `rows[i]` is the 1-based row number, in the loaded data, of `records[i]`. */
  rows: number[];
  /** Rows dropped because the label was empty. */
  droppedMissingLabel: number;
  /** Per column, how many values were imputed. Only columns with at least one. */
  imputed: Record<string, number>;
}

export function cleanRecords(records: readonly PipelineRecord[], schema: DatasetSchema): CleanResult {
  const label = labelColumn(schema).name;
  const kept: PipelineRecord[] = [];
  const rows: number[] = [];
  records.forEach((record, i) => {
    if (isMissing(record[label])) return;
    kept.push({ ...record });
    rows.push(i + 1);
  });

  const imputed: Record<string, number> = {};
  for (const column of schema.columns) {
    if (column.role !== 'feature' || !(column.type === 'number' || column.type === 'integer' || column.type === 'date')) {
      continue;
    }
    const parse = column.type === 'date' ? parseDate : parseNumber;
    let sum = 0;
    let observed = 0;
    for (const record of kept) {
      const value = record[column.name];
      if (isMissing(value)) continue;
      sum += parse(value);
      observed++;
    }
    if (observed === kept.length) continue;
    // An all-missing column has no mean; it is imputed with 0 (a date: the epoch) and encodes as 0.
    const mean = observed === 0 ? 0 : sum / observed;
    const fill = column.type === 'date' ? formatDate(mean) : String(mean);
    for (const record of kept) if (isMissing(record[column.name])) record[column.name] = fill;
    imputed[column.name] = kept.length - observed;
  }
  return { records: kept, rows, droppedMissingLabel: records.length - kept.length, imputed };
}
