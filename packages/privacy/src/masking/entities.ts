/**
 * The kinds of personal data the free-text detectors find, and the span each detection reports.
 * Offsets are UTF-16 code-unit indices into the scanned string (`text.slice(start, end)` is the
 * entity), as with every JavaScript string API.
 */

/**
 * Entity types, named after (and mostly as) Microsoft Presidio's; `STREET_ADDRESS` is a house
 * number and street, with the flat and the postcode and town when they follow. The order breaks
 * ties between detections of the same extent and score (see `overlaps.ts`).
 */
export const ENTITY_TYPES = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'IP_ADDRESS',
  'DATE',
  'US_SSN',
  'UK_NINO',
  'STREET_ADDRESS',
  'PERSON',
] as const;

export type EntityType = (typeof ENTITY_TYPES)[number];

/** One detection: `text.slice(start, end)` looks like an entity of `type`. */
export interface EntitySpan {
  /** Index of the first code unit of the entity. */
  start: number;
  /** Index one past the last code unit of the entity (so `end > start`). */
  end: number;
  type: EntityType;
  /**
   * Confidence in [0, 1]: 1 for a match whose checksum validated (card, IBAN), lower for pattern
   * matches that a checksum cannot confirm (phone, date) and for dictionary guesses (names).
   */
  score: number;
}

/** The tag that replaces an entity of `type` in scanned text, e.g. `<EMAIL>`. */
export function entityTag(type: EntityType): string {
  return `<${type}>`;
}

/** Whether `value` is one of {@link ENTITY_TYPES}. */
export function isEntityType(value: unknown): value is EntityType {
  return typeof value === 'string' && (ENTITY_TYPES as readonly string[]).includes(value);
}

/**
 * The spans found by a global regular expression, scored by `score(match)`. A match that `score`
 * rejects (null) does not consume its text: the search resumes one character after its start, so
 * a greedy candidate that fails validation cannot hide a valid entity inside or after it.
 */
export function regexSpans(
  text: string,
  pattern: RegExp,
  type: EntityType,
  score: (match: RegExpExecArray) => number | null,
): EntitySpan[] {
  const spans: EntitySpan[] = [];
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const s = m[0].length === 0 ? null : score(m);
    if (s === null) {
      re.lastIndex = m.index + 1;
      continue;
    }
    spans.push({ start: m.index, end: m.index + m[0].length, type, score: s });
  }
  return spans;
}
