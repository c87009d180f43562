/**
 * The masking policy: which operator each column goes through, what happens to columns the policy
 * does not list, and the k-anonymity requirement. Parsed from JSON and validated in full; every
 * problem is reported at once, each naming its column and operator.
 *
 * ```json
 * {
 *   "default": "drop",
 *   "columns": {
 *     "email":  { "operator": "pseudonymise", "prefix": "em_" },
 *     "notes":  { "operator": "scan", "phoneRegions": ["DE", "AT", "CH"] },
 *     "age":    { "operator": "generalise", "kind": "number", "width": 10 },
 *     "zip":    { "operator": "generalise", "kind": "zip", "digits": 3 },
 *     "card":   { "operator": "mask", "keepLast": 4 },
 *     "label":  "keep"
 *   },
 *   "quasiIdentifiers": ["age", "zip"],
 *   "k": 5
 * }
 * ```
 * A column's rule is an object with an `operator`, or just the operator's name when its
 * parameters all have defaults (every operator except `replace` and `generalise`).
 */
import { z } from 'zod';
import { isPhoneRegion } from './detect-phones';
import { ENTITY_TYPES } from './entities';
import { PrivacyError } from '../errors';

const text = z.string().min(1).max(256);
const RULES = {
  /** The column is removed from the output. */
  drop: z.strictObject({ operator: z.literal('drop') }),
  /** The value is passed through unchanged (for non-personal features). */
  keep: z.strictObject({ operator: z.literal('keep') }),
  /** Every value becomes the same fixed string. */
  redact: z.strictObject({ operator: z.literal('redact'), replacement: z.string().max(256).default('[REDACTED]') }),
  /** Every value becomes a type tag such as `<EMAIL>`. */
  replace: z.strictObject({ operator: z.literal('replace'), tag: text }),
  /** Characters are replaced by `char`, except the last `keepLast` (and separators if asked). */
  mask: z.strictObject({
    operator: z.literal('mask'),
    keepLast: z.int().min(0).max(64).default(4),
    char: z.string().length(1).default('*'),
    keepSeparators: z.boolean().default(false),
  }),
  /** `prefix` + the first `length` hex digits of HMAC-SHA256(device key, value). */
  pseudonymise: z.strictObject({
    operator: z.literal('pseudonymise'),
    prefix: z.string().max(32).default('ps_'),
    length: z.int().min(8).max(64).default(16),
    normalise: z.enum(['none', 'trim', 'lowercase']).default('none'),
  }),
  /** A coarser value: a numeric bucket, a year or year-month, or a ZIP-code prefix. */
  generalise: z.discriminatedUnion('kind', [
    z.strictObject({ operator: z.literal('generalise'), kind: z.literal('number'), width: z.int().min(1), max: z.number().optional() }),
    z.strictObject({
      operator: z.literal('generalise'),
      kind: z.literal('date'),
      precision: z.enum(['year', 'year-month']).default('year'),
      dayFirst: z.boolean().default(false),
    }),
    z.strictObject({ operator: z.literal('generalise'), kind: z.literal('zip'), digits: z.int().min(1).max(10) }),
  ]),
  /** A random token from a CSPRNG, the same for equal values within one masking session. */
  tokenise: z.strictObject({ operator: z.literal('tokenise'), prefix: z.string().max(32).default('tok_') }),
  /**
   * Free text: each detected entity is replaced by its type tag. `phoneRegions` lists the regions
   * (ISO 3166-1 alpha-2) whose national phone formats to expect (default: `DEFAULT_PHONE_REGIONS`).
   */
  scan: z.strictObject({
    operator: z.literal('scan'),
    entities: z.array(z.enum(ENTITY_TYPES)).min(1).optional(),
    minScore: z.number().min(0).max(1).default(0),
    phoneRegions: z
      .array(z.string().refine(isPhoneRegion, { message: 'must be an ISO 3166-1 alpha-2 region code with a numbering plan, e.g. "DE"' }))
      .min(1)
      .optional(),
  }),
};

export type MaskingOperator = keyof typeof RULES;
export const MASKING_OPERATORS = Object.keys(RULES) as readonly MaskingOperator[];
export type ColumnRule = { [K in MaskingOperator]: z.output<(typeof RULES)[K]> }[MaskingOperator];
export type RuleOf<K extends MaskingOperator> = Extract<ColumnRule, { operator: K }>;

export interface MaskingPolicy {
  /** Operator for columns the policy does not list: `drop` (the safe default) or `keep`. */
  defaultOperator: 'drop' | 'keep';
  columns: Record<string, ColumnRule>;
  /** Columns whose combination could re-identify a person; checked for k-anonymity after masking. */
  quasiIdentifiers: string[];
  /** Minimum equivalence-class size over the quasi-identifiers; smaller classes are suppressed. */
  k?: number;
  /** Names the `scan` operator recognises besides the built-in dictionary. */
  extraNames?: { firstNames?: string[]; surnames?: string[] };
}

const TOP = z.strictObject({
  version: z.literal(1).optional(),
  default: z.enum(['drop', 'keep']).default('drop'),
  columns: z.record(z.string().min(1), z.unknown()),
  quasiIdentifiers: z.array(z.string().min(1)).default([]),
  k: z.int().min(1).optional(),
  extraNames: z.strictObject({ firstNames: z.array(text).optional(), surnames: z.array(text).optional() }).optional(),
});

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** One zod issue as a sentence fragment naming where it is, the field, the rule and the value. */
function describe(issue: z.core.$ZodIssue, where: string, input: unknown): string {
  const field = issue.path.length > 0 ? ` "${issue.path.join('.')}"` : '';
  const value = valueAt(input, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) return `${where}:${field} is required`;
  const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  const got = issue.code === 'unrecognized_keys' ? '' : `; got ${JSON.stringify(value) ?? String(value)}`;
  return `${where}:${field}${field ? ':' : ''} ${message}${got}`;
}

function parseRule(column: string, spec: unknown, problems: string[]): ColumnRule | undefined {
  const raw = typeof spec === 'string' ? { operator: spec } : spec;
  const operator = (raw as { operator?: unknown } | null)?.operator;
  if (typeof operator !== 'string' || !(operator in RULES)) {
    const got = operator === undefined ? 'no operator' : `operator ${JSON.stringify(operator)}`;
    problems.push(`column "${column}": ${got}; expected one of ${MASKING_OPERATORS.join(', ')}`);
    return undefined;
  }
  const result = RULES[operator as MaskingOperator].safeParse(raw);
  if (result.success) return result.data;
  for (const issue of result.error.issues) problems.push(describe(issue, `column "${column}" (${operator})`, raw));
  return undefined;
}

/**
 * A validated policy from JSON text or an already-parsed object. Throws a `PrivacyError`
 * (`INVALID_ARGUMENT`) listing every problem found.
 */
export function parseMaskingPolicy(json: unknown): MaskingPolicy {
  let input = json;
  if (typeof json === 'string') {
    try {
      input = JSON.parse(json);
    } catch (cause) {
      throw new PrivacyError('INVALID_ARGUMENT', `masking policy is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  const top = TOP.safeParse(input);
  if (!top.success) {
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `invalid masking policy: ${top.error.issues.map((i) => describe(i, 'policy', input)).join('; ')}.`,
    );
  }
  const problems: string[] = [];
  const columns: Record<string, ColumnRule> = {};
  for (const [column, spec] of Object.entries(top.data.columns)) {
    const rule = parseRule(column, spec, problems);
    if (rule !== undefined) columns[column] = rule;
  }
  const { quasiIdentifiers, k } = top.data;
  for (const qi of new Set(quasiIdentifiers)) {
    const operator = top.data.columns[qi] === undefined ? top.data.default : columns[qi]?.operator;
    if (operator === 'drop') {
      problems.push(
        `quasi-identifier "${qi}" is dropped (${top.data.columns[qi] === undefined ? 'unlisted, and the default is drop' : 'operator drop'}); list it with the operator that generalises it`,
      );
    }
  }
  if (k !== undefined && k > 1 && quasiIdentifiers.length === 0) problems.push(`"k" is ${k} but no "quasiIdentifiers" are declared`);
  if (problems.length > 0) {
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `invalid masking policy (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}.`,
    );
  }
  return {
    defaultOperator: top.data.default,
    columns,
    quasiIdentifiers: [...new Set(quasiIdentifiers)],
    ...(k !== undefined ? { k } : {}),
    ...(top.data.extraNames !== undefined ? { extraNames: top.data.extraNames } : {}),
  };
}
