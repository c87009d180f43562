import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditLedger, createLedgerEntry, generateSigningKeyPair, PldAccountant, RdpAccountant, toJsonl, parseLedgerJsonl } from '@cohort/privacy';
import type { LedgerEntry, LedgerFields } from '@cohort/privacy';
import { relativeError } from './reference-data';

const coordinator = generateSigningKeyPair();
const DELTA = 1e-5;

type Release = Partial<LedgerFields> & { sampleRate: number; noiseMultiplier: number };

/**
 * A ledger whose coordinator claims, by default, the RDP ε of its stream as an independent
 * accountant computes it; `claim` overrides a claim (e.g. to under-claim).
 */
function ledgerOf(releases: Release[], claim: (round: number, honest: number) => number = (_, honest) => honest): LedgerEntry[] {
  const accountants = new Map<string, RdpAccountant>();
  const entries: LedgerEntry[] = [];
  releases.forEach((release, i) => {
    const round = i + 1;
    const mechanism = release.mechanism ?? 'gaussian-central';
    const stream = mechanism === 'gaussian-local' ? 'local' : 'central';
    const accountant = accountants.get(stream) ?? new RdpAccountant();
    accountants.set(stream, accountant);
    accountant.step({ noiseMultiplier: release.noiseMultiplier, sampleRate: release.sampleRate });
    const fields: LedgerFields = {
      runId: 'run-audit',
      round,
      time: new Date(Date.UTC(2025, 5, 1, 0, round)).toISOString(),
      mechanism,
      clipNorm: 1,
      delta: DELTA,
      expectedCohortSize: 100 * release.sampleRate,
      actualCohortSize: 1,
      participants: [`p-${round}`],
      modelSha256: createHash('sha256').update(`m${round}`).digest('hex'),
      epsilonClaimed: claim(round, accountant.getEpsilon(release.delta ?? DELTA)),
      private: true,
      ...release,
    };
    entries.push(createLedgerEntry(fields, entries[i - 1], coordinator.secretKey));
  });
  return entries;
}

const steady = (n: number, sampleRate = 0.05, noiseMultiplier = 1.2): Release[] => Array.from({ length: n }, () => ({ sampleRate, noiseMultiplier }));

describe('auditLedger', () => {
  it('passes an honest ledger and recomputes ε per round with RDP and PLD', () => {
    const releases: Release[] = [...steady(2), { sampleRate: 0.1, noiseMultiplier: 0.9 }, ...steady(1)];
    const audit = auditLedger(parseLedgerJsonl(toJsonl(ledgerOf(releases))), { publicKey: coordinator.publicKey });
    expect(audit.verdict).toBe('pass');
    expect(audit.reasons).toEqual([]);
    expect(audit.delta).toBe(DELTA);
    const rdp = new RdpAccountant();
    const pld = new PldAccountant();
    audit.rounds.forEach((round, i) => {
      const release = releases[i] as Release;
      rdp.step(release);
      pld.step(release);
      expect(round).toMatchObject({ seq: i + 1, line: i + 1, stream: 'central', private: true });
      expect(relativeError(round.epsilonRdp, rdp.getEpsilon(DELTA))).toBeLessThan(1e-12);
      expect(relativeError(round.epsilonPld as number, pld.getEpsilon(DELTA))).toBeLessThan(1e-12);
      expect(round.epsilonPld as number).toBeLessThan(round.epsilonRdp);
    });
    expect(audit.central).toMatchObject({ stream: 'central', releases: 4 });
    expect(audit.central?.epsilonRdp).toBeCloseTo(rdp.getEpsilon(DELTA), 12);
    expect(audit.central?.epsilonPld).toBeCloseTo(pld.getEpsilon(DELTA), 12);
    expect(audit.perClient).toBeNull();
  });

  it('computes PLD per round only up to the limit, stepping runs of identical releases at once', () => {
    const releases = [...steady(3), ...steady(3, 0.05, 1.5)];
    const audit = auditLedger(ledgerOf(releases), { publicKey: coordinator.publicKey, pldPerRoundLimit: 5 });
    expect(audit.rounds.map((r) => r.epsilonPld)).toEqual([null, null, null, null, null, null]);
    const pld = new PldAccountant().step({ sampleRate: 0.05, noiseMultiplier: 1.2 }, 3).step({ sampleRate: 0.05, noiseMultiplier: 1.5 }, 3);
    expect(relativeError(audit.central?.epsilonPld as number, pld.getEpsilon(DELTA))).toBeLessThan(1e-12);
    expect(audit.verdict).toBe('pass');
  });

  it('flags an entry claiming less ε than recomputed, never trusting the claim', () => {
    const entries = ledgerOf(steady(4), (round, honest) => (round === 3 ? honest * 0.9 : honest));
    const audit = auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    expect(audit.ok).toBe(true); // correctly signed: the coordinator itself under-claimed
    expect(audit.verdict).toBe('fail');
    expect(audit.findings.map((f) => [f.code, f.seq, f.line])).toEqual([['UNDER_CLAIMED', 3, 3]]);
    expect(audit.findings[0]?.reason).toMatch(/^entry seq 3 \(line 3\): claims ε [\d.]+, but the recorded releases \(this one: q 0\.05, σ 1\.2\) give ε [\d.]+ by RDP at δ 0\.00001/);
    expect(audit.reasons[0]).toMatch(/^UNDER_CLAIMED: entry seq 3 \(line 3\)/);

    const withinTolerance = ledgerOf(steady(2), (_, honest) => honest * (1 - 1e-7));
    expect(auditLedger(withinTolerance, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 }).verdict).toBe('pass');
    const overClaimed = ledgerOf(steady(2), (_, honest) => honest * 2);
    expect(auditLedger(overClaimed, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 }).verdict).toBe('pass');
  });

  it('compares claims at each entry’s own δ even when reporting at another δ', () => {
    const audit = auditLedger(ledgerOf(steady(2)), { publicKey: coordinator.publicKey, delta: 1e-3, pldPerRoundLimit: 0 });
    expect(audit.verdict).toBe('pass');
    expect(audit.delta).toBe(1e-3);
    expect(audit.central?.epsilonRdp).toBeLessThan(audit.rounds[1]?.epsilonRdpAtClaimDelta as number);
  });

  it('flags a budget exceeded at the first round over it', () => {
    const entries = ledgerOf(steady(5));
    const final = auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    const third = final.rounds[2]?.epsilonRdp as number;
    const over = auditLedger(entries, { publicKey: coordinator.publicKey, budgetEpsilon: third * 0.999, pldPerRoundLimit: 0 });
    expect(over.verdict).toBe('fail');
    expect(over.budgetEpsilon).toBeCloseTo(third * 0.999, 12);
    expect(over.findings.map((f) => [f.code, f.seq, f.line])).toEqual([['BUDGET_EXCEEDED', 3, 3]]);
    expect(over.findings[0]?.reason).toMatch(/^entry seq 3 \(line 3\): the central ε by RDP reaches [\d.]+ here, over the budget/);
    const within = auditLedger(entries, { publicKey: coordinator.publicKey, budgetEpsilon: (final.central?.epsilonRdp as number) * 1.001, pldPerRoundLimit: 0 });
    expect(within.verdict).toBe('pass');
  });

  it('flags releases whose noise was not private, and mechanisms it cannot account', () => {
    const entries = ledgerOf([{ sampleRate: 0.05, noiseMultiplier: 1.2, private: false }, { sampleRate: 0.05, noiseMultiplier: 1.2, mechanism: 'laplace' }]);
    const audit = auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    expect(audit.verdict).toBe('fail');
    expect(audit.findings.map((f) => [f.code, f.seq])).toEqual([
      ['NOT_PRIVATE', 1],
      ['UNKNOWN_MECHANISM', 2],
    ]);
    expect(audit.findings[0]?.reason).toBe('entry seq 1 (line 1): its noise came from a seeded, non-cryptographic generator (private: false), so this release gives no privacy.');
  });

  it('reports local-DP releases under per-client ε, apart from the central stream', () => {
    const releases: Release[] = [
      { sampleRate: 0.05, noiseMultiplier: 1.2 },
      { sampleRate: 0.1, noiseMultiplier: 2, mechanism: 'gaussian-local' },
      { sampleRate: 0.05, noiseMultiplier: 1.2 },
      { sampleRate: 0.1, noiseMultiplier: 2, mechanism: 'gaussian-local' },
    ];
    const audit = auditLedger(ledgerOf(releases), { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    expect(audit.verdict).toBe('pass');
    expect(audit.rounds.map((r) => r.stream)).toEqual(['central', 'per-client', 'central', 'per-client']);
    expect(audit.central?.releases).toBe(2);
    expect(audit.perClient?.releases).toBe(2);
    const local = new RdpAccountant().step({ sampleRate: 0.1, noiseMultiplier: 2 }, 2).getEpsilon(DELTA);
    expect(relativeError(audit.perClient?.epsilonRdp as number, local)).toBeLessThan(1e-12);
  });

  it('fails a tampered ledger with the verification failure, and an empty one', () => {
    const entries = ledgerOf(steady(3)).map((e, i) => (i === 1 ? { ...e, noiseMultiplier: 5 } : e));
    const audit = auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    expect(audit.verdict).toBe('fail');
    expect(audit.reasons[0]).toMatch(/^HASH_MISMATCH: entry seq 2 \(line 2\)/);
    // ε is recomputed from what is recorded, tampered or not: σ = 5 lowers it, so the claims look generous.
    expect(audit.rounds[1]?.noiseMultiplier).toBe(5);
    const empty = auditLedger([], { publicKey: coordinator.publicKey });
    expect(empty.verdict).toBe('fail');
    expect(empty.findings.map((f) => f.code)).toEqual(['EMPTY_LEDGER']);
  });
});
