/**
 * People as each locale writes them: faker's given names and surnames (never its `fullName`, whose
 * prefixes and suffixes would blur the span), in the locale's order and shape — two surnames in
 * Spanish and Portuguese, family name first in Japanese (with or without the space), middle names
 * and initials in English — and the courtesy titles written before (`Herr`, `Mme`, `Sr.`, `السيد`)
 * or after (`様`, `Bey`, `जी`) a name. A title is context, not part of the name's span.
 */
import type { Faker } from '@faker-js/faker';
import type { CorpusLocale } from './locales';

/** A name and the text written around it; only `name` is the PERSON span. */
export interface WrittenName {
  before: string;
  name: string;
  after: string;
}

const TITLES_BEFORE: Record<CorpusLocale, readonly string[]> = {
  en: ['Mr ', 'Mrs ', 'Ms ', 'Dr. ', 'Mr. ', 'Mrs. ', 'Miss ', 'Prof. '],
  de: ['Herr ', 'Frau ', 'Dr. ', 'Herrn ', 'Prof. Dr. ', 'Frau Dr. '],
  fr: ['M. ', 'Mme ', 'Mlle ', 'Dr ', 'Monsieur ', 'Madame ', 'Me '],
  es: ['Sr. ', 'Sra. ', 'D. ', 'Dña. ', 'don ', 'doña ', 'Dr. ', 'Dra. '],
  it: ['Sig. ', 'Sig.ra ', 'Dott. ', 'Dott.ssa ', 'Ing. ', 'Avv. ', 'signor '],
  nl: ['Dhr. ', 'Mevr. ', 'mevrouw ', 'meneer ', 'Dr. ', 'de heer '],
  pt_BR: ['Sr. ', 'Sra. ', 'Dr. ', 'Dra. ', 'Dona ', 'seu '],
  ja: [],
  hi: ['श्री ', 'श्रीमती ', 'डॉ. ', 'Mr. ', 'Smt. ', 'Dr. '],
  pl: ['Pan ', 'Pani ', 'dr ', 'mgr ', 'prof. ', 'Panią '],
  tr: ['Bay ', 'Bayan ', 'Sayın ', 'Dr. ', 'Av. '],
  ar: ['السيد ', 'السيدة ', 'الدكتور ', 'د. ', 'الأستاذ ', 'المهندس '],
};
const TITLES_AFTER: Partial<Record<CorpusLocale, readonly string[]>> = {
  ja: ['様', 'さん', '氏', '先生', '様', 'さん'],
  tr: [' Bey', ' Hanım'],
  hi: [' जी'],
};

const space = (f: Faker, locale: CorpusLocale): string => (locale === 'ja' ? f.helpers.arrayElement([' ', ' ', '　', '']) : ' ');

/** A full name in `locale`'s order and shape. */
export function writeFullName(f: Faker, locale: CorpusLocale): string {
  const first = f.person.firstName();
  const last = f.person.lastName();
  switch (locale) {
    case 'en': {
      const r = f.number.float();
      if (r < 0.12) return `${first} ${f.person.middleName()} ${last}`;
      if (r < 0.22) return `${first} ${f.string.alpha({ length: 1, casing: 'upper' })}. ${last}`;
      return `${first} ${last}`;
    }
    case 'es':
    case 'pt_BR':
      return f.datatype.boolean(0.5) ? `${first} ${last} ${f.person.lastName()}` : `${first} ${last}`;
    case 'ja':
      return `${last}${space(f, locale)}${first}`;
    default:
      return `${first} ${last}`;
  }
}

/** A name as it appears in running text: a full name, maybe with a title, or a title and a surname. */
export function writeName(f: Faker, locale: CorpusLocale, form: 'full' | 'titled' | 'surname' | 'given'): WrittenName {
  const before = TITLES_BEFORE[locale];
  const after = TITLES_AFTER[locale] ?? [];
  const title = (): { before: string; after: string } => {
    if (before.length === 0 || (after.length > 0 && f.datatype.boolean())) return { before: '', after: f.helpers.arrayElement(after) };
    return { before: f.helpers.arrayElement(before), after: '' };
  };
  switch (form) {
    case 'full':
      return { before: '', name: writeFullName(f, locale), after: '' };
    case 'titled':
      return { ...title(), name: writeFullName(f, locale) };
    case 'surname':
      return { ...title(), name: f.person.lastName() };
    case 'given':
      return { before: '', name: f.person.firstName(), after: '' };
  }
}
