/**
 * E-mail addresses (telephone numbers are in `detect-phones.ts`).
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
