/**
 * Shape checks of ledger entries and heads, shared by `createLedgerEntry` and `createLedgerHead`
 * (misuse throws) and the parsers (a malformed line or head is named). Each check returns a sentence
 * naming the field and what it must be, or null when the value is fine.
 *
 * Shape is what a value must be for the auditor to read it at all (types, finite numbers, the ranges
 * the accountants accept). Whether the values make sense together — q > 0, σ > 0, an integer
 * population, an expected cohort that q × population gives — is judged by `semantics.ts`, which
 * reports an absurd entry as a failure naming it instead of refusing the whole file.
 */
import { HEX_SHA256 } from './canonical';
import type { LedgerEntry } from './entry';

export type Check = (value: unknown) => string | null;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const integerAtLeast =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? null : `an integer ≥ ${min}`;
const numberIn =
  (range: string, ok: (v: number) => boolean): Check =>
  (v) =>
    isNumber(v) && ok(v) ? null : `a finite number in ${range}`;
export const nonEmptyString: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string');
export const hexHash: Check = (v) => (typeof v === 'string' && HEX_SHA256.test(v) ? null : '64 lowercase hex digits');
export const isoTime: Check = (v) =>
  typeof v === 'string' && ISO_TIME.test(v) && Number.isFinite(Date.parse(v))
    ? null
    : 'an ISO 8601 date-time such as 2025-01-31T12:00:00.000Z';

/** Checks of the fields a caller supplies (everything but seq, prevHash, hash and signature). */
export const FIELD_CHECKS = {
  runId: nonEmptyString,
  round: integerAtLeast(0),
  attempt: integerAtLeast(1),
  time: isoTime,
  mechanism: nonEmptyString,
  sampleRate: numberIn('[0, 1]', (v) => v >= 0 && v <= 1),
  noiseMultiplier: numberIn('[0, ∞)', (v) => v >= 0),
  clipNorm: numberIn('(0, ∞)', (v) => v > 0),
  delta: numberIn('(0, 1)', (v) => v > 0 && v < 1),
  population: (v) => (isNumber(v) ? null : 'a finite number'),
  expectedCohortSize: numberIn('[0, ∞)', (v) => v >= 0),
  modelSha256: hexHash,
  epsilonClaimed: numberIn('[0, ∞)', (v) => v >= 0),
  private: (v) => (typeof v === 'boolean' ? null : 'a boolean'),
} satisfies Record<string, Check>;

/** Fields an entry may carry or omit (entries written before they existed omit them). */
export const OPTIONAL_FIELD_CHECKS = {
  updateAuthentication: (v) => (v === 'enrolled-keys' || v === 'open' ? null : "'enrolled-keys' or 'open'"),
} satisfies Record<string, Check>;

/** Checks of the derived fields, present in a stored entry. */
export const DERIVED_CHECKS = {
  seq: integerAtLeast(1),
  prevHash: hexHash,
  hash: hexHash,
  signature: (v) => (typeof v === 'string' ? null : "a base64 string ('' when unsigned)"),
} satisfies Record<string, Check>;

/** Problem with `value` as an object holding exactly the `allowed` keys, each passing its check, or null. */
export function runChecks(
  value: unknown,
  where: string,
  checks: Record<string, Check>,
  allowed: ReadonlySet<string>,
  optional: Record<string, Check> = {},
): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${where} must be a JSON object.`;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.has(key)) return `${where} has an unknown field "${key}".`;
  }
  for (const [key, check] of Object.entries(checks)) {
    if (!(key in record)) return `${where} is missing the field "${key}".`;
    const expected = check(record[key]);
    if (expected) return `${where}.${key} must be ${expected}; got ${JSON.stringify(record[key]) ?? String(record[key])}.`;
  }
  for (const [key, check] of Object.entries(optional)) {
    if (!(key in record)) continue;
    const expected = check(record[key]);
    if (expected) return `${where}.${key} must be ${expected}; got ${JSON.stringify(record[key]) ?? String(record[key])}.`;
  }
  return null;
}

const FIELD_KEYS = new Set([...Object.keys(FIELD_CHECKS), ...Object.keys(OPTIONAL_FIELD_CHECKS)]);
const ENTRY_CHECKS: Record<string, Check> = { ...DERIVED_CHECKS, ...FIELD_CHECKS };
const ENTRY_KEYS = new Set([...Object.keys(ENTRY_CHECKS), ...Object.keys(OPTIONAL_FIELD_CHECKS)]);

/** Problem with caller-supplied fields, or null. */
export function checkFields(value: unknown, where: string): string | null {
  return runChecks(value, where, FIELD_CHECKS, FIELD_KEYS, OPTIONAL_FIELD_CHECKS);
}

/** Problem with a stored entry (all fields), or null; a missing signature counts as ''. */
export function checkEntry(value: unknown, where: string): string | null {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !('signature' in value)) {
    return runChecks({ ...value, signature: '' }, where, ENTRY_CHECKS, ENTRY_KEYS, OPTIONAL_FIELD_CHECKS);
  }
  return runChecks(value, where, ENTRY_CHECKS, ENTRY_KEYS, OPTIONAL_FIELD_CHECKS);
}

/** Copies a checked entry with its keys in a fixed order (and '' for a missing signature). */
export function normaliseEntry(record: Record<string, unknown>): LedgerEntry {
  const entry = { signature: '', ...record } as LedgerEntry;
  return {
    seq: entry.seq,
    runId: entry.runId,
    round: entry.round,
    attempt: entry.attempt,
    time: entry.time,
    mechanism: entry.mechanism,
    sampleRate: entry.sampleRate,
    noiseMultiplier: entry.noiseMultiplier,
    clipNorm: entry.clipNorm,
    delta: entry.delta,
    population: entry.population,
    expectedCohortSize: entry.expectedCohortSize,
    modelSha256: entry.modelSha256,
    epsilonClaimed: entry.epsilonClaimed,
    private: entry.private,
    ...(entry.updateAuthentication !== undefined ? { updateAuthentication: entry.updateAuthentication } : {}),
    prevHash: entry.prevHash,
    hash: entry.hash,
    signature: entry.signature,
  };
}
