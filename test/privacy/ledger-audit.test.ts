import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  auditLedger,
  createLedgerEntry,
  createLedgerHead,
  generateSigningKeyPair,
  parseLedgerJsonl,
  PldAccountant,
  publicKeyFingerprint,
  RdpAccountant,
  toJsonl,
} from '@cohort/privacy';
import type { LedgerEntry, LedgerFailure, LedgerFields, LedgerHead, LedgerHeadFacts, SigningKeyPair } from '@cohort/privacy';
import { relativeError } from './reference-data';

const coordinator = generateSigningKeyPair();
const DELTA = 1e-5;
const modelOf = (name: string): string => createHash('sha256').update(name).digest('hex');
const codesOf = (failures: readonly LedgerFailure[]) => failures.map((f) => [f.code, f.seq, f.line]);

type Release = Partial<LedgerFields> & { sampleRate: number; noiseMultiplier: number };

/**
 * A ledger whose coordinator claims, by default, the RDP ε of every release so far (the federation's
 * combined figure, `before` included) as an independent accountant computes it; `claim` overrides a
 * claim (e.g. to under-claim). Releases go after `before`; a release's round is its place in the call.
 */
function ledgerOf(
  releases: Release[],
  claim: (round: number, honest: number) => number = (_, honest) => honest,
  before: readonly LedgerEntry[] = [],
): LedgerEntry[] {
  const accountant = new RdpAccountant();
  for (const e of before) accountant.step(e);
  const entries = [...before];
  releases.forEach((release, i) => {
    const round = i + 1;
    const runId = release.runId ?? 'run-audit';
    accountant.step(release);
    const fields: LedgerFields = {
      runId,
      round,
      attempt: 1,
      time: new Date(Date.UTC(2025, 5, 1, 0, entries.length)).toISOString(),
      mechanism: 'gaussian-central',
      clipNorm: 1,
      delta: DELTA,
      population: 100,
      expectedCohortSize: 100 * release.sampleRate,
      modelSha256: modelOf(`${runId}/${round}`),
      epsilonClaimed: claim(round, accountant.getEpsilon(release.delta ?? DELTA)),
      private: true,
      ...release,
    };
    entries.push(createLedgerEntry(fields, entries.at(-1), coordinator.secretKey));
  });
  return entries;
}

/** A head of `entries`' last run, by default final and naming its last release's model. */
function headOf(entries: readonly LedgerEntry[], overrides: Partial<LedgerHeadFacts> = {}, keys: SigningKeyPair = coordinator): LedgerHead {
  const last = entries.at(-1) as LedgerEntry;
  const facts: LedgerHeadFacts = {
    runId: last.runId,
    status: 'finished',
    time: '2025-07-01T00:00:00.000Z',
    modelSha256: last.modelSha256,
    budgetEpsilon: null,
    ...overrides,
  };
  return createLedgerHead(last, facts, keys.secretKey);
}

const steady = (n: number, sampleRate = 0.05, noiseMultiplier = 1.2): Release[] =>
  Array.from({ length: n }, () => ({ sampleRate, noiseMultiplier }));

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
    expect(audit.total).toEqual({ ...audit.central, stream: 'combined' });
    expect(audit.runs).toEqual(['run-audit']);
    expect(audit.keyFingerprint).toBe(publicKeyFingerprint(coordinator.publicKey));
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
    expect(audit.findings[0]?.reason).toMatch(
      /^entry seq 3 \(line 3\): claims ε [\d.]+, but the recorded releases \(this one: q 0\.05, σ 1\.2\) give ε [\d.]+ by RDP at δ 0\.00001/,
    );
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
    expect(over.findings[0]?.reason).toMatch(
      /^entry seq 3 \(line 3\): the combined ε by RDP \(every release of every run so far\) reaches [\d.]+ here, over the budget/,
    );
    const within = auditLedger(entries, {
      publicKey: coordinator.publicKey,
      budgetEpsilon: (final.central?.epsilonRdp as number) * 1.001,
      pldPerRoundLimit: 0,
    });
    expect(within.verdict).toBe('pass');
  });

  it('flags releases whose noise was not private, and mechanisms it cannot account', () => {
    const entries = ledgerOf([
      { sampleRate: 0.05, noiseMultiplier: 1.2, private: false },
      { sampleRate: 0.05, noiseMultiplier: 1.2, mechanism: 'laplace' },
    ]);
    const audit = auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    expect(audit.verdict).toBe('fail');
    expect(audit.findings.map((f) => [f.code, f.seq])).toEqual([
      ['NOT_PRIVATE', 1],
      ['UNKNOWN_MECHANISM', 2],
    ]);
    expect(audit.findings[0]?.reason).toBe(
      'entry seq 1 (line 1): its noise came from a seeded stream (private: false), AES-256-CTR keyed by SHA-256 of a seed: a cryptographic stream, but reproducible by anyone who knows the seed, who can regenerate the noise and subtract it, so this release gives no privacy.',
    );
  });

  it('reports local-DP releases under per-client ε, central ones apart, and composes both in the combined ε', () => {
    const central: Release = { sampleRate: 0.05, noiseMultiplier: 1.2, runId: 'run-central' };
    const local: Release = { sampleRate: 1, noiseMultiplier: 8, mechanism: 'gaussian-local', runId: 'run-local', expectedCohortSize: 10 };
    const entries = ledgerOf([local, local], undefined, ledgerOf([central, central]));
    const audit = auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    expect(audit.reasons).toEqual([]);
    expect(audit.rounds.map((r) => r.stream)).toEqual(['central', 'central', 'per-client', 'per-client']);
    expect(audit.runs).toEqual(['run-central', 'run-local']);
    expect(audit.central?.releases).toBe(2);
    expect(audit.perClient?.releases).toBe(2);
    const perClient = new RdpAccountant().step(local, 2).getEpsilon(DELTA);
    expect(relativeError(audit.perClient?.epsilonRdp as number, perClient)).toBeLessThan(1e-12);
    const combined = new RdpAccountant().step(central, 2).step(local, 2);
    expect(audit.total).toMatchObject({ stream: 'combined', releases: 4 });
    expect(relativeError(audit.total?.epsilonRdp as number, combined.getEpsilon(DELTA))).toBeLessThan(1e-12);
    expect(audit.total?.epsilonRdp).toBeGreaterThan(Math.max(audit.central?.epsilonRdp as number, perClient));
    const pld = new PldAccountant().step(central, 2).step(local, 2).getEpsilon(DELTA);
    expect(relativeError(audit.total?.epsilonPld as number, pld)).toBeLessThan(1e-9);
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

describe('auditLedger over a federation of several runs', () => {
  const runA = ledgerOf(steady(3).map((r) => ({ ...r, runId: 'run-a' })));
  const twoRuns = ledgerOf(
    steady(3, 0.1, 1).map((r) => ({ ...r, runId: 'run-b' })),
    undefined,
    runA,
  );

  it('passes, with the combined ε the RDP of every step of every run', () => {
    const audit = auditLedger(twoRuns, { publicKey: coordinator.publicKey, head: headOf(twoRuns), pldPerRoundLimit: 0 });
    expect(audit.reasons).toEqual([]);
    expect(audit.runs).toEqual(['run-a', 'run-b']);
    expect(audit.rounds.map((r) => [r.seq, r.runId, r.round])).toEqual([
      [1, 'run-a', 1],
      [2, 'run-a', 2],
      [3, 'run-a', 3],
      [4, 'run-b', 1],
      [5, 'run-b', 2],
      [6, 'run-b', 3],
    ]);
    const all = new RdpAccountant().step({ sampleRate: 0.05, noiseMultiplier: 1.2 }, 3).step({ sampleRate: 0.1, noiseMultiplier: 1 }, 3);
    expect(audit.total?.releases).toBe(6);
    expect(relativeError(audit.total?.epsilonRdp as number, all.getEpsilon(DELTA))).toBeLessThan(1e-12);
    expect(relativeError(audit.rounds[5]?.epsilonRdp as number, all.getEpsilon(DELTA))).toBeLessThan(1e-12);
  });

  it('checks the budget on the combined figure, not per run', () => {
    const perRun = Math.max(
      new RdpAccountant().step({ sampleRate: 0.05, noiseMultiplier: 1.2 }, 3).getEpsilon(DELTA),
      new RdpAccountant().step({ sampleRate: 0.1, noiseMultiplier: 1 }, 3).getEpsilon(DELTA),
    );
    const combined = auditLedger(twoRuns, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    const budget = (perRun + (combined.total?.epsilonRdp as number)) / 2;
    const over = auditLedger(twoRuns, { publicKey: coordinator.publicKey, budgetEpsilon: budget, pldPerRoundLimit: 0 });
    const first = combined.rounds.find((r) => r.epsilonRdp > budget) as (typeof combined.rounds)[number];
    expect(first.runId).toBe('run-b');
    expect(codesOf(over.findings)).toEqual([['BUDGET_EXCEEDED', first.seq, first.line]]);
    expect(over.findings[0]?.reason).toMatch(new RegExp(`^entry seq ${first.seq} \\(line ${first.line}\\): the combined ε by RDP`));
    // Without a budget option, the signed head's budget is checked; a given budget wins.
    const headBudget = auditLedger(twoRuns, {
      publicKey: coordinator.publicKey,
      head: headOf(twoRuns, { budgetEpsilon: budget }),
      pldPerRoundLimit: 0,
    });
    expect(headBudget.budgetEpsilon).toBe(budget);
    expect(codesOf(headBudget.findings)).toEqual([['BUDGET_EXCEEDED', first.seq, first.line]]);
    expect(
      auditLedger(twoRuns, {
        publicKey: coordinator.publicKey,
        head: headOf(twoRuns, { budgetEpsilon: budget }),
        budgetEpsilon: 100,
        pldPerRoundLimit: 0,
      }).verdict,
    ).toBe('pass');
  });

  it('flags a run that claims ε as if the earlier runs had released nothing', () => {
    const fresh = ledgerOf(
      steady(3, 0.1, 1).map((r) => ({ ...r, runId: 'run-b' })),
      (round) => new RdpAccountant().step({ sampleRate: 0.1, noiseMultiplier: 1 }, round).getEpsilon(DELTA),
      runA,
    );
    const audit = auditLedger(fresh, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
    expect(codesOf(audit.findings)).toEqual([
      ['UNDER_CLAIMED', 4, 4],
      ['UNDER_CLAIMED', 5, 5],
      ['UNDER_CLAIMED', 6, 6],
    ]);
    expect(audit.findings[0]?.reason).toMatch(
      /^entry seq 4 \(line 4\): claims ε [\d.]+, but .* \(every release so far, of every run, composed\)\.$/,
    );
  });
});

describe('auditLedger checks what the auditor was told, not only what it was handed', () => {
  const entries = ledgerOf(steady(3));
  const head = headOf(entries);

  it('the key: a ledger and head re-signed throughout with another key pass, except against the expected fingerprint', () => {
    const attacker = generateSigningKeyPair();
    const resigned: LedgerEntry[] = [];
    for (const { seq: _s, prevHash: _p, hash: _h, signature: _sig, ...fields } of entries)
      resigned.push(createLedgerEntry({ ...fields, epsilonClaimed: 0.01 }, resigned.at(-1), attacker.secretKey));
    const forgedHead = headOf(resigned, {}, attacker);
    const fooled = auditLedger(resigned, { publicKey: attacker.publicKey, head: forgedHead, pldPerRoundLimit: 0 });
    expect(fooled.failures).toEqual([]); // every signature verifies under the key handed over
    const expectKeyFingerprint = publicKeyFingerprint(coordinator.publicKey);
    const caught = auditLedger(resigned, { publicKey: attacker.publicKey, head: forgedHead, expectKeyFingerprint, pldPerRoundLimit: 0 });
    expect(caught.verdict).toBe('fail');
    expect(codesOf(caught.failures)).toEqual([['KEY_FINGERPRINT_MISMATCH', null, null]]);
    expect(caught.failures[0]?.reason).toBe(
      `the public key given has fingerprint ${publicKeyFingerprint(attacker.publicKey)}, but the auditor expected ${expectKeyFingerprint}: it is not the coordinator's key, so signatures under it prove nothing.`,
    );
    expect(caught.reasons[0]).toMatch(/^KEY_FINGERPRINT_MISMATCH: /);
    expect(auditLedger(entries, { publicKey: coordinator.publicKey, head, expectKeyFingerprint, pldPerRoundLimit: 0 }).verdict).toBe(
      'pass',
    );
  });

  it('the run: the head of another run, or without a head the last entry of another run', () => {
    const other = auditLedger(entries, { publicKey: coordinator.publicKey, head, runId: 'run-b', pldPerRoundLimit: 0 });
    expect(codesOf(other.failures)).toEqual([['UNEXPECTED_RUN', 3, null]]);
    expect(other.failures[0]?.reason).toBe('signed head (last seq 3): it is for run "run-audit", but the auditor expected run "run-b".');
    const headless = auditLedger(entries, { publicKey: coordinator.publicKey, runId: 'run-b', pldPerRoundLimit: 0 });
    expect(codesOf(headless.failures)).toEqual([['UNEXPECTED_RUN', 3, 3]]);
    expect(headless.failures[0]?.reason).toBe(
      'entry seq 3 (line 3): the ledger ends with run "run-audit", but the auditor expected run "run-b".',
    );
    expect(auditLedger(entries, { publicKey: coordinator.publicKey, head, runId: 'run-audit', pldPerRoundLimit: 0 }).verdict).toBe('pass');
    expect(codesOf(auditLedger([], { publicKey: coordinator.publicKey, runId: 'run-b' }).failures)).toEqual([
      ['UNEXPECTED_RUN', null, null],
    ]);
  });

  it('the model: the weights handed over must be the model the signed head names', () => {
    const genuine = (entries.at(-1) as LedgerEntry).modelSha256;
    expect(auditLedger(entries, { publicKey: coordinator.publicKey, head, modelSha256: genuine, pldPerRoundLimit: 0 }).verdict).toBe(
      'pass',
    );
    const tampered = auditLedger(entries, {
      publicKey: coordinator.publicKey,
      head,
      modelSha256: modelOf('tampered'),
      pldPerRoundLimit: 0,
    });
    expect(codesOf(tampered.failures)).toEqual([['MODEL_MISMATCH', 3, null]]);
    expect(tampered.failures[0]?.reason).toMatch(
      /^signed head \(last seq 3\): run "run-audit" holds model [0-9a-f]{12}…, but the weights handed to the auditor hash to [0-9a-f]{12}…: they are not this run's model\.$/,
    );
    const headless = auditLedger(entries, { publicKey: coordinator.publicKey, modelSha256: genuine, pldPerRoundLimit: 0 });
    expect(codesOf(headless.failures)).toEqual([['HEAD_REQUIRED', null, null]]);
    expect(headless.failures[0]?.reason).toMatch(/can only be checked against the run's signed head, and none was given\.$/);
    expect(() => auditLedger(entries, { publicKey: coordinator.publicKey, head, modelSha256: 'abc' })).toThrow(
      /modelSha256 must be 64 lowercase hex digits/,
    );
  });

  it('the head: one signed mid-run is truncation unless allowed', () => {
    const running = headOf(entries.slice(0, 2), { status: 'running' });
    const cut = entries.slice(0, 2);
    const stale = auditLedger(cut, { publicKey: coordinator.publicKey, head: running, pldPerRoundLimit: 0 });
    expect(codesOf(stale.failures)).toEqual([['TRUNCATED', 2, null]]);
    expect(stale.reasons[0]).toBe(
      'TRUNCATED: the signed head was signed while run "run-audit" was still running (after seq 2): a finished run has a final head, and entries after this one may have been removed.',
    );
    expect(auditLedger(cut, { publicKey: coordinator.publicKey, head: running, allowRunningHead: true, pldPerRoundLimit: 0 }).verdict).toBe(
      'pass',
    );
  });
});
