/**
 * JSONL form of a ledger: one entry per line, in seq order, each line the entry's JSON object with
 * its keys in a fixed order, and a final newline. Line n holds the n-th entry, so the line numbers
 * that verification reports are line numbers of the file; blank lines are refused, except a
 * trailing newline.
 */
import { PrivacyError } from '../errors';
import type { LedgerEntry } from './entry';
import { checkEntry, normaliseEntry } from './shape';

/** The ledger as JSONL text ('' for no entries). */
export function toJsonl(entries: readonly LedgerEntry[]): string {
  return entries.map((e) => `${JSON.stringify(normaliseEntry(e as unknown as Record<string, unknown>))}\n`).join('');
}

/**
 * Parses JSONL text into entries, checking each line's shape. A malformed line throws a
 * `PrivacyError('INVALID_STATE')` whose message starts with `ledger line N:` and names the field.
 * An entry without a `signature` is kept with signature '' so that verification reports it as
 * unsigned. Only the shape is checked here; hashes, signatures and the chain are `verifyLedger`'s.
 */
export function parseLedgerJsonl(text: string): LedgerEntry[] {
  if (typeof text !== 'string') throw new PrivacyError('INVALID_ARGUMENT', 'ledger text must be a string.');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, i) => {
    const where = `ledger line ${i + 1}`;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') throw new PrivacyError('INVALID_STATE', `${where}: is empty; a ledger holds one entry per line.`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new PrivacyError('INVALID_STATE', `${where}: not valid JSON (${(cause as Error).message}).`, { cause });
    }
    const problem = checkEntry(value, 'entry');
    if (problem) {
      const seq = (value as { seq?: unknown } | null)?.seq;
      const named = typeof seq === 'number' && Number.isSafeInteger(seq) ? `${where} (seq ${seq})` : where;
      throw new PrivacyError('INVALID_STATE', `${named}: ${problem}`);
    }
    return normaliseEntry(value as Record<string, unknown>);
  });
}
