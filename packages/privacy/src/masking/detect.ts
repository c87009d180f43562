/**
 * `detectEntities(text)`: every detector run over one string, overlaps resolved the way Microsoft
 * Presidio resolves them (see `overlaps.ts`), and `scanText`, which replaces each detected entity
 * with its type tag (`<EMAIL>`, `<PERSON>`…).
 *
 * Detectors are patterns with validators (checksums, numbering plans, calendars, word lists),
 * context words and capitalisation, not a language model: they find the forms listed in each
 * detector's module and miss others. docs/masking.md has the measured precision and recall on a
 * 12-locale benchmark; a name nothing announces and no list holds is often missed.
 */
import { detectAddresses } from './detect-addresses';
import { detectEmails } from './detect-contact';
import { checkPhoneRegions, detectPhones } from './detect-phones';
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
  /**
   * Regions (ISO 3166-1 alpha-2) whose national phone formats to recognise; numbers written with
   * `+` or `00` are recognised for every region whatever this says.
   * @default DEFAULT_PHONE_REGIONS (24 regions of the Americas, Europe, Asia, Oceania, Middle East and Africa)
   */
  phoneRegions?: readonly string[];
}

const DETECTORS: Record<EntityType, (text: string, options: DetectOptions) => EntitySpan[]> = {
  EMAIL: detectEmails,
  PHONE: (text, options) => detectPhones(text, options),
  CREDIT_CARD: detectCreditCards,
  IBAN: detectIbans,
  IP_ADDRESS: (text) => [...detectIpv4(text), ...detectIpv6(text)],
  DATE: detectDates,
  US_SSN: detectUsSsns,
  UK_NINO: detectUkNinos,
  STREET_ADDRESS: detectAddresses,
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
  if (options.phoneRegions !== undefined) checkPhoneRegions(options.phoneRegions);
}

/**
 * `text` with every decimal digit of another script (Arabic-Indic `٠–٩`, Persian `۰–۹`, Devanagari
 * `०–९`, full-width `０–９`) written as its ASCII digit. Each is one UTF-16 code unit, as is its
 * replacement, so offsets into the result are offsets into `text`.
 */
export function asciiDigits(text: string): string {
  return text.replace(/[\u0660-\u0669\u06F0-\u06F9\u0966-\u096F\uFF10-\uFF19]/g, (d) => {
    const code = d.charCodeAt(0);
    const zero = code >= 0xff10 ? 0xff10 : code >= 0x0966 ? 0x0966 : code >= 0x06f0 ? 0x06f0 : 0x0660;
    return String(code - zero);
  });
}

/** Disjoint entity spans in `text`, sorted by start. */
export function detectEntities(text: string, options: DetectOptions = {}): EntitySpan[] {
  checkDetectOptions(options);
  const types = options.entities ?? ENTITY_TYPES;
  const minScore = options.minScore ?? 0;
  const normalised = asciiDigits(text);
  const found: EntitySpan[] = [];
  for (const type of types) {
    for (const span of DETECTORS[type](normalised, options)) if (span.score >= minScore) found.push(span);
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
