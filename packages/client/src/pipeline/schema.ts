/**
 * The dataset schema: a JSON document that every client of a federation shares, describing each
 * column of the local data: its value type, its privacy role, and for categories the fixed
 * vocabulary, so every client one-hot encodes identically (client A's "car" is client B's "car").
 *
 * ```json
 * { "version": 1, "name": "loans", "columns": [
 *   { "name": "email", "type": "string", "role": "pii" },
 *   { "name": "zip_code", "type": "string", "role": "quasi-identifier" },
 *   { "name": "group", "type": "category", "role": "sensitive", "categories": ["A", "B"] },
 *   { "name": "income", "type": "number", "role": "feature", "required": true },
 *   { "name": "purpose", "type": "category", "role": "feature", "categories": ["car", "home"] },
 *   { "name": "default", "type": "category", "role": "label", "classes": ["no", "yes"] } ] }
 * ```
 *
 * Only columns with role `feature` become model inputs; a quasi-identifier or sensitive column may
 * opt in with `asFeature: true` (encoded from its masked value). A pii column never may: the
 * pipeline refuses such a schema with `UNMASKED_PII`.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DataError } from '../data/data-error';

export const COLUMN_TYPES = ['string', 'number', 'integer', 'date', 'category', 'text'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const COLUMN_ROLES = ['pii', 'quasi-identifier', 'sensitive', 'feature', 'label'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];

/** Types a model input can have; `string` and `text` have no shared encoding. */
export const FEATURE_TYPES = ['number', 'integer', 'date', 'category'] as const satisfies readonly ColumnType[];
/** Types a label can have; its values are mapped to class ids by `classes`. */
export const LABEL_TYPES = ['category', 'string', 'integer'] as const satisfies readonly ColumnType[];

export interface ColumnSchema {
  /** The column's name, as in the CSV header or the JSON-lines keys. */
  name: string;
  /** `date` values are ISO 8601 calendar dates (`YYYY-MM-DD`, optionally with a time). */
  type: ColumnType;
  role: ColumnRole;
  /**
   * `category` columns only: the fixed vocabulary, in one-hot order. Required when the column is a
   * feature or sensitive; a value outside it is a validation error.
   */
  categories?: string[];
  /** An empty value is a validation error rather than imputed, dropped or left missing. @default false */
  required?: boolean;
  /** The label only: class names, `classes[i]` is class id `i`. At least two. */
  classes?: string[];
  /** A quasi-identifier or sensitive column: also encode its masked value as a model input. @default false */
  asFeature?: boolean;
  description?: string;
}

export interface DatasetSchema {
  /** The schema format version. */
  version: 1;
  name?: string;
  description?: string;
  columns: ColumnSchema[];
}

const vocabulary = (min: number) =>
  z
    .array(z.string().min(1, 'must not contain empty strings'))
    .min(min, `must list at least ${min} value${min === 1 ? '' : 's'}`)
    .refine((list) => new Set(list).size === list.length, 'must not list a value twice');

const columnSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'must be a non-empty string'),
    type: z.enum(COLUMN_TYPES),
    role: z.enum(COLUMN_ROLES),
    categories: vocabulary(1).optional(),
    required: z.boolean().optional(),
    classes: vocabulary(2).optional(),
    asFeature: z.boolean().optional(),
    description: z.string().optional(),
  })
  .superRefine((column, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (column.categories !== undefined && column.type !== 'category') {
      issue('categories', `only category columns take categories; this column is a ${column.type}`);
    }
    if (column.classes !== undefined && column.role !== 'label') issue('classes', 'only the label takes classes');
    if (column.asFeature === true && (column.role === 'feature' || column.role === 'label')) {
      issue('asFeature', `asFeature is for quasi-identifier, sensitive (or pii, refused later) columns, not a ${column.role}`);
    }
    if (isFeature(column) && !(FEATURE_TYPES as readonly string[]).includes(column.type)) {
      issue('type', `a feature must be one of ${FEATURE_TYPES.join(', ')}; ${column.type} values have no shared encoding`);
    }
    if ((isFeature(column) || column.role === 'sensitive') && column.type === 'category' && column.categories === undefined) {
      issue('categories', 'a category feature or sensitive column needs its categories, so every client encodes alike');
    }
    if (column.role === 'sensitive' && column.type !== 'category') {
      issue('type', 'a sensitive column defines fairness groups, so it must be a category with categories');
    }
    if (column.role === 'label') {
      if (!(LABEL_TYPES as readonly string[]).includes(column.type)) {
        issue('type', `a label must be one of ${LABEL_TYPES.join(', ')}`);
      }
      if (column.classes === undefined) issue('classes', 'the label needs its classes, in class-id order');
      if (column.categories !== undefined) issue('categories', 'the label lists its values as classes, not categories');
    }
  });

const datasetSchema = z
  .strictObject({
    version: z.literal(1).optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    columns: z.array(columnSchema).min(1, 'must list at least one column'),
  })
  .superRefine((schema, ctx) => {
    const seen = new Set<string>();
    schema.columns.forEach((column, i) => {
      if (seen.has(column.name)) {
        ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: 'is declared twice' });
      }
      seen.add(column.name);
    });
    const labels = schema.columns.filter((c) => c.role === 'label').length;
    if (labels !== 1) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: `must declare exactly one label column; found ${labels}` });
    }
  });

/**
 * Validates a parsed JSON value as a dataset schema. Throws `DataError('INVALID_SCHEMA')` whose
 * message lists every problem found, each naming its column, e.g.
 * `column "purpose" (columns[4]) categories: must not list a value twice`.
 */
export function parseSchema(input: unknown, source = 'schema'): DatasetSchema {
  const result = datasetSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(input, issue.path, issue.message));
    const firstColumn = result.error.issues.map((issue) => columnNameAt(input, issue.path)).find((n) => n !== undefined);
    throw new DataError('INVALID_SCHEMA', `${source} is not a valid dataset schema: ${problems.join('; ')}.`, {
      cause: result.error,
      ...(firstColumn === undefined ? {} : { column: firstColumn }),
    });
  }
  const { version: _version, ...rest } = result.data;
  return { version: 1, ...rest };
}

/** Reads and validates a schema file (JSON); see {@link parseSchema}. */
export async function loadSchema(path: string): Promise<DatasetSchema> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new DataError('FILE_UNREADABLE', `Could not read the schema file ${path}.`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DataError('INVALID_SCHEMA', `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseSchema(json, path);
}

/** The schema as a JSON document (two-space indent, trailing newline), ready to write to a file. */
export function schemaToJson(schema: DatasetSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** True if the column is encoded as a model input: role `feature`, or `asFeature` set. */
export function isFeature(column: Pick<ColumnSchema, 'role' | 'asFeature'>): boolean {
  return column.role === 'feature' || column.asFeature === true;
}

/** The schema's single label column (guaranteed by {@link parseSchema}). */
export function labelColumn(schema: DatasetSchema): ColumnSchema & { classes: string[] } {
  const label = schema.columns.find((c) => c.role === 'label');
  if (label?.classes === undefined) {
    throw new DataError('INVALID_SCHEMA', 'The schema has no label column with classes; run it through parseSchema.');
  }
  return label as ColumnSchema & { classes: string[] };
}

function columnNameAt(input: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'columns' || typeof path[1] !== 'number') return undefined;
  const columns = (input as { columns?: unknown } | null)?.columns;
  const name = Array.isArray(columns) ? (columns[path[1]] as { name?: unknown } | null)?.name : undefined;
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
}

function describeIssue(input: unknown, path: readonly PropertyKey[], message: string): string {
  if (path[0] === 'columns' && typeof path[1] === 'number') {
    const name = columnNameAt(input, path);
    const who = name === undefined ? `column ${path[1] + 1}` : `column "${name}"`;
    const field = path.slice(2).map(String).join('.');
    return `${who} (columns[${path[1]}])${field === '' ? '' : ` ${field}`}: ${message}`;
  }
  return `${path.length === 0 ? 'the document' : path.map(String).join('.')}: ${message}`;
}
