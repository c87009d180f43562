/**
 * The `generalise` operator: a value replaced by a coarser one that many people share.
 *
 * - `number`: a bucket of `width` — with width 10, `34` and `34.9` become `30-39` (the bucket
 *   covering 30 ≤ x < 40; width 1 gives the integer part). With `max`, values ≥ max become `max+`
 *   (top-coding, so the oldest or richest few do not stand out).
 * - `date`: the year (`1987`) or year and month (`1987-04`), from any form `parseDate` reads.
 * - `zip`: the first `digits` digits followed by `*` (`94107` → `941*`).
 *
 * A value that cannot be read (not a number, not a date, too few digits) becomes `*`, the
 * coarsest generalisation, and is counted as unparseable in the report: failing open would leak it.
 */
import { parseDate } from './detect-dates';
import type { RuleOf } from './policy';

/** What a value that cannot be read becomes. */
export const UNPARSEABLE = '*';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function numberBucket(value: number, width: number, max: number | undefined): string {
  if (max !== undefined && value >= max) return `${max}+`;
  const low = Math.floor(value / width) * width;
  const high = low + width - 1;
  const bucket = width === 1 ? String(low) : `${low}-${high}`;
  // A bucket that straddles max is cut at it, so no label reaches into the top-coded range.
  return max !== undefined && high >= max && width > 1 ? `${low}-${Math.ceil(max) - 1}` : bucket;
}

/** The generalised form of `value`, or null when it cannot be read. */
export function generalise(value: string, rule: RuleOf<'generalise'>): string | null {
  const text = value.trim();
  switch (rule.kind) {
    case 'number': {
      const x = NUMBER.test(text) ? Number(text) : Number.NaN;
      return Number.isFinite(x) ? numberBucket(x, rule.width, rule.max) : null;
    }
    case 'date': {
      const date = parseDate(text, { dayFirst: rule.dayFirst });
      if (date === null) return null;
      return rule.precision === 'year' ? String(date.year) : `${date.year}-${String(date.month).padStart(2, '0')}`;
    }
    case 'zip': {
      // US ZIP / ZIP+4 and other all-digit postal codes: digits with an optional dash or space.
      if (!/^\d[\d -]*$/.test(text)) return null;
      const digits = text.replace(/[ -]/g, '');
      return digits.length >= rule.digits ? `${digits.slice(0, rule.digits)}*` : null;
    }
  }
}
