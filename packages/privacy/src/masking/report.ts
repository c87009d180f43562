/**
 * The masking report: counts only. It names columns (from the header), operators and entity types,
 * and holds numbers; it never holds a value from the data, so it can be logged or sent to the
 * coordinator without undoing the masking.
 */
import type { EntityType } from './entities';
import type { KAnonymityResult } from './k-anonymity';
import type { MaskingOperator } from './policy';

export interface ColumnReport {
  operator: MaskingOperator;
  /** True when the policy does not list the column and the default operator applied. */
  byDefault: boolean;
  /** Non-empty cells the operator processed (for `drop`: cells removed). */
  cells: number;
  /** Missing cells (absent, null or blank), output as empty strings. */
  empty: number;
  /** Cells `generalise` could not read, replaced by `*`. */
  unparseable: number;
  /** Entities `scan` replaced in this column, by type. */
  entities: Partial<Record<EntityType, number>>;
}

export interface KAnonymityReport {
  /** The k required. */
  k: number;
  quasiIdentifiers: string[];
  /** Equivalence classes over the quasi-identifiers before and after suppression. */
  classesBefore: number;
  classesAfter: number;
  /** Smallest class size before suppression; null when there were no records. */
  smallestClassBefore: number | null;
  /** Records suppressed because their class was smaller than k. */
  rowsSuppressed: number;
  /** Smallest class size in the output (≥ k); null when no record is left. */
  kAchieved: number | null;
}

export interface MaskingReport {
  rowsIn: number;
  rowsOut: number;
  /** Operator for columns the policy does not list. */
  defaultOperator: 'drop' | 'keep';
  /** Per column of the input (and per policy column absent from it), in input order. */
  columns: Record<string, ColumnReport>;
  /** Non-empty cells per operator, over all columns (before k-anonymity suppression). */
  operators: Partial<Record<MaskingOperator, number>>;
  /** Entities replaced by `scan`, by type, over all columns. */
  entities: Partial<Record<EntityType, number>>;
  /** Null when no quasi-identifiers were declared. */
  kAnonymity: KAnonymityReport | null;
}

export function emptyColumnReport(operator: MaskingOperator, byDefault: boolean): ColumnReport {
  return { operator, byDefault, cells: 0, empty: 0, unparseable: 0, entities: {} };
}

/** Adds one to `counts[key]`. */
export function increment<K extends string>(counts: Partial<Record<K, number>>, key: K, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

export function kAnonymityReport(k: number, quasiIdentifiers: readonly string[], result: KAnonymityResult): KAnonymityReport {
  return {
    k,
    quasiIdentifiers: [...quasiIdentifiers],
    classesBefore: result.classesBefore,
    classesAfter: result.classesAfter,
    smallestClassBefore: result.smallestClassBefore,
    rowsSuppressed: result.suppressed,
    kAchieved: result.kAchieved,
  };
}
