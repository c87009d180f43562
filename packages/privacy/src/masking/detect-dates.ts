/**
 * Calendar dates in free text, in the written forms of many locales, validated (month 1–12, day
 * within the month, leap years; four-digit years 1000–2999):
 *
 * | form                                                                     | score |
 * |--------------------------------------------------------------------------|-------|
 * | ISO `2024-01-31` (optionally with a time), `2024年3月12日`, `2024年3月`  | 0.85  |
 * | a written month with day and year, day-first or month-first: `31 January 2024`, `January 31, 2024`, `12. März 2024`, `12 de marzo de 2024`, `1er mars 2024`, `12 marca 2024`, `12-Mar-2024`, `12 مارس 2024`, `12 मार्च 2024` | 0.85 |
 * | year first with `/` or `.`: `2024/03/12`, `2024.3.12`                    | 0.7   |
 * | numeric with a four-digit year, `/` `.` or `-`: `31/01/2024`, `01/31/2024`, `12.3.2024` (day-first or month-first, whichever is a real date) | 0.6 |
 * | a full month name and a year: `March 2024`, `marzo de 2024`              | 0.6   |
 * | numeric with a two-digit year: `7/3/24`, `12.03.24`                      | 0.5   |
 *
 * Month names and abbreviations are those of `month-names.ts` (12 languages), in any case. A date
 * may touch non-Latin script (`1990-12-17生まれ`) but not a Latin letter or another digit.
 *
 * {@link parseDate} reads the same forms for the `generalise` operator; a two-digit year is read
 * as POSIX `strptime %y` does (69–99 → 1900s, 00–68 → 2000s).
 */
import { regexSpans, type EntitySpan } from './entities';
import { MONTH_FULL_SOURCE, MONTH_NAME_SOURCE, monthNumber } from './month-names';

type Field = 'y' | 'm' | 'd' | 'name';

/** One written form: a regex source whose capture groups are `fields`, in order. */
interface Form {
  source: string;
  fields: readonly Field[];
  score: number;
  /** Numeric day and month whose order is not known (d/m/y or m/d/y). */
  ambiguous?: boolean;
}

const Y4 = String.raw`([12]\d{3})`;
const Y = String.raw`([12]\d{3}|\d{2})`;
const D = String.raw`(\d{1,2})`;
const ORDINAL = String.raw`(?:st|nd|rd|th|er|\.|º)?`;
const TIME = String.raw`(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const NAME = `(${MONTH_NAME_SOURCE})`;
/** A cheap guard before the forms that start with a month name: a digit follows closely. */
const DIGIT_AHEAD = String.raw`(?=\p{L}[^\d]{2,20}\d)`;
const FULL_NAME = `(${MONTH_FULL_SOURCE})`;

const numeric = (sep: string): Form[] => [
  { source: `${Y4}${sep}(\\d{1,2})${sep}${D}`, fields: ['y', 'm', 'd'], score: sep === '-' ? 0.85 : 0.7 },
  { source: `${D}${sep}(\\d{1,2})${sep}${Y}`, fields: ['d', 'm', 'y'], score: 0.6, ambiguous: true },
];

const FORMS: readonly Form[] = [
  { source: `${Y4}-(\\d{2})-(\\d{2})${TIME}`, fields: ['y', 'm', 'd'], score: 0.85 },
  { source: `${Y4}年(\\d{1,2})月(?:${D}日)?`, fields: ['y', 'm', 'd'], score: 0.85 },
  ...numeric('/'),
  ...numeric('\\.'),
  ...numeric('-'),
  { source: `${D}${ORDINAL} ?(?:of |de )?${NAME},? (?:de |del )?${Y4}`, fields: ['d', 'name', 'y'], score: 0.85 },
  { source: `${D}-${NAME}-${Y}`, fields: ['d', 'name', 'y'], score: 0.85 },
  { source: `${DIGIT_AHEAD}${NAME} ${D}(?:st|nd|rd|th)?,? ${Y4}`, fields: ['name', 'd', 'y'], score: 0.85 },
  { source: `${DIGIT_AHEAD}${FULL_NAME},? (?:de |del )?${Y4}`, fields: ['name', 'y'], score: 0.6 },
];

/** Each form's first group index in the combined regex (each form is wrapped in one group). */
const GROUP_AT: number[] = [];
const COMBINED = (() => {
  let group = 1;
  const parts = FORMS.map((form) => {
    GROUP_AT.push(group);
    group += 1 + form.fields.length;
    return `(${form.source})`;
  });
  return parts.join('|');
})();
const EDGE_BEFORE = String.raw`(?<![\p{N}\p{Script=Latin}_/.-])`;
const EDGE_AFTER = String.raw`(?![\p{N}\p{Script=Latin}_/]|[.-]\d)`;
const DATE = new RegExp(`${EDGE_BEFORE}(?:${COMBINED})${EDGE_AFTER}`, 'giu');
const DATE_EXACT = new RegExp(`^(?:${COMBINED})$`, 'iu');

/** A calendar date; `month` 1–12 and `day` 1–31. */
export interface DateParts {
  year: number;
  month: number;
  day: number;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function valid(year: number, month: number, day: number): DateParts | null {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) ? { year, month, day } : null;
}

/** POSIX `%y`: 69–99 → 1969–1999, 00–68 → 2000–2068. */
const fullYear = (written: string): number =>
  written.length === 2 ? (Number(written) >= 69 ? 1900 : 2000) + Number(written) : Number(written);

interface Reading {
  form: Form;
  /** Day-first (or the only) reading, and month-first reading for ambiguous numeric forms. */
  first: DateParts | null;
  second: DateParts | null;
}

function read(m: RegExpExecArray): Reading | null {
  for (let i = 0; i < FORMS.length; i++) {
    const at = GROUP_AT[i] as number;
    if (m[at] === undefined) continue;
    const form = FORMS[i] as Form;
    const value: Partial<Record<Field, string>> = {};
    form.fields.forEach((field, k) => {
      value[field] = m[at + 1 + k];
    });
    const year = fullYear(value.y as string);
    const month = value.name !== undefined ? monthNumber(value.name) : Number(value.m);
    const day = value.d === undefined ? 1 : Number(value.d);
    const first = valid(year, month, day);
    const second = form.ambiguous === true ? valid(year, day, month) : null;
    return { form, first, second };
  }
  return null;
}

/** Words after which a dotted number is a version, not a date (`version 3.12.25`). */
const VERSION_BEFORE = /(?:\bversion|\bver\.?|\brelease|\bbuild|\bv)\s?$/i;

export function detectDates(text: string): EntitySpan[] {
  return regexSpans(text, DATE, 'DATE', (m) => {
    const reading = read(m);
    if (reading === null || (reading.first === null && reading.second === null)) return null;
    if (reading.form.ambiguous === true && VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 10), m.index))) return null;
    const twoDigitYear = reading.form.ambiguous === true && /\D\d{2}$/.test(m[0]);
    return twoDigitYear ? 0.5 : reading.form.score;
  });
}

/**
 * The date written in `value` (surrounding whitespace ignored) in one of the forms above, or null.
 * A numeric date that is a real date both day-first and month-first is read per `dayFirst`
 * (default false: `01/02/2024` is 2 January).
 */
export function parseDate(value: string, { dayFirst = false }: { dayFirst?: boolean } = {}): DateParts | null {
  const m = DATE_EXACT.exec(value.trim());
  const reading = m === null ? null : read(m);
  if (reading === null) return null;
  if (reading.form.ambiguous !== true) return reading.first;
  return dayFirst ? (reading.first ?? reading.second) : (reading.second ?? reading.first);
}
