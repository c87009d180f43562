/**
 * What every privacy accountant offers: compose releases of the Poisson-subsampled Gaussian
 * (`step`), report the (ε, δ) guarantee of the composition either way round (`getEpsilon`,
 * `getDelta`), and serialise its history (`toJSON`, restored by `accountantFromJSON` or the class's
 * static `fromJSON`). `RdpAccountant` and `PldAccountant` implement it; calibration and the CLI take
 * an `Accountant` (or a factory of them) instead of branching on a method name.
 */
import type { AccountantState, GaussianStep, HistoryEntry } from './accountant-history';
import { PrivacyError } from '../errors';
import { PldAccountant } from './pld-accountant';
import type { PldAccountantOptions } from './pld-accountant';
import { RdpAccountant } from './rdp-accountant';
import type { RdpAccountantOptions } from './rdp-accountant';

/** The analyses available: Rényi DP (fast, looser) and privacy loss distributions (tighter, dearer). */
export const ACCOUNTANT_KINDS = Object.freeze(['rdp', 'pld'] as const);
export type AccountantKind = (typeof ACCOUNTANT_KINDS)[number];

export interface Accountant {
  /** The analysis, also the `kind` of the serialised state: 'rdp' or 'pld'. */
  readonly kind: AccountantKind;
  /** Composes `count` (default 1) releases of the Poisson-subsampled Gaussian; returns the accountant. */
  step(step: GaussianStep, count?: number): this;
  /** The smallest ε such that the composition so far is (ε, δ)-DP (an upper bound; ∞ without noise). */
  getEpsilon(delta: number): number;
  /** The smallest δ such that the composition so far is (ε, δ)-DP (an upper bound). */
  getDelta(epsilon: number): number;
  /** The releases composed so far (consecutive identical releases merged). */
  readonly history: readonly Readonly<HistoryEntry>[];
  /** The options and history, enough to rebuild the accountant with `accountantFromJSON`. */
  toJSON(): AccountantState<AccountantKind, object>;
}

/** Options of each kind of accountant. */
export interface AccountantOptionsByKind {
  rdp: RdpAccountantOptions;
  pld: PldAccountantOptions;
}

/** A fresh accountant of the given kind. */
export function createAccountant<K extends AccountantKind>(kind: K, options?: AccountantOptionsByKind[K]): Accountant {
  switch (kind) {
    case 'rdp':
      return new RdpAccountant(options as RdpAccountantOptions | undefined);
    case 'pld':
      return new PldAccountant(options as PldAccountantOptions | undefined);
    default:
      throw new PrivacyError(
        'INVALID_ARGUMENT',
        `accountant kind must be one of ${ACCOUNTANT_KINDS.join(', ')}; got ${JSON.stringify(kind)}.`,
      );
  }
}

/** Rebuilds an accountant of either kind from `toJSON()` output (dispatching on `state.kind`). */
export function accountantFromJSON(state: unknown): Accountant {
  const kind = typeof state === 'object' && state !== null ? (state as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'rdp':
      return RdpAccountant.fromJSON(state);
    case 'pld':
      return PldAccountant.fromJSON(state);
    default:
      throw new PrivacyError(
        'INVALID_STATE',
        `cannot restore an accountant: state.kind must be one of ${ACCOUNTANT_KINDS.join(', ')}; got ${JSON.stringify(kind)}.`,
      );
  }
}
