/**
 * The auditor: verifies a ledger (chain, signatures, head) and recomputes ε from the recorded
 * parameters with both accountants, never trusting the coordinator's `epsilonClaimed`. It flags
 * under-claimed ε (claimed below the RDP figure by more than a relative tolerance), a budget
 * exceeded (by the RDP figure, the accountant the coordinator is held to), releases whose noise was
 * not private, and mechanisms it cannot account. The verdict is 'pass' only with no failure and no
 * finding.
 */
import { requireDelta, requireInteger, requireNumberInRange, requirePositive } from '../validation';
import { recomputeLedgerEpsilon } from './epsilon';
import type { RecomputedEpsilon, RoundEpsilon, StreamEpsilon } from './epsilon';
import type { LedgerEntry } from './entry';
import { nameEntry, summariseFailures } from './failures';
import type { LedgerFailure } from './failures';
import type { LedgerHead } from './head';
import { verifyLedger } from './verify';
import type { LedgerVerification } from './verify';

/** Mechanisms the auditor can account as the Poisson-subsampled Gaussian. */
export const AUDITABLE_MECHANISMS: readonly string[] = ['gaussian-central', 'gaussian-distributed', 'gaussian-local'];

export interface AuditOptions {
  /** The coordinator's 32-byte ed25519 public key. */
  publicKey: Uint8Array;
  /** The signed head published with the run; without it, truncation at the end cannot be seen. */
  head?: LedgerHead;
  /** ε budget that each stream (central, per-client) must stay within. @default none: not checked */
  budgetEpsilon?: number;
  /** δ at which ε is reported and the budget checked, in (0, 1). @default the first entry's delta */
  delta?: number;
  /** Relative tolerance below the recomputed RDP ε before a claim counts as under-claimed. @default 1e-6 */
  claimTolerance?: number;
  /** Largest stream for which PLD ε is computed after every release. @default 50 */
  pldPerRoundLimit?: number;
}

export interface LedgerAudit extends LedgerVerification, RecomputedEpsilon {
  verdict: 'pass' | 'fail';
  /** Why the verdict is 'fail': one sentence per kind of failure or finding; empty on 'pass'. */
  reasons: string[];
  budgetEpsilon: number | null;
  /** Audit flags (UNDER_CLAIMED, BUDGET_EXCEEDED, NOT_PRIVATE, UNKNOWN_MECHANISM, EMPTY_LEDGER). */
  findings: LedgerFailure[];
}

/** Six significant digits, ∞ for Infinity. */
export function formatEpsilon(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : '∞';
}

function entryFindings(entry: LedgerEntry, round: RoundEpsilon, tolerance: number): LedgerFailure[] {
  const at = { seq: entry.seq, line: round.line };
  const name = nameEntry(entry.seq, round.line);
  const findings: LedgerFailure[] = [];
  if (!AUDITABLE_MECHANISMS.includes(entry.mechanism)) {
    findings.push({ ...at, code: 'UNKNOWN_MECHANISM', reason: `${name}: mechanism ${JSON.stringify(entry.mechanism)} is not one the auditor can account (${AUDITABLE_MECHANISMS.join(', ')}); its ε was computed as a subsampled Gaussian's, which may not bound it.` });
  }
  if (!entry.private) {
    findings.push({ ...at, code: 'NOT_PRIVATE', reason: `${name}: its noise came from a seeded, non-cryptographic generator (private: false), so this release gives no privacy.` });
  }
  if (entry.epsilonClaimed < round.epsilonRdpAtClaimDelta * (1 - tolerance)) {
    findings.push({
      ...at,
      code: 'UNDER_CLAIMED',
      reason: `${name}: claims ε ${formatEpsilon(entry.epsilonClaimed)}, but the recorded releases (this one: q ${entry.sampleRate}, σ ${entry.noiseMultiplier}) give ε ${formatEpsilon(round.epsilonRdpAtClaimDelta)} by RDP at δ ${entry.delta} (${round.stream}).`,
    });
  }
  return findings;
}

function budgetFinding(total: StreamEpsilon | null, rounds: readonly RoundEpsilon[], budget: number, delta: number): LedgerFailure | null {
  if (!total || total.epsilonRdp <= budget) return null;
  const first = rounds.find((r) => r.stream === total.stream && r.epsilonRdp > budget) as RoundEpsilon;
  return {
    seq: first.seq,
    line: first.line,
    code: 'BUDGET_EXCEEDED',
    reason: `${nameEntry(first.seq, first.line)}: the ${total.stream} ε by RDP reaches ${formatEpsilon(first.epsilonRdp)} here, over the budget ${budget} at δ ${delta}; final ε: RDP ${formatEpsilon(total.epsilonRdp)}, PLD ${formatEpsilon(total.epsilonPld)}.`,
  };
}

/** Verifies `entries` and recomputes their ε; see the module comment. Throws only on misuse. */
export function auditLedger(entries: readonly LedgerEntry[], options: AuditOptions): LedgerAudit {
  const delta = requireDelta('delta', options.delta ?? entries[0]?.delta ?? 1e-5);
  const budget = options.budgetEpsilon === undefined ? null : requirePositive('budgetEpsilon', options.budgetEpsilon);
  const tolerance = requireNumberInRange('claimTolerance', options.claimTolerance ?? 1e-6, 0, 0.5);
  const pldPerRoundLimit = requireInteger('pldPerRoundLimit', options.pldPerRoundLimit ?? 50, 0);
  const verification = verifyLedger(entries, options.publicKey, options.head);
  const epsilon = recomputeLedgerEpsilon(entries, { delta, pldPerRoundLimit });
  const findings: LedgerFailure[] = [];
  if (entries.length === 0) findings.push({ seq: null, line: null, code: 'EMPTY_LEDGER', reason: 'the ledger has no entries: there is nothing to audit.' });
  epsilon.rounds.forEach((round) => findings.push(...entryFindings(entries[round.line - 1] as LedgerEntry, round, tolerance)));
  if (budget !== null) {
    for (const total of [epsilon.central, epsilon.perClient]) {
      const finding = budgetFinding(total, epsilon.rounds, budget, delta);
      if (finding) findings.push(finding);
    }
  }
  const reasons = [...summariseFailures(verification.failures), ...summariseFailures(findings)];
  return {
    ...verification,
    ...epsilon,
    verdict: reasons.length === 0 ? 'pass' : 'fail',
    reasons,
    budgetEpsilon: budget,
    findings,
  };
}
