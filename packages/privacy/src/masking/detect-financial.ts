/**
 * Detectors for payment card numbers (Luhn-validated) and IBANs (MOD 97-10 validated).
 */
import { ibanValid, IBAN_LENGTHS, luhnValid } from './checksums';
import { regexSpans, type EntitySpan } from './entities';

/**
 * 13–19 digits, optionally grouped by single spaces or dashes, not glued to other digits or
 * letters. The first digit must be 2–6 (the major industry identifiers of card networks: Mastercard
 * 2-series, Amex/Diners/JCB 3, Visa 4, Mastercard/Maestro 5, Discover/UnionPay/Maestro 6).
 */
const CARD = /(?<![\w-])[2-6]\d(?:[ -]?\d){11,17}(?![\w]|-\d)/g;

export function detectCreditCards(text: string): EntitySpan[] {
  return regexSpans(text, CARD, 'CREDIT_CARD', (m) => {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) return null;
    // Separators, when present, must be all spaces or all dashes (a phone like "4-555 …" is not a card).
    if (/ /.test(m[0]) && /-/.test(m[0])) return null;
    return luhnValid(digits) ? 1 : null;
  });
}

/** Start of a candidate IBAN: a country code and two check digits at a word boundary. */
const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?=[ ]?[A-Z0-9])/g;

/**
 * IBANs written compactly (`GB82WEST12345698765432`) or in groups of four (`GB82 WEST 1234 …`).
 * For a registered country only the registered length is tried; otherwise the longest prefix
 * (15–34 characters) ending at a word boundary whose checksum holds.
 */
export function detectIbans(text: string): EntitySpan[] {
  const spans: EntitySpan[] = [];
  for (const match of text.matchAll(IBAN_START)) {
    const start = match.index;
    const country = match[0].slice(0, 2);
    const registered = IBAN_LENGTHS[country];
    let count = 0;
    let compact = '';
    let best: { end: number; score: number } | null = null;
    for (let i = start; i < text.length && count < 34; i++) {
      const ch = text[i] as string;
      if (ch === ' ') {
        if (!/[A-Z0-9]/.test(text[i + 1] ?? '') || text[i - 1] === ' ') break;
        continue;
      }
      if (!/[A-Z0-9]/.test(ch)) break;
      compact += ch;
      count++;
      const atBoundary = !/[A-Za-z0-9]/.test(text[i + 1] ?? '');
      const nextIsGroup = text[i + 1] === ' ' && count % 4 === 0;
      if (!(atBoundary || nextIsGroup)) continue;
      if (registered !== undefined ? count === registered : count >= 15) {
        if (ibanValid(compact)) best = { end: i + 1, score: 1 };
        if (registered !== undefined) break;
      }
    }
    if (best !== null) spans.push({ start, end: best.end, type: 'IBAN', score: best.score });
  }
  return spans;
}
