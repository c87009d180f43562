/**
 * Street addresses: faker's street names, building numbers, postcodes and cities, arranged the way
 * each country writes an address line — `Hauptstr. 5, 10115 Berlin`, `12 rue de la Paix, 75002
 * Paris`, `Rua Melo, 605 - apto 12, 24225-043`, `〒653-2442 大阪府…4丁目1番5号`. About half carry a
 * postcode and city after the street, which then belong to the address span.
 */
import type { Faker } from '@faker-js/faker';
import { arabicIndic } from './dates';
import type { CorpusLocale } from './locales';

const pick = <T>(f: Faker, items: readonly T[]): T => f.helpers.arrayElement(items);
const num = (f: Faker, max = 250): number => f.number.int({ min: 1, max });

/** An address line of `locale`, sometimes followed by its postcode and city. */
export function writeAddress(f: Faker, locale: CorpusLocale): string {
  const withTown = f.datatype.boolean();
  const city = f.location.city();
  const zip = f.location.zipCode();
  switch (locale) {
    case 'en': {
      const line = f.datatype.boolean(0.7) ? f.location.streetAddress(f.datatype.boolean(0.3)) : `${num(f)} ${f.location.street()}`;
      if (!withTown) return line;
      return f.datatype.boolean() ? `${line}, ${city}, ${f.location.state({ abbreviated: true })} ${zip}` : `${line}, ${city} ${zip}`;
    }
    case 'de':
    case 'it':
    case 'tr': {
      const line =
        locale === 'tr' && f.datatype.boolean()
          ? `${f.location.street()} No: ${num(f, 120)}`
          : f.location.streetAddress(false).replace(/,$/, '');
      if (!withTown) return line;
      return locale === 'tr' ? `${line}, ${zip} ${city}` : `${line}, ${zip} ${city}`;
    }
    case 'fr': {
      const line = f.datatype.boolean(0.6)
        ? f.location.streetAddress(false)
        : `${num(f, 120)}${pick(f, ['', '', ' bis', ' ter'])} ${f.location.street()}`;
      return withTown ? `${line}, ${zip} ${city}` : line;
    }
    case 'es': {
      const line = f.datatype.boolean(0.5)
        ? f.location.streetAddress(false)
        : `${f.location.street()}, ${num(f, 120)}${pick(f, ['', ', 2º B', ', 3º izq.', ', bajo'])}`;
      return withTown ? `${line}, ${zip} ${city}` : line;
    }
    case 'nl': {
      const line = f.location.streetAddress(false);
      return withTown ? `${line}, ${zip} ${city}` : line;
    }
    case 'pt_BR': {
      const line = f.datatype.boolean(0.3)
        ? f.location.streetAddress(false)
        : `${f.location.street()}, ${num(f, 2000)}${pick(f, ['', '', ' - apto 12', ` - casa ${num(f, 9)}`, ` - bloco B`])}`;
      return withTown ? `${line}, ${city} - ${f.location.state({ abbreviated: true })}, ${zip}` : line;
    }
    case 'ja': {
      const block = pick(f, [f.location.street(), `${num(f, 9)}-${num(f, 30)}-${num(f, 20)}`]);
      const line = `${f.location.state()}${city}${block}`;
      return withTown ? `〒${zip} ${line}` : line;
    }
    case 'hi': {
      const line = f.datatype.boolean() ? f.location.streetAddress(false) : `${num(f, 400)}, ${f.location.street()}`;
      return withTown ? `${line}, ${city} - ${zip.replace(' ', '')}` : line;
    }
    case 'pl': {
      const line = f.location.streetAddress(false);
      return withTown ? `${line}, ${zip} ${city}` : line;
    }
    case 'ar': {
      const line = f.datatype.boolean() ? f.location.streetAddress(false) : `${f.location.street()}، مبنى ${num(f, 90)}`;
      const written = withTown ? `${line}، ${city} ${zip}` : line;
      return f.datatype.boolean(0.2) ? arabicIndic(written) : written;
    }
  }
}
