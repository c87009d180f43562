/**
 * `generatePiiCorpus`: a seeded multilingual benchmark for free-text PII detectors. Each note is two
 * to four sentences of one locale (see `templates.ts`) with personal data planted in slots and the
 * exact span of every planted value recorded as gold. Everything is a function of the options: the
 * same seed gives the same notes, character for character.
 *
 * Sources: faker's locales for given names, surnames, streets, cities, companies, e-mail addresses,
 * IBANs and card numbers; the modules beside this one for phone numbers, dates and addresses in
 * each country's written forms. Nothing here is taken from a detector.
 */
import { Faker } from '@faker-js/faker';
import { SimulationError } from '../../errors';
import { writeAddress } from './addresses';
import { writeDate } from './dates';
import { writeDecoy } from './decoys';
import { CORPUS_LOCALES, type CorpusLocale, LOCALE_SPECS } from './locales';
import { writeName, type WrittenName } from './people';
import { writePhone } from './phones';
import { TEMPLATES } from './templates';

/** The entity types the corpus plants, named as `@cohort/privacy/masking` names them. */
export const CORPUS_ENTITY_TYPES = [
  'PERSON',
  'PHONE',
  'EMAIL',
  'DATE',
  'STREET_ADDRESS',
  'IBAN',
  'CREDIT_CARD',
  'IP_ADDRESS',
  'US_SSN',
  'UK_NINO',
] as const;
export type CorpusEntityType = (typeof CORPUS_ENTITY_TYPES)[number];

/** A planted value: `text.slice(start, end)` is an entity of `type`. */
export interface GoldSpan {
  start: number;
  end: number;
  type: CorpusEntityType;
}

export interface CorpusNote {
  locale: CorpusLocale;
  text: string;
  gold: GoldSpan[];
}

export interface PiiCorpusOptions {
  /** Seeds everything. */
  seed: number;
  /** Notes per locale, 1 … 100,000. @default 200 */
  notesPerLocale?: number;
  /** @default every locale in `CORPUS_LOCALES` */
  locales?: readonly CorpusLocale[];
  /**
   * Notes are at least this many characters (sentences are added until they are), up to four
   * sentences. @default 260 (notes average about 300 characters)
   */
  minLength?: number;
}

const SLOT = /(\{[A-Z]+\})/;
const NINO_FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const NINO_SECOND = 'ABCEGHJKLMNPRSTWXYZ';

/** One planted value: the text around it and the span that is gold. */
type Written = WrittenName & { type: CorpusEntityType };

function writeSlot(f: Faker, locale: CorpusLocale, slot: string): Written | string {
  const plain = (type: CorpusEntityType, name: string): Written => ({ before: '', name, after: '', type });
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  switch (slot) {
    case 'NAME':
      return { ...writeName(f, locale, 'full'), type: 'PERSON' };
    case 'TNAME':
      return { ...writeName(f, locale, 'titled'), type: 'PERSON' };
    case 'SNAME':
      return { ...writeName(f, locale, 'surname'), type: 'PERSON' };
    case 'FIRST':
      return { ...writeName(f, locale, 'given'), type: 'PERSON' };
    case 'PHONE':
      return plain('PHONE', writePhone(f, f.helpers.arrayElement(LOCALE_SPECS[locale].phones)));
    case 'EMAIL':
      return plain('EMAIL', f.internet.email());
    case 'DATE':
      return plain('DATE', writeDate(f, locale));
    case 'ADDR':
      return plain('STREET_ADDRESS', writeAddress(f, locale));
    case 'IBAN':
      return plain('IBAN', f.finance.iban({ formatted: f.datatype.boolean(), countryCode: LOCALE_SPECS[locale].iban }));
    case 'CARD': {
      const card = f.finance.creditCardNumber();
      return plain('CREDIT_CARD', f.helpers.arrayElement([card, card.replace(/-/g, ' '), card.replace(/-/g, '')]));
    }
    case 'IP':
      return plain('IP_ADDRESS', f.datatype.boolean(0.75) ? f.internet.ipv4() : f.internet.ipv6());
    case 'SSN': {
      const area = f.helpers.arrayElement([f.number.int({ min: 1, max: 665 }), f.number.int({ min: 667, max: 899 })]);
      const [a, g, s] = [pad(area, 3), pad(f.number.int({ min: 1, max: 99 }), 2), pad(f.number.int({ min: 1, max: 9999 }), 4)];
      return plain('US_SSN', f.helpers.arrayElement([`${a}-${g}-${s}`, `${a} ${g} ${s}`, `${a}${g}${s}`]));
    }
    case 'NINO': {
      const letters = `${f.helpers.arrayElement([...NINO_FIRST])}${f.helpers.arrayElement([...NINO_SECOND])}`;
      const nino = ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(letters) ? 'AB' : letters;
      const d = f.string.numeric({ length: 6, allowLeadingZeros: true });
      const suffix = f.helpers.arrayElement(['A', 'B', 'C', 'D']);
      const written = f.datatype.boolean() ? `${nino} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${suffix}` : `${nino}${d}${suffix}`;
      return plain('UK_NINO', f.datatype.boolean(0.35) ? written.toLowerCase() : written);
    }
    case 'DECOY':
      return writeDecoy(f, locale);
    default:
      throw new Error(`unknown corpus slot {${slot}}`);
  }
}

/** One sentence of `template` with its slots filled; gold offsets are relative to `offset`. */
function fillTemplate(f: Faker, locale: CorpusLocale, template: string, offset: number, gold: GoldSpan[]): string {
  let text = '';
  for (const part of template.split(SLOT)) {
    const slot = /^\{([A-Z]+)\}$/.exec(part)?.[1];
    if (slot === undefined) {
      text += part;
      continue;
    }
    const written = writeSlot(f, locale, slot);
    if (typeof written === 'string') {
      text += written;
      continue;
    }
    text += written.before;
    gold.push({ start: offset + text.length, end: offset + text.length + written.name.length, type: written.type });
    text += written.name + written.after;
  }
  return text;
}

/** The notes of one locale. */
function localeNotes(seed: number, locale: CorpusLocale, count: number, minLength: number): CorpusNote[] {
  const f = new Faker({ locale: LOCALE_SPECS[locale].faker });
  f.seed([seed, CORPUS_LOCALES.indexOf(locale)]);
  const templates = TEMPLATES[locale];
  const joiner = locale === 'ja' ? '' : ' ';
  return Array.from({ length: count }, () => {
    let text = '';
    const gold: GoldSpan[] = [];
    for (let sentences = 0; sentences < 4 && (sentences < 2 || text.length < minLength); sentences++) {
      if (text !== '') text += joiner;
      text += fillTemplate(f, locale, f.helpers.arrayElement(templates), text.length, gold);
    }
    return { locale, text, gold };
  });
}

/** A seeded corpus of notes, `notesPerLocale` for each locale, locale by locale. */
export function generatePiiCorpus(options: PiiCorpusOptions): CorpusNote[] {
  const { seed, notesPerLocale = 200, locales = CORPUS_LOCALES, minLength = 260 } = options;
  if (!Number.isSafeInteger(seed)) throw new SimulationError('INVALID_OPTION', `seed must be a safe integer; got ${String(seed)}.`);
  if (!Number.isInteger(notesPerLocale) || notesPerLocale < 1 || notesPerLocale > 100_000)
    throw new SimulationError('INVALID_OPTION', `notesPerLocale must be an integer in 1 … 100000; got ${String(notesPerLocale)}.`);
  const unknown = locales.find((l) => !(CORPUS_LOCALES as readonly string[]).includes(l));
  if (unknown !== undefined)
    throw new SimulationError('INVALID_OPTION', `locales must be drawn from ${CORPUS_LOCALES.join(', ')}; got ${JSON.stringify(unknown)}.`);
  return locales.flatMap((locale) => localeNotes(seed, locale, notesPerLocale, minLength));
}
