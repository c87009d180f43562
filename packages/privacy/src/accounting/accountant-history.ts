/**
 * The serialisable history shared by the accountants: an ordered list of Poisson-subsampled
 * Gaussian releases, each `{ noiseMultiplier, sampleRate, count }`, with consecutive identical
 * releases merged. Both accountants recompute everything from this list, so a saved state can be
 * audited by replaying it into a fresh accountant.
 */
import { PrivacyError } from '../errors';
import { requireInteger, requireNonNegative, requireNumberInRange } from '../validation';

/** One release of the Poisson-subsampled Gaussian mechanism. */
export interface GaussianStep {
  /** σ: noise standard deviation divided by the L2 sensitivity (the clip norm); ≥ 0, 0 = no privacy. */
  noiseMultiplier: number;
  /** q: probability that a given client (or record) takes part, in [0, 1]. */
  sampleRate: number;
}

/** `count` consecutive releases with the same parameters. */
export interface HistoryEntry extends GaussianStep {
  /** Number of releases, an integer ≥ 1. */
  count: number;
}

/** Serialised accountant: the history plus the options needed to reproduce the figures. */
export interface AccountantState<Kind extends string, Options> {
  kind: Kind;
  version: 1;
  options: Options;
  history: HistoryEntry[];
}

/** Validates one step and its count; the messages name the field and its range. */
export function validateStep(step: GaussianStep, count: number, where = 'step'): HistoryEntry {
  if (typeof step !== 'object' || step === null) {
    throw new PrivacyError('INVALID_ARGUMENT', `${where} must be an object { noiseMultiplier, sampleRate }.`);
  }
  return {
    noiseMultiplier: requireNonNegative(`${where}.noiseMultiplier`, step.noiseMultiplier),
    sampleRate: requireNumberInRange(`${where}.sampleRate`, step.sampleRate, 0, 1),
    count: requireInteger(`${where === 'step' ? 'count' : `${where}.count`}`, count, 1),
  };
}

/** Appends an entry, merging it into the last one when the parameters are identical. */
export function appendEntry(history: HistoryEntry[], entry: HistoryEntry): void {
  const last = history[history.length - 1];
  if (last && last.noiseMultiplier === entry.noiseMultiplier && last.sampleRate === entry.sampleRate) {
    last.count += entry.count;
  } else {
    history.push({ ...entry });
  }
}

/** Checks the envelope of a serialised state and returns its validated history and options object. */
export function parseState(state: unknown, kind: string): { options: Record<string, unknown>; history: HistoryEntry[] } {
  const fail = (why: string): never => {
    throw new PrivacyError('INVALID_STATE', `cannot restore a ${kind} accountant: ${why}`);
  };
  if (typeof state !== 'object' || state === null) return fail('state must be an object.');
  const s = state as Record<string, unknown>;
  if (s['kind'] !== kind) fail(`state.kind must be '${kind}'; got ${JSON.stringify(s['kind'])}.`);
  if (s['version'] !== 1) fail(`state.version must be 1; got ${JSON.stringify(s['version'])}.`);
  const options = s['options'];
  if (typeof options !== 'object' || options === null) return fail('state.options must be an object.');
  if (!Array.isArray(s['history'])) return fail('state.history must be an array.');
  const history: HistoryEntry[] = [];
  (s['history'] as unknown[]).forEach((raw, i) => {
    try {
      const e = raw as HistoryEntry;
      appendEntry(history, validateStep(e, e?.count, `history[${i}]`));
    } catch (cause) {
      fail(`state.history[${i}] is invalid (${(cause as Error).message})`);
    }
  });
  return { options: options as Record<string, unknown>, history };
}
