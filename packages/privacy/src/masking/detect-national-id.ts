/**
 * National identifiers with structural validation:
 * - US Social Security numbers `ddd-dd-dddd` (also with spaces): area not 000, 666 or 900–999,
 *   group not 00, serial not 0000 (SSA rules since 2011 randomisation).
 * - UK National Insurance numbers: two letters, six digits, a suffix A–D (`QQ 12 34 56 C` with
 *   optional spaces). The first letter is not D, F, I, Q, U or V; the second not D, F, I, O, Q, U
 *   or V; and the prefixes BG, GB, KN, NK, NT, TN and ZZ are never allocated (HMRC NIM39110).
 */
import { regexSpans, type EntitySpan } from './entities';

const SSN = /(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|-\d)/g;

export function detectUsSsns(text: string): EntitySpan[] {
  return regexSpans(text, SSN, 'US_SSN', (m) => {
    const [area, group, serial] = [m[1] as string, m[3] as string, m[4] as string];
    if (area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000') return null;
    return m[2] === '-' ? 0.85 : 0.6;
  });
}

const NINO = /(?<![\w])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?!\w)/g;
const UNALLOCATED = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

export function detectUkNinos(text: string): EntitySpan[] {
  return regexSpans(text, NINO, 'UK_NINO', (m) => (UNALLOCATED.has(m[1] as string) ? null : 0.85));
}
