/**
 * Detectors for payment card numbers (Luhn-validated) and IBANs (MOD 97-10 validated).
 */
import { ibanValid, IBAN_LENGTHS, luhnValid } from './checksums';
import type { EntitySpan } from './entities';

/**
 * 13–19 digits, optionally grouped by single spaces or dashes, not glued to other digits or
 * letters. The first digit must be 2–6 (the major industry identifiers of card networks: Mastercard
 * 2-series, Amex/Diners/JCB 3, Visa 4, Mastercard/Maestro 5, Discover/UnionPay/Maestro 6).
 */
const CARD = /(?<![\w-])[2-6]\d(?:[ -]?\d){11,17}(?![\w]|-\d)/g;

export function detectCreditCards(text: string): EntitySpan[] {
  const spans: EntitySpan[] = [];
  const re = new RegExp(CARD.source, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const candidate = m[0];
    // The whole run first, then shorter runs ending at a separator (a card followed by another number).
    const ends = [candidate.length, ...[...candidate.matchAll(/[ -]/g)].map((s) => s.index).reverse()];
    const end = ends.find((e) => {
      const written = candidate.slice(0, e);
      const digits = written.replace(/[ -]/g, '');
      // Separators must be all spaces or all dashes.
      return !(/ /.test(written) && /-/.test(written)) && digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
    });
    if (end === undefined) {
      re.lastIndex = m.index + 1; // a number starting later in this run may still be a card
      continue;
    }
    spans.push({ start: m.index, end: m.index + end, type: 'CREDIT_CARD', score: 1 });
    re.lastIndex = m.index + end;
  }
  return spans;
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
    let end = -1;
    for (let i = start; i < text.length && count < 34; i++) {
      const ch = text[i] as string;
      if (ch === ' ') {
        if (!/[A-Z0-9]/.test(text[i + 1] ?? '')) break;
        continue;
      }
      if (!/[A-Z0-9]/.test(ch)) break;
      compact += ch;
      count++;
      if (/[A-Za-z0-9]/.test(text[i + 1] ?? '')) continue; // not at a word boundary
      if (registered !== undefined ? count === registered : count >= 15) {
        if (ibanValid(compact)) end = i + 1;
        if (registered !== undefined) break;
      }
    }
    if (end > 0) spans.push({ start, end, type: 'IBAN', score: 1 });
  }
  return spans;
}
