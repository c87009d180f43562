/**
 * Writes string records as CSV per RFC 4180: CRLF line ends, and a field is quoted (with inner
 * quotes doubled) when it holds a comma, a double quote, a CR or an LF. Free-text notes hold all
 * of these, so this is not optional.
 */

/** One CSV field, quoted only when it has to be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A header row of `columns` then one row per record (missing keys as empty fields), CRLF-terminated. */
export function toCsv(columns: readonly string[], records: readonly Readonly<Record<string, string>>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const record of records) lines.push(columns.map((name) => csvField(record[name] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
