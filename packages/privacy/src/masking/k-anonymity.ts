/**
 * k-anonymity (Sweeney 2002, "k-anonymity: a model for protecting privacy") over declared
 * quasi-identifiers, checked on the masked records, i.e. after generalisation: records that share
 * every quasi-identifier value form an equivalence class, and a record is k-anonymous when its
 * class holds at least k records. Records in smaller classes are suppressed (removed).
 *
 * k-anonymity bounds re-identification by linkage on the quasi-identifiers only. It does not stop
 * attribute disclosure when a class shares one sensitive value (see l-diversity), and it says
 * nothing about columns not declared as quasi-identifiers.
 */
import { PrivacyError } from '../errors';

export interface KAnonymityResult {
  /** Indices (into the input) of the records kept, in order. */
  kept: number[];
  /** Number of records suppressed because their class was smaller than k. */
  suppressed: number;
  /** Equivalence classes before suppression. */
  classesBefore: number;
  /** Smallest class size before suppression (null for no records). */
  smallestClassBefore: number | null;
  /** Equivalence classes after suppression. */
  classesAfter: number;
  /** Smallest class size after suppression: the k the output achieves (null for no records). */
  kAchieved: number | null;
}

/** Record indices grouped by their quasi-identifier values (missing values read as ''). */
export function equivalenceClasses(
  records: readonly Readonly<Record<string, string>>[],
  quasiIdentifiers: readonly string[],
): Map<string, number[]> {
  const classes = new Map<string, number[]>();
  records.forEach((record, i) => {
    const key = JSON.stringify(quasiIdentifiers.map((q) => record[q] ?? ''));
    const members = classes.get(key);
    if (members === undefined) classes.set(key, [i]);
    else members.push(i);
  });
  return classes;
}

/** Suppresses the records of classes smaller than `k` and reports class sizes before and after. */
export function enforceKAnonymity(
  records: readonly Readonly<Record<string, string>>[],
  quasiIdentifiers: readonly string[],
  k: number,
): KAnonymityResult {
  if (!Number.isSafeInteger(k) || k < 1) throw new PrivacyError('INVALID_ARGUMENT', `k must be an integer ≥ 1; got ${String(k)}.`);
  if (quasiIdentifiers.length === 0) throw new PrivacyError('INVALID_ARGUMENT', 'k-anonymity needs at least one quasi-identifier.');
  const classes = [...equivalenceClasses(records, quasiIdentifiers).values()];
  const large = classes.filter((members) => members.length >= k);
  const smallest = (list: number[][]): number | null =>
    list.length === 0 ? null : list.reduce((min, m) => Math.min(min, m.length), Infinity);
  const kept = large.flat().sort((a, b) => a - b);
  return {
    kept,
    suppressed: records.length - kept.length,
    classesBefore: classes.length,
    smallestClassBefore: smallest(classes),
    classesAfter: large.length,
    kAchieved: smallest(large),
  };
}
