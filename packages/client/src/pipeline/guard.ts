/**
 * The unmasked-PII guard: the pipeline refuses to train when a column declared `pii` could reach
 * the encoder unmasked. Two checks:
 *
 * - {@link assertNoPiiFeatures}, on the schema: a pii column must never be a model input.
 * - {@link assertMasked}, on the mask step's output, row by row against its input:
 *   - a non-text pii column (name, email, national id, …) must not keep any non-empty raw value;
 *     dropping the column, blanking it, redacting, pseudonymising or generalising all pass;
 *   - a text pii column (free-text notes) must not contain any of the row's raw non-text pii values
 *     (its name, email, phone, …) of 4 characters or more. So a note that named its row's person
 *     must change, while a note with no identifier in it may pass through unchanged.
 *
 * What this does not catch: identifiers in free text that appear in no pii column of the same row
 * (another person's name, a relative's phone), pii in columns the schema does not declare pii, and
 * re-identification through quasi-identifiers (that is the k-anonymity check's job). It compares
 * exact text: a mask that only changes letter case or spacing passes.
 */
import { DataError } from '../data/data-error';
import { isFeature, type DatasetSchema } from './schema';
import { isMissing, type PipelineRecord } from './values';

/** Shortest raw pii value searched for inside free text; shorter ones match by chance. */
export const MIN_IDENTIFIER_LENGTH = 4;

/** Throws `UNMASKED_PII` if the schema makes a pii column a model input. */
export function assertNoPiiFeatures(schema: DatasetSchema): void {
  const offending = schema.columns.filter((c) => c.role === 'pii' && isFeature(c)).map((c) => c.name);
  if (offending.length > 0) {
    throw new DataError(
      'UNMASKED_PII',
      `Refusing to train: the schema declares the pii column${offending.length > 1 ? 's' : ''} ` +
        `${offending.map((n) => `"${n}"`).join(', ')} as a feature. A pii column is never a model input; ` +
        'mask it, and if a coarsened form is useful, declare that form as a quasi-identifier.',
      { column: offending[0] as string },
    );
  }
}

/** Per pii column, how many output rows failed the check (only columns with failures). */
export type LeakCounts = Record<string, number>;

/**
 * Throws `UNMASKED_PII` if the masked records leak raw pii (see the module comment). `before[r]` is
 * the input row of `after[i]`, where `r = keptRows[i]` (or `i` when no rows were dropped).
 */
export function assertMasked(
  schema: DatasetSchema,
  before: readonly PipelineRecord[],
  after: readonly PipelineRecord[],
  keptRows?: ArrayLike<number>,
): void {
  const leaks = findLeaks(schema, before, after, keptRows);
  const columns = Object.keys(leaks);
  if (columns.length === 0) return;
  const detail = columns.map((name) => `"${name}" (${leaks[name]} of ${after.length} rows)`).join(', ');
  throw new DataError(
    'UNMASKED_PII',
    `Refusing to train: the mask step left raw values in the pii column${columns.length > 1 ? 's' : ''} ${detail}. ` +
      'Every pii column must be dropped, redacted, pseudonymised or generalised before encoding, and free text ' +
      "must not repeat a row's name, email, phone or other identifier.",
    { column: columns[0] as string },
  );
}

/** The counting half of {@link assertMasked}, for reports. */
export function findLeaks(
  schema: DatasetSchema,
  before: readonly PipelineRecord[],
  after: readonly PipelineRecord[],
  keptRows?: ArrayLike<number>,
): LeakCounts {
  const pii = schema.columns.filter((c) => c.role === 'pii');
  const identifiers = pii.filter((c) => c.type !== 'text').map((c) => c.name);
  const texts = pii.filter((c) => c.type === 'text').map((c) => c.name);
  const leaks: LeakCounts = {};
  const count = (name: string) => (leaks[name] = (leaks[name] ?? 0) + 1);

  after.forEach((masked, i) => {
    const raw = before[keptRows === undefined ? i : (keptRows[i] as number)] ?? {};
    const rawIdentifiers: string[] = [];
    for (const name of identifiers) {
      const value = raw[name];
      if (isMissing(value)) continue;
      const text = value.trim();
      if (text.length >= MIN_IDENTIFIER_LENGTH) rawIdentifiers.push(text);
      const out = masked[name];
      if (!isMissing(out) && out.trim() === text) count(name);
    }
    for (const name of texts) {
      const out = masked[name];
      if (isMissing(out)) continue;
      if (rawIdentifiers.some((id) => out.includes(id))) count(name);
    }
  });
  return leaks;
}
