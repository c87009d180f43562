/**
 * The corpus's locales and, for each, the faker locale that draws its names, streets and cities,
 * the countries whose phone numbers its notes carry, and its IBAN country.
 *
 * faker has no Hindi locale: `hi` notes are written in Hindi (Devanagari) around people, streets
 * and cities drawn from faker's `en_IN`, in Latin script, as Indian forms and messages often mix
 * them.
 */
import { ar, base, de, en, en_IN, es, fr, it, ja, type LocaleDefinition, nl, pl, pt_BR, tr } from '@faker-js/faker';
import type { PhoneCountry } from './phones';

export const CORPUS_LOCALES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt_BR', 'ja', 'hi', 'pl', 'tr', 'ar'] as const;
export type CorpusLocale = (typeof CORPUS_LOCALES)[number];

export interface LocaleSpec {
  /** faker locale chain, most specific first. */
  faker: LocaleDefinition[];
  /** Countries whose numbers the notes carry (most notes use the first). */
  phones: readonly PhoneCountry[];
  /** IBAN country code. */
  iban: string;
}

export const LOCALE_SPECS: Record<CorpusLocale, LocaleSpec> = {
  en: { faker: [en, base], phones: ['US', 'GB', 'AU'], iban: 'GB' },
  de: { faker: [de, en, base], phones: ['DE'], iban: 'DE' },
  fr: { faker: [fr, en, base], phones: ['FR'], iban: 'FR' },
  es: { faker: [es, en, base], phones: ['ES'], iban: 'ES' },
  it: { faker: [it, en, base], phones: ['IT'], iban: 'IT' },
  nl: { faker: [nl, en, base], phones: ['NL'], iban: 'NL' },
  pt_BR: { faker: [pt_BR, en, base], phones: ['BR'], iban: 'BR' },
  ja: { faker: [ja, en, base], phones: ['JP'], iban: 'DE' },
  hi: { faker: [en_IN, en, base], phones: ['IN'], iban: 'GB' },
  pl: { faker: [pl, en, base], phones: ['PL'], iban: 'PL' },
  tr: { faker: [tr, en, base], phones: ['TR'], iban: 'TR' },
  ar: { faker: [ar, en, base], phones: ['SA', 'EG', 'AE'], iban: 'SA' },
};
