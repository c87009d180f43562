import type { DatasetSchema } from '@cohort/client';

/**
 * The masking policy a simulated device applies to a PII dataset: direct identifiers (role pii)
 * are dropped, quasi-identifiers are coarsened (ZIP to 3 digits, ages to decades, dates to the
 * year), and features, labels and the sensitive attribute are kept for encoding. Unlisted columns
 * are dropped, the safe default. The same JSON is what an organisation would pass to `cohort mask`
 * or `cohort client --policy`.
 */
export function defaultMaskingPolicy(schema: DatasetSchema): {
  default: 'drop';
  columns: Record<string, Record<string, unknown>>;
  quasiIdentifiers: string[];
} {
  const columns: Record<string, Record<string, unknown>> = {};
  const quasiIdentifiers: string[] = [];
  for (const column of schema.columns) {
    if (column.role === 'pii') {
      columns[column.name] = { operator: 'drop' };
    } else if (column.role === 'quasi-identifier') {
      quasiIdentifiers.push(column.name);
      columns[column.name] = quasiRule(column.name, column.type);
    } else {
      columns[column.name] = { operator: 'keep' };
    }
  }
  return { default: 'drop', columns, quasiIdentifiers };
}

function quasiRule(name: string, type: string): Record<string, unknown> {
  if (/zip|postcode|postal/i.test(name)) return { operator: 'generalise', kind: 'zip', digits: 3 };
  if (type === 'number' || type === 'integer') return { operator: 'generalise', kind: 'number', width: 10 };
  if (type === 'date') return { operator: 'generalise', kind: 'date', precision: 'year' };
  return { operator: 'keep' };
}
