/**
 * Calendar dates in free text, validated (month 1–12, day within the month, leap years):
 * ISO `2024-01-31` (optionally with a time, `2024-01-31T09:30:00Z`); numeric `31/01/2024` or
 * `01/31/2024` (also with `.` or `-`; accepted when either the day-first or the month-first
 * reading is a real date); and written months `January 31, 2024`, `Jan. 31 2024`,
 * `31 January 2024`, `3rd of March, 2020`. Years 1000–2999.
 *
 * {@link parseDate} reads the same forms for the `generalise` operator.
 */
import { regexSpans, type EntitySpan } from './entities';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_NAME = String.raw`(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?`;
const YEAR = String.raw`[12]\d{3}`;

const TIME = String.raw`(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const ISO = String.raw`(${YEAR})-(\d{2})-(\d{2})${TIME}`;
const NUMERIC = String.raw`(\d{1,2})([/.-])(\d{1,2})\5(${YEAR})`;
const MONTH_FIRST = String.raw`(${MONTH_NAME}) (\d{1,2})(?:st|nd|rd|th)?,? (${YEAR})`;
const DAY_FIRST = String.raw`(\d{1,2})(?:st|nd|rd|th)? (?:of )?(${MONTH_NAME}),? (${YEAR})`;
const DATE = new RegExp(String.raw`(?<![\w/.-])(?:${ISO}|${NUMERIC}|${MONTH_FIRST}|${DAY_FIRST})(?![\w/]|[.-]\d)`, 'gi');

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

function monthNumber(name: string): number {
  const key = name.toLowerCase().replace('.', '').slice(0, 3);
  return MONTHS.findIndex((m) => m.startsWith(key)) + 1;
}

/** A numeric date read day-first and month-first (either may be null). */
function numericReadings(m: RegExpExecArray): { dayFirst: DateParts | null; monthFirst: DateParts | null } {
  const [a, b, year] = [Number(m[4]), Number(m[6]), Number(m[7])];
  return { dayFirst: valid(year, b, a), monthFirst: valid(year, a, b) };
}

/** The one date of an ISO or written-month match, or null when it is not a real date. */
function singleReading(m: RegExpExecArray): DateParts | null {
  if (m[1] !== undefined) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  if (m[8] !== undefined) return valid(Number(m[10]), monthNumber(m[8]), Number(m[9]));
  if (m[11] !== undefined) return valid(Number(m[13]), monthNumber(m[12] as string), Number(m[11]));
  return null;
}

export function detectDates(text: string): EntitySpan[] {
  return regexSpans(text, DATE, 'DATE', (m) => {
    if (m[4] === undefined) return singleReading(m) === null ? null : 0.85;
    const { dayFirst, monthFirst } = numericReadings(m);
    return dayFirst === null && monthFirst === null ? null : 0.6;
  });
}

const DATE_EXACT = new RegExp(`^(?:${DATE.source})$`, 'i');

/**
 * The date written in `value` (surrounding whitespace ignored) in one of the forms above, or null. A numeric date that is a real date both day-first and
 * month-first is read per `dayFirst` (default false: `01/02/2024` is 2 January).
 */
export function parseDate(value: string, { dayFirst = false }: { dayFirst?: boolean } = {}): DateParts | null {
  const m = DATE_EXACT.exec(value.trim());
  if (m === null) return null;
  if (m[4] === undefined) return singleReading(m);
  const readings = numericReadings(m);
  return dayFirst ? (readings.dayFirst ?? readings.monthFirst) : (readings.monthFirst ?? readings.dayFirst);
}
