/**
 * National identifiers with structural validation, and context words that raise a weak pattern
 * (the approach of Microsoft Presidio's `LemmaContextAwareEnhancer`):
 *
 * - US Social Security numbers: area not 000, 666 or 900–999, group not 00, serial not 0000 (SSA
 *   rules since the 2011 randomisation). `ddd-dd-dddd` scores 0.85, `ddd dd dddd` 0.6; nine digits
 *   without separators count only after a context word (`SSN`, `social security`, `SS#`…) within
 *   40 characters, at 0.9. A context word raises the separated forms to 0.95.
 * - UK National Insurance numbers, in any case: two letters, six digits, a suffix A–D (`QQ 12 34
 *   56 C`, `qq123456c`, optional spaces). The first letter is not D, F, I, Q, U or V; the second
 *   not D, F, I, O, Q, U or V; and the prefixes BG, GB, KN, NK, NT, TN and ZZ are never allocated
 *   (HMRC NIM39110). Upper case 0.85, any other case 0.7, 0.95 after a context word (`NI number`,
 *   `National Insurance`, `NINO`).
 */
import { regexSpans, type EntitySpan } from './entities';

const SSN = /(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w]|-\d)/g;
const SSN_CONTEXT = /(?:\bssn|\bss#|\bsocial[ -]security|\bsoc\.? ?sec|\bsocial ?sec)\b[^.;\n]{0,40}$/i;

export function detectUsSsns(text: string): EntitySpan[] {
  return regexSpans(text, SSN, 'US_SSN', (m) => {
    const [area, separator, group, serial] = [m[1] as string, m[2] as string, m[3] as string, m[4] as string];
    if (area === '000' || area === '666' || area.startsWith('9') || group === '00' || serial === '0000') return null;
    const context = SSN_CONTEXT.test(text.slice(Math.max(0, m.index - 48), m.index));
    if (separator === '') return context ? 0.9 : null;
    if (context) return 0.95;
    return separator === '-' ? 0.85 : 0.6;
  });
}

const NINO = /(?<![\p{L}\p{N}])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![\p{L}\p{N}])/giu;
const UNALLOCATED = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);
const NINO_CONTEXT = /(?:\bnino\b|\bni\b ?(?:no|number|#)|national insurance)[^.;\n]{0,40}$/i;

export function detectUkNinos(text: string): EntitySpan[] {
  return regexSpans(text, NINO, 'UK_NINO', (m) => {
    if (UNALLOCATED.has((m[1] as string).toUpperCase())) return null;
    if (NINO_CONTEXT.test(text.slice(Math.max(0, m.index - 48), m.index))) return 0.95;
    return m[0] === m[0].toUpperCase() ? 0.85 : 0.7;
  });
}
