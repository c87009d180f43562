/**
 * The auditor: verifies a ledger (chain, signatures, head), checks it against what the auditor was
 * told to expect (key fingerprint, run, released model), judges whether each entry makes sense
 * (`semantics.ts`), and recomputes ε from the recorded parameters with both accountants, never
 * trusting the coordinator's `epsilonClaimed`.
 *
 * The ledger may hold several runs of one coordinator: the budget is the federation's, so ε is
 * recomputed over every release of every run (`total`), and the budget checked against that
 * combined RDP figure (the accountant the coordinator is held to). It flags under-claimed ε
 * (claimed below the combined RDP figure by more than a relative tolerance), a budget exceeded,
 * releases whose noise was not private, and mechanisms it cannot account. The verdict is 'pass' only
 * with no failure and no finding.
 */
import { requireDelta, requireInteger, requireNumberInRange, requirePositive } from '../validation';
import { recomputeLedgerEpsilon } from './epsilon';
import type { RecomputedEpsilon, RoundEpsilon, StreamEpsilon } from './epsilon';
import type { LedgerEntry } from './entry';
import { checkKeyFingerprint, checkRunAndModel } from './expectations';
import type { Expectations } from './expectations';
import { nameEntry, summariseFailures } from './failures';
import type { LedgerFailure } from './failures';
import type { LedgerHead } from './head';
import { publicKeyFingerprint } from './keys';
import { checkSemantics } from './semantics';
import { verifyLedger } from './verify';
import type { LedgerVerification } from './verify';

/** Mechanisms the auditor can account as the Poisson-subsampled Gaussian. */
export const AUDITABLE_MECHANISMS: readonly string[] = ['gaussian-central', 'gaussian-distributed', 'gaussian-local'];

export interface AuditOptions extends Expectations {
  /** The coordinator's 32-byte ed25519 public key. */
  publicKey: Uint8Array;
  /** The signed head published with the run; without it, truncation at the end cannot be seen. */
  head?: LedgerHead;
  /** Accept a head signed while its run was still running; otherwise it is TRUNCATED. @default false */
  allowRunningHead?: boolean;
  /** ε budget that the combined ε (every release of every run) must stay within.
   * @default the signed head's budgetEpsilon; none (not checked) without a head or when it is null */
  budgetEpsilon?: number;
  /** δ at which ε is reported and the budget checked, in (0, 1). @default the first entry's delta */
  delta?: number;
  /** Relative tolerance below the recomputed RDP ε before a claim counts as under-claimed. @default 1e-6 */
  claimTolerance?: number;
  /** Largest ledger for which the combined PLD ε is computed after every release. @default 50 */
  pldPerRoundLimit?: number;
  /**
   * Every release must record `updateAuthentication: 'enrolled-keys'` (only enrolled devices could
   * join, and every update was verified against its device's key); others are UNAUTHENTICATED_UPDATES.
   * @default false
   */
  requireEnrolledKeys?: boolean;
}

export interface LedgerAudit extends LedgerVerification, RecomputedEpsilon {
  verdict: 'pass' | 'fail';
  /** Why the verdict is 'fail': one sentence per kind of failure or finding; empty on 'pass'. */
  reasons: string[];
  /** The budget checked (given, or the signed head's), or null when none was. */
  budgetEpsilon: number | null;
  /** `SHA256:…` fingerprint of the public key the ledger was verified under. */
  keyFingerprint: string;
  /** The runs the ledger covers, in order. */
  runs: string[];
  /** Findings about what the signed entries say: semantics (see `semantics.ts`), UNDER_CLAIMED,
   * BUDGET_EXCEEDED, NOT_PRIVATE, UNKNOWN_MECHANISM, EMPTY_LEDGER. */
  findings: LedgerFailure[];
  /** How many releases record their updates as authenticated by enrolled keys, in open mode, or say nothing. */
  updateAuthentication: { enrolledKeys: number; open: number; unrecorded: number };
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
    findings.push({
      ...at,
      code: 'UNKNOWN_MECHANISM',
      reason: `${name}: mechanism ${JSON.stringify(entry.mechanism)} is not one the auditor can account (${AUDITABLE_MECHANISMS.join(', ')}); its ε was computed as a subsampled Gaussian's, which may not bound it.`,
    });
  }
  if (!entry.private) {
    findings.push({
      ...at,
      code: 'NOT_PRIVATE',
      reason: `${name}: its noise came from a seeded stream (private: false), AES-256-CTR keyed by SHA-256 of a seed: a cryptographic stream, but reproducible by anyone who knows the seed, who can regenerate the noise and subtract it, so this release gives no privacy.`,
    });
  }
  if (entry.epsilonClaimed < round.epsilonRdpAtClaimDelta * (1 - tolerance)) {
    findings.push({
      ...at,
      code: 'UNDER_CLAIMED',
      reason: `${name}: claims ε ${formatEpsilon(entry.epsilonClaimed)}, but the recorded releases (this one: q ${entry.sampleRate}, σ ${entry.noiseMultiplier}) give ε ${formatEpsilon(round.epsilonRdpAtClaimDelta)} by RDP at δ ${entry.delta} (every release so far, of every run, composed).`,
    });
  }
  return findings;
}

function budgetFinding(total: StreamEpsilon | null, rounds: readonly RoundEpsilon[], budget: number, delta: number): LedgerFailure | null {
  if (!total || total.epsilonRdp <= budget) return null;
  const first = rounds.find((r) => r.epsilonRdp > budget) as RoundEpsilon;
  return {
    seq: first.seq,
    line: first.line,
    code: 'BUDGET_EXCEEDED',
    reason: `${nameEntry(first.seq, first.line)}: the combined ε by RDP (every release of every run so far) reaches ${formatEpsilon(first.epsilonRdp)} here, over the budget ${budget} at δ ${delta}; final ε: RDP ${formatEpsilon(total.epsilonRdp)}, PLD ${formatEpsilon(total.epsilonPld)}.`,
  };
}

/** Verifies `entries`, checks the expectations and recomputes ε; see the module comment. Throws only on misuse. */
export function auditLedger(entries: readonly LedgerEntry[], options: AuditOptions): LedgerAudit {
  const delta = requireDelta('delta', options.delta ?? entries[0]?.delta ?? 1e-5);
  const givenBudget = options.budgetEpsilon ?? options.head?.budgetEpsilon ?? null;
  const budget = givenBudget === null ? null : requirePositive('budgetEpsilon', givenBudget);
  const tolerance = requireNumberInRange('claimTolerance', options.claimTolerance ?? 1e-6, 0, 0.5);
  const pldPerRoundLimit = requireInteger('pldPerRoundLimit', options.pldPerRoundLimit ?? 50, 0);
  const verification = verifyLedger(entries, options.publicKey, options.head, { allowRunningHead: options.allowRunningHead ?? false });
  const keyFingerprint = publicKeyFingerprint(options.publicKey);
  const failures = [
    ...checkKeyFingerprint(keyFingerprint, options.expectKeyFingerprint),
    ...verification.failures,
    ...checkRunAndModel(entries, options.head, options),
  ];
  const epsilon = recomputeLedgerEpsilon(entries, { delta, pldPerRoundLimit });
  const findings: LedgerFailure[] = [];
  if (entries.length === 0)
    findings.push({ seq: null, line: null, code: 'EMPTY_LEDGER', reason: 'the ledger has no entries: there is nothing to audit.' });
  findings.push(...checkSemantics(entries));
  epsilon.rounds.forEach((round) => findings.push(...entryFindings(entries[round.line - 1] as LedgerEntry, round, tolerance)));
  if (options.requireEnrolledKeys) {
    entries.forEach((entry, i) => {
      if (entry.updateAuthentication === 'enrolled-keys') return;
      const how =
        entry.updateAuthentication === 'open'
          ? 'came from an open coordinator (any client could join)'
          : 'does not record how its updates were authenticated';
      findings.push({ seq: entry.seq, line: i + 1, code: 'UNAUTHENTICATED_UPDATES', reason: `${nameEntry(entry.seq, i + 1)}: ${how}.` });
    });
  }
  const budgetProblem = budget === null ? null : budgetFinding(epsilon.total, epsilon.rounds, budget, delta);
  if (budgetProblem) findings.push(budgetProblem);
  const reasons = [...summariseFailures(failures), ...summariseFailures(findings)];
  return {
    ok: failures.length === 0,
    entries: entries.length,
    failures,
    ...epsilon,
    verdict: reasons.length === 0 ? 'pass' : 'fail',
    reasons,
    budgetEpsilon: budget,
    keyFingerprint,
    runs: [...new Set(entries.map((e) => e.runId))],
    findings,
    updateAuthentication: {
      enrolledKeys: entries.filter((e) => e.updateAuthentication === 'enrolled-keys').length,
      open: entries.filter((e) => e.updateAuthentication === 'open').length,
      unrecorded: entries.filter((e) => e.updateAuthentication === undefined).length,
    },
  };
}
