/**
 * `maskRecords`: the on-device masking pass. Each column goes through its policy operator (columns
 * the policy does not list through the default, `drop` unless the policy says `keep`), then
 * records whose quasi-identifier class is smaller than k are suppressed, and a report of counts is
 * returned. The input is not modified.
 *
 * A cell that is absent, null or blank (whitespace only) is missing: it is output as an empty
 * string under every operator.
 *
 * Secrets: the device key is only passed to HMAC; tokens live in a map that is dropped when the
 * call returns. Neither appears in the output or the report.
 */
import { createCellMasker, type MaskedCell } from './operators';
import { checkSecretKey, TokenVault } from './keyed';
import { enforceKAnonymity } from './k-anonymity';
import { parseMaskingPolicy, type ColumnRule, type MaskingPolicy } from './policy';
import { emptyColumnReport, increment, kAnonymityReport, type MaskingReport } from './report';
import { PrivacyError } from '../errors';

/** A cell as given: text, or a number or boolean (turned to text), or missing. */
export type InputCell = string | number | boolean | null | undefined;

export interface MaskRecordsOptions {
  /** The device-local key for `pseudonymise` (HMAC-SHA256): at least 16 bytes, 32 recommended. */
  secretKey: Uint8Array;
  /**
   * Minimum equivalence-class size over the quasi-identifiers, an integer ≥ 1.
   * @default the policy's `k`, else 1 (classes reported, nothing suppressed)
   */
  k?: number;
  /** @default the policy's `quasiIdentifiers` */
  quasiIdentifiers?: readonly string[];
  /**
   * The input columns in order, e.g. a CSV header (so a file with no rows still has columns).
   * @default the records' keys in order of first appearance
   */
  columns?: readonly string[];
}

export interface MaskRecordsResult {
  /** Masked records, in input order, without dropped columns or suppressed rows. */
  records: Record<string, string>[];
  /** `keptRows[i]` is the index in the input of output record `i`. */
  keptRows: number[];
  /** Output columns, in input order. */
  columns: string[];
  report: MaskingReport;
}

function columnsOf(records: readonly Readonly<Record<string, InputCell>>[]): string[] {
  const seen = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) seen.add(key);
  return [...seen];
}

/** Re-validates a policy object (it may have been built by hand rather than parsed). */
function revalidate(policy: MaskingPolicy): MaskingPolicy {
  return parseMaskingPolicy({
    default: policy.defaultOperator,
    columns: policy.columns,
    quasiIdentifiers: policy.quasiIdentifiers,
    ...(policy.k !== undefined ? { k: policy.k } : {}),
    ...(policy.extraNames !== undefined ? { extraNames: policy.extraNames } : {}),
  });
}

export function maskRecords(
  records: readonly Readonly<Record<string, InputCell>>[],
  policyIn: MaskingPolicy,
  options: MaskRecordsOptions,
): MaskRecordsResult {
  if (!Array.isArray(records)) throw new PrivacyError('INVALID_ARGUMENT', 'records must be an array of objects.');
  const secretKey = checkSecretKey(options?.secretKey);
  const policy = revalidate(policyIn);
  const k = options.k ?? policy.k ?? 1;
  if (!Number.isSafeInteger(k) || k < 1) throw new PrivacyError('INVALID_ARGUMENT', `k must be an integer ≥ 1; got ${String(k)}.`);
  const quasiIdentifiers = [...new Set(options.quasiIdentifiers ?? policy.quasiIdentifiers)];
  if (k > 1 && quasiIdentifiers.length === 0)
    throw new PrivacyError('INVALID_ARGUMENT', `k is ${k} but no quasi-identifiers are declared.`);

  const inputColumns = [...new Set([...(options.columns ?? []), ...columnsOf(records)])];
  const ruleOf = (column: string): ColumnRule => policy.columns[column] ?? { operator: policy.defaultOperator };
  const outputColumns = inputColumns.filter((c) => ruleOf(c).operator !== 'drop');
  for (const qi of quasiIdentifiers) {
    if (!inputColumns.includes(qi)) throw new PrivacyError('INVALID_ARGUMENT', `quasi-identifier "${qi}" is not a column of the records.`);
    if (ruleOf(qi).operator === 'drop')
      throw new PrivacyError('INVALID_ARGUMENT', `quasi-identifier "${qi}" is dropped by the policy, so it cannot be checked.`);
  }

  const report: MaskingReport = {
    rowsIn: records.length,
    rowsOut: 0,
    defaultOperator: policy.defaultOperator,
    columns: {},
    operators: {},
    entities: {},
    kAnonymity: null,
  };
  for (const column of [...inputColumns, ...Object.keys(policy.columns).filter((c) => !inputColumns.includes(c))]) {
    report.columns[column] = emptyColumnReport(ruleOf(column).operator, policy.columns[column] === undefined);
  }
  const context = { secretKey, vault: new TokenVault(), extraNames: policy.extraNames };
  const maskers = new Map(outputColumns.map((c) => [c, createCellMasker(ruleOf(c), context)] as const));

  const masked = records.map((record) => {
    const out: Record<string, string> = {};
    for (const column of inputColumns) {
      const raw = record[column];
      const text = raw === null || raw === undefined || String(raw).trim() === '' ? '' : String(raw);
      const stats = report.columns[column]!;
      if (text === '') stats.empty++;
      else {
        stats.cells++;
        increment(report.operators, stats.operator);
      }
      const masker = maskers.get(column);
      if (masker === undefined) continue; // dropped
      const cell: MaskedCell = text === '' ? { value: '' } : masker(text);
      if (cell.unparseable) stats.unparseable++;
      for (const type of cell.entities ?? []) {
        increment(stats.entities, type);
        increment(report.entities, type);
      }
      out[column] = cell.value;
    }
    return out;
  });

  let keptRows = masked.map((_, i) => i);
  if (quasiIdentifiers.length > 0) {
    const result = enforceKAnonymity(masked, quasiIdentifiers, k);
    keptRows = result.kept;
    report.kAnonymity = kAnonymityReport(k, quasiIdentifiers, result);
  }
  const out = keptRows.map((i) => masked[i]!);
  report.rowsOut = out.length;
  return { records: out, keptRows, columns: outputColumns, report };
}
