/**
 * Month names for the date detector, in calendar order, as they are written in dates: English,
 * German, French, Spanish, Italian, Dutch, Portuguese, Polish (nominative `marzec` and genitive
 * `marca`, as in `12 marca 2024`), Turkish, Swedish/Danish/Norwegian where they differ, Hindi, and
 * Arabic (the Egyptian and Gulf names `مارس` and the Levantine `آذار`). Abbreviations are the
 * three-letter forms each language uses (`Mrz`, `mrt`, `déc`, `set`, `Eki`), with or without a
 * full stop. Written from the languages themselves.
 */

const FULL: readonly (readonly string[])[] = [
  [
    'january',
    'januar',
    'janvier',
    'enero',
    'gennaio',
    'januari',
    'janeiro',
    'styczeń',
    'stycznia',
    'ocak',
    'जनवरी',
    'يناير',
    'كانون الثاني',
    'jänner',
  ],
  [
    'february',
    'februar',
    'février',
    'fevrier',
    'febrero',
    'febbraio',
    'februari',
    'fevereiro',
    'luty',
    'lutego',
    'şubat',
    'subat',
    'फ़रवरी',
    'फरवरी',
    'فبراير',
    'شباط',
  ],
  ['march', 'märz', 'maerz', 'mars', 'marzo', 'maart', 'março', 'marco', 'marzec', 'marca', 'mart', 'मार्च', 'مارس', 'آذار'],
  ['april', 'avril', 'abril', 'aprile', 'kwiecień', 'kwietnia', 'nisan', 'अप्रैल', 'أبريل', 'ابريل', 'إبريل', 'نيسان'],
  ['may', 'mai', 'mayo', 'maggio', 'mei', 'maio', 'maj', 'maja', 'mayıs', 'mayis', 'मई', 'مايو', 'أيار', 'ايار'],
  ['june', 'juni', 'juin', 'junio', 'giugno', 'junho', 'czerwiec', 'czerwca', 'haziran', 'जून', 'يونيو', 'يونيه', 'حزيران'],
  ['july', 'juli', 'juillet', 'julio', 'luglio', 'julho', 'lipiec', 'lipca', 'temmuz', 'जुलाई', 'يوليو', 'يوليه', 'تموز'],
  ['august', 'août', 'aout', 'agosto', 'augustus', 'sierpień', 'sierpnia', 'ağustos', 'agustos', 'अगस्त', 'أغسطس', 'اغسطس', 'آب'],
  [
    'september',
    'septembre',
    'septiembre',
    'setiembre',
    'settembre',
    'setembro',
    'wrzesień',
    'września',
    'eylül',
    'eylul',
    'सितंबर',
    'सितम्बर',
    'سبتمبر',
    'أيلول',
    'ايلول',
  ],
  [
    'october',
    'oktober',
    'octobre',
    'octubre',
    'ottobre',
    'outubro',
    'październik',
    'października',
    'ekim',
    'अक्टूबर',
    'أكتوبر',
    'اكتوبر',
    'تشرين الأول',
    'تشرين الاول',
  ],
  ['november', 'novembre', 'noviembre', 'novembro', 'listopad', 'listopada', 'kasım', 'kasim', 'नवंबर', 'नवम्बर', 'نوفمبر', 'تشرين الثاني'],
  [
    'december',
    'dezember',
    'décembre',
    'decembre',
    'diciembre',
    'dicembre',
    'dezembro',
    'grudzień',
    'grudnia',
    'aralık',
    'aralik',
    'दिसंबर',
    'दिसम्बर',
    'ديسمبر',
    'كانون الأول',
    'كانون الاول',
  ],
];

const ABBREVIATED: readonly (readonly string[])[] = [
  ['jan', 'janv', 'ene', 'gen', 'sty', 'oca'],
  ['feb', 'févr', 'fevr', 'fév', 'fev', 'lut', 'şub', 'sub'],
  ['mar', 'mrz', 'mär', 'mrt'],
  ['apr', 'avr', 'abr', 'kwi', 'nis'],
  ['mag'],
  ['jun', 'juin', 'giu', 'cze', 'haz'],
  ['jul', 'juil', 'lug', 'lip', 'tem'],
  ['aug', 'aoû', 'ago', 'sie', 'ağu', 'agu'],
  ['sep', 'sept', 'set', 'wrz', 'eyl'],
  ['oct', 'okt', 'ott', 'out', 'paź', 'paz', 'eki'],
  ['nov', 'lis', 'kas'],
  ['dec', 'dez', 'déc', 'dic', 'gru', 'ara'],
];

/** Lower-case month name or abbreviation → month number 1–12. */
export const MONTH_NUMBER: ReadonlyMap<string, number> = new Map(
  [...FULL, ...ABBREVIATED].flatMap((names, i) => names.map((name) => [name, (i % 12) + 1] as const)),
);

const alternation = (names: readonly string[]): string =>
  [...new Set(names)]
    .sort((a, b) => b.length - a.length)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');

/** A regular-expression source matching a full month name (`March`, `marca`, `آذار`). Use with the `iu` flags. */
export const MONTH_FULL_SOURCE = `(?:${alternation(FULL.flat())})`;

/**
 * A regular-expression source matching any month name or abbreviation (longest first, so `marzo`
 * is not read as `mar`), an abbreviation optionally followed by a full stop. Use with the `iu` flags.
 */
export const MONTH_NAME_SOURCE = `(?:${alternation(FULL.flat())}|(?:${alternation(ABBREVIATED.flat())})\\.?)`;

/** The month number of a matched name (case and a trailing full stop ignored), or 0. */
export function monthNumber(name: string): number {
  return MONTH_NUMBER.get(name.toLowerCase().replace(/\.$/, '')) ?? 0;
}
