/**
 * Detectors for e-mail addresses and telephone numbers.
 *
 * Phones are recognised in E.164-style international form (`+44 20 7946 0958`, `+14155550123`) and
 * in common national forms that use separators: North American `(555) 123-4567`, `555-123-4567`,
 * `555.123.4567`, `1-555-123-4567`, and UK-style trunk-prefixed `020 7946 0958`, `07700 900123`.
 * A bare run of digits without `+` is never a phone (it is far more often an id or an amount).
 * Every match must hold 7–15 digits (the E.164 maximum), and may carry an extension (`x123`).
 */
import { regexSpans, type EntitySpan } from './entities';

/** Local part and domain per RFC 5321's common subset; validated further below. */
const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-]|\.\w)/g;

export function detectEmails(text: string): EntitySpan[] {
  return regexSpans(text, EMAIL, 'EMAIL', (m) => {
    const local = m[0].slice(0, m[0].indexOf('@'));
    if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
    return 1;
  });
}

const EXTENSION = String.raw`(?:\s?(?:x|ext\.?)\s?\d{1,6})?`;
const PHONE_PATTERNS = [
  // International: +CC then groups separated by single spaces, dots or dashes, or one digit run.
  String.raw`\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{1,4}){1,5}`,
  // North American: optional 1, area code in parentheses or followed by a separator.
  String.raw`(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}`,
  // Trunk-prefixed national numbers with at least one space: 020 7946 0958, 07700 900123.
  String.raw`0\d{2,4} \d{3,6}(?: \d{3,4})?`,
];
// A number starting with + or ( may follow a letter ("tel:+44…", "ext(555)…"); one starting with a
// digit must not continue a word or a longer number.
const PHONE_START = String.raw`(?:(?<![\d+(])(?=[+(])|(?<![\w+.()-])(?=\d))`;
const PHONE = new RegExp(`${PHONE_START}(?:${PHONE_PATTERNS.join('|')})${EXTENSION}(?![\\w]|[.-]\\d)`, 'g');

const PHONE_EXACT = new RegExp(`^(?:${PHONE_PATTERNS.join('|')})${EXTENSION}$`);

/** The score of `written` as a whole phone number, or null. */
function phoneScore(written: string): number | null {
  if (!PHONE_EXACT.test(written)) return null;
  const main = written.replace(/\s?(?:x|ext\.?)\s?\d{1,6}$/, '');
  const digits = main.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return null;
  if (main.startsWith('0') && (digits < 10 || digits > 11)) return null; // trunk-prefixed: 0 + 9–10 digits
  return main.startsWith('+') || main.startsWith('(') ? 0.8 : 0.7;
}

export function detectPhones(text: string): EntitySpan[] {
  const spans: EntitySpan[] = [];
  const re = new RegExp(PHONE.source, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    // The longest reading first, then shorter ones ending before a separator: "07945 256075 020 …"
    // is a phone followed by another number, not one 14-digit number.
    const ends = [m[0].length, ...[...m[0].matchAll(/[ .-]/g)].map((s) => s.index).reverse()];
    let found: { end: number; score: number } | undefined;
    for (const end of ends) {
      const score = phoneScore(m[0].slice(0, end));
      if (score !== null) {
        found = { end, score };
        break;
      }
    }
    if (found === undefined) {
      re.lastIndex = m.index + 1;
      continue;
    }
    spans.push({ start: m.index, end: m.index + found.end, type: 'PHONE', score: found.score });
    re.lastIndex = m.index + found.end;
  }
  return spans;
}
