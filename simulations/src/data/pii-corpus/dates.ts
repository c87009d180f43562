/**
 * Calendar dates as each locale writes them: numeric day-first, month-first (en-US) and year-first
 * (ja, ISO) forms with the locale's separators and two-digit years, written months in the locale's
 * language (full and abbreviated, with the grammatical forms they take: Polish genitive `marca`,
 * Spanish `de marzo de`), `Month YYYY`, and Arabic-Indic digits in Arabic text.
 *
 * Month names are written here from the languages themselves (faker's locale lists are sorted
 * alphabetically, so they cannot be indexed by month).
 */
import type { Faker } from '@faker-js/faker';
import type { CorpusLocale } from './locales';

const MONTHS: Record<string, readonly string[]> = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  de: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
  it: ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  nl: ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  nlAbbr: ['jan', 'feb', 'mrt', 'apr', 'mei', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'],
  pt: ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'],
  /** Nominative (`marzec 2024`) and genitive (`12 marca 2024`). */
  plNom: [
    'styczeń',
    'luty',
    'marzec',
    'kwiecień',
    'maj',
    'czerwiec',
    'lipiec',
    'sierpień',
    'wrzesień',
    'październik',
    'listopad',
    'grudzień',
  ],
  plGen: [
    'stycznia',
    'lutego',
    'marca',
    'kwietnia',
    'maja',
    'czerwca',
    'lipca',
    'sierpnia',
    'września',
    'października',
    'listopada',
    'grudnia',
  ],
  tr: ['Ocak', 'Şubat', 'Mart', 'Nisan', 'Mayıs', 'Haziran', 'Temmuz', 'Ağustos', 'Eylül', 'Ekim', 'Kasım', 'Aralık'],
  hi: ['जनवरी', 'फ़रवरी', 'मार्च', 'अप्रैल', 'मई', 'जून', 'जुलाई', 'अगस्त', 'सितंबर', 'अक्टूबर', 'नवंबर', 'दिसंबर'],
  /** Egypt and the Gulf; the Levant uses the Syriac names below. */
  ar: ['يناير', 'فبراير', 'مارس', 'أبريل', 'مايو', 'يونيو', 'يوليو', 'أغسطس', 'سبتمبر', 'أكتوبر', 'نوفمبر', 'ديسمبر'],
  arLevant: [
    'كانون الثاني',
    'شباط',
    'آذار',
    'نيسان',
    'أيار',
    'حزيران',
    'تموز',
    'آب',
    'أيلول',
    'تشرين الأول',
    'تشرين الثاني',
    'كانون الأول',
  ],
};

const pad = (n: number): string => String(n).padStart(2, '0');
const ARABIC_INDIC = '٠١٢٣٤٥٦٧٨٩';
/** `text` with its ASCII digits written as Arabic-Indic digits. */
export const arabicIndic = (text: string): string => text.replace(/\d/g, (d) => ARABIC_INDIC[Number(d)] as string);

/** A date between 1930 and 2026 written in one of `locale`'s forms. */
export function writeDate(f: Faker, locale: CorpusLocale): string {
  const d = f.date.between({ from: '1930-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' });
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  const yy = pad(y % 100);
  const month = (key: string): string => (MONTHS[key] as readonly string[])[m - 1] as string;
  const abbr = (key: string): string => month(key).slice(0, 3);
  const pick = (forms: string[]): string => f.helpers.arrayElement(forms);
  switch (locale) {
    case 'en':
      return pick([
        `${month('en')} ${day}, ${y}`,
        `${day} ${month('en')} ${y}`,
        `${abbr('en')} ${day}, ${y}`,
        `${pad(day)}/${pad(m)}/${y}`,
        `${m}/${day}/${y}`,
        `${m}/${day}/${yy}`,
        `${y}-${pad(m)}-${pad(day)}`,
        `${pad(day)}-${abbr('en')}-${y}`,
        `${month('en')} ${y}`,
        `${day}${day % 10 === 1 && day !== 11 ? 'st' : day % 10 === 2 && day !== 12 ? 'nd' : day % 10 === 3 && day !== 13 ? 'rd' : 'th'} ${month('en')} ${y}`,
      ]);
    case 'de':
      return pick([
        `${pad(day)}.${pad(m)}.${y}`,
        `${day}.${m}.${y}`,
        `${pad(day)}.${pad(m)}.${yy}`,
        `${day}. ${month('de')} ${y}`,
        `${month('de')} ${y}`,
        `${y}-${pad(m)}-${pad(day)}`,
      ]);
    case 'fr':
      return pick([
        `${pad(day)}/${pad(m)}/${y}`,
        `${pad(day)}/${pad(m)}/${yy}`,
        `${day === 1 ? '1er' : day} ${month('fr')} ${y}`,
        `${month('fr')} ${y}`,
        `${pad(day)}-${pad(m)}-${y}`,
        `${pad(day)}.${pad(m)}.${y}`,
      ]);
    case 'es':
      return pick([
        `${pad(day)}/${pad(m)}/${y}`,
        `${day}/${m}/${yy}`,
        `${day} de ${month('es')} de ${y}`,
        `${day} de ${month('es')} del ${y}`,
        `${month('es')} de ${y}`,
        `${pad(day)}-${pad(m)}-${y}`,
        `${day} ${abbr('es')} ${y}`,
      ]);
    case 'it':
      return pick([
        `${pad(day)}/${pad(m)}/${y}`,
        `${day}/${m}/${yy}`,
        `${day} ${month('it')} ${y}`,
        `${month('it')} ${y}`,
        `${pad(day)}-${pad(m)}-${y}`,
        `${pad(day)}.${pad(m)}.${y}`,
      ]);
    case 'nl':
      return pick([
        `${pad(day)}-${pad(m)}-${y}`,
        `${day}-${m}-${y}`,
        `${day} ${month('nl')} ${y}`,
        `${month('nl')} ${y}`,
        `${pad(day)}/${pad(m)}/${y}`,
        `${day} ${month('nlAbbr')} ${y}`,
      ]);
    case 'pt_BR':
      return pick([
        `${pad(day)}/${pad(m)}/${y}`,
        `${pad(day)}/${pad(m)}/${yy}`,
        `${day} de ${month('pt')} de ${y}`,
        `${month('pt')} de ${y}`,
        `${pad(day)}.${pad(m)}.${y}`,
      ]);
    case 'ja':
      return pick([
        `${y}年${m}月${day}日`,
        `${y}/${pad(m)}/${pad(day)}`,
        `${y}/${m}/${day}`,
        `${y}-${pad(m)}-${pad(day)}`,
        `${y}年${m}月`,
        `${y}.${pad(m)}.${pad(day)}`,
      ]);
    case 'hi':
      return pick([
        `${pad(day)}/${pad(m)}/${y}`,
        `${pad(day)}-${pad(m)}-${y}`,
        `${day} ${month('hi')} ${y}`,
        `${day} ${month('en')} ${y}`,
        `${pad(day)}.${pad(m)}.${y}`,
        `${month('hi')} ${y}`,
      ]);
    case 'pl':
      return pick([
        `${pad(day)}.${pad(m)}.${y}`,
        `${day} ${month('plGen')} ${y}`,
        `${day}.${m}.${y}`,
        `${month('plNom')} ${y}`,
        `${y}-${pad(m)}-${pad(day)}`,
      ]);
    case 'tr':
      return pick([
        `${pad(day)}.${pad(m)}.${y}`,
        `${day} ${month('tr')} ${y}`,
        `${pad(day)}/${pad(m)}/${y}`,
        `${month('tr')} ${y}`,
        `${day}.${m}.${y}`,
      ]);
    case 'ar': {
      const written = pick([
        `${pad(day)}/${pad(m)}/${y}`,
        `${day} ${month('ar')} ${y}`,
        `${day} ${month('arLevant')} ${y}`,
        `${y}/${pad(m)}/${pad(day)}`,
        `${pad(day)}-${pad(m)}-${y}`,
      ]);
      return f.datatype.boolean(0.3) ? arabicIndic(written) : written;
    }
  }
}
