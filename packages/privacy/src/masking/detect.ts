/**
 * `detectEntities(text)`: every detector run over one string, overlaps resolved the way Microsoft
 * Presidio resolves them (see `overlaps.ts`), and `scanText`, which replaces each detected entity
 * with its type tag (`<EMAIL>`, `<PERSON>`…).
 *
 * Detectors are patterns with validators (checksums, ranges, dictionaries), not a language model:
 * they find the formats listed in each detector's module and miss others. In particular a name
 * absent from the dictionary and not next to a known name is not found; see `detect-names.ts`.
 */
import { detectEmails, detectPhones } from './detect-contact';
import { detectDates } from './detect-dates';
import { detectCreditCards, detectIbans } from './detect-financial';
import { detectPersons, type ExtraNames } from './detect-names';
import { detectUkNinos, detectUsSsns } from './detect-national-id';
import { detectIpv4, detectIpv6 } from './detect-network';
import { ENTITY_TYPES, entityTag, type EntitySpan, type EntityType } from './entities';
import { resolveOverlaps } from './overlaps';
import { PrivacyError } from '../errors';

export interface DetectOptions {
  /**
   * Entity types to look for.
   * @default every type in `ENTITY_TYPES`
   */
  entities?: readonly EntityType[];
  /**
   * Detections scoring below this are ignored, in [0, 1].
   * @default 0 (every detection counts: the safe choice for masking)
   */
  minScore?: number;
  /** Names to recognise besides the built-in dictionary. */
  extraNames?: ExtraNames;
}

const DETECTORS: Record<EntityType, (text: string, options: DetectOptions) => EntitySpan[]> = {
  EMAIL: detectEmails,
  PHONE: detectPhones,
  CREDIT_CARD: detectCreditCards,
  IBAN: detectIbans,
  IP_ADDRESS: (text) => [...detectIpv4(text), ...detectIpv6(text)],
  DATE: detectDates,
  US_SSN: detectUsSsns,
  UK_NINO: detectUkNinos,
  PERSON: (text, options) => detectPersons(text, options.extraNames),
};

/** Checks `options` once, so a bad option fails before any text is scanned. */
export function checkDetectOptions(options: DetectOptions): void {
  const { entities, minScore } = options;
  if (entities !== undefined) {
    const bad = entities.find((e) => !(ENTITY_TYPES as readonly string[]).includes(e));
    if (bad !== undefined)
      throw new PrivacyError('INVALID_ARGUMENT', `entities must list types from ${ENTITY_TYPES.join(', ')}; got ${JSON.stringify(bad)}.`);
  }
  if (minScore !== undefined && !(typeof minScore === 'number' && minScore >= 0 && minScore <= 1)) {
    throw new PrivacyError('INVALID_ARGUMENT', `minScore must be a number in [0, 1]; got ${String(minScore)}.`);
  }
}

/** Disjoint entity spans in `text`, sorted by start. */
export function detectEntities(text: string, options: DetectOptions = {}): EntitySpan[] {
  checkDetectOptions(options);
  const types = options.entities ?? ENTITY_TYPES;
  const minScore = options.minScore ?? 0;
  const found: EntitySpan[] = [];
  for (const type of types) {
    for (const span of DETECTORS[type](text, options)) if (span.score >= minScore) found.push(span);
  }
  return resolveOverlaps(found);
}

/** `text` with each detected entity replaced by its tag, and the entities that were replaced. */
export function scanText(text: string, options: DetectOptions = {}): { text: string; entities: EntitySpan[] } {
  const entities = detectEntities(text, options);
  let out = '';
  let at = 0;
  for (const e of entities) {
    out += text.slice(at, e.start) + entityTag(e.type);
    at = e.end;
  }
  return { text: out + text.slice(at), entities };
}
