import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditLedger, createLedgerEntry, generateSigningKeyPair } from '@cohort/privacy';
import type { LedgerEntry, LedgerFields } from '@cohort/privacy';

const coordinator = generateSigningKeyPair();
const modelOf = (name: string): string => createHash('sha256').update(name).digest('hex');

/**
 * A correctly signed and chained ledger of `releases` (central, q 0.1, σ 1.2, population 100 by
 * default; round = position in its run). Claims are generous so that only semantics are judged.
 */
function signed(releases: Partial<LedgerFields>[]): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const roundInRun = new Map<string, number>();
  releases.forEach((release, i) => {
    const runId = release.runId ?? 'run-s';
    const round = (roundInRun.get(runId) ?? 0) + 1;
    roundInRun.set(runId, round);
    const fields: LedgerFields = {
      runId,
      round,
      attempt: 1,
      time: new Date(Date.UTC(2025, 3, 1, 0, i)).toISOString(),
      mechanism: 'gaussian-central',
      sampleRate: 0.1,
      noiseMultiplier: 1.2,
      clipNorm: 1,
      delta: 1e-5,
      population: 100,
      expectedCohortSize: 10,
      modelSha256: modelOf(`${runId}/${i}`),
      epsilonClaimed: 1e9,
      private: true,
      ...release,
    };
    entries.push(createLedgerEntry(fields, entries.at(-1), coordinator.secretKey));
  });
  return entries;
}

const local = (overrides: Partial<LedgerFields> = {}): Partial<LedgerFields> => ({
  mechanism: 'gaussian-local',
  sampleRate: 1,
  expectedCohortSize: 10,
  ...overrides,
});

/** Findings of the audit other than the ε comparison, as [code, seq, line]; every reason names its entry. */
function semantic(entries: LedgerEntry[]): [string, number | null, number | null][] {
  const audit = auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 });
  expect(audit.ok).toBe(true); // signed and chained: only the meaning is at fault
  const findings = audit.findings.filter((f) => f.code !== 'UNDER_CLAIMED');
  for (const f of findings) expect(f.reason.startsWith(`entry seq ${f.seq} (line ${f.line}): `)).toBe(true);
  return findings.map((f) => [f.code, f.seq, f.line]);
}

const reasonOf = (entries: LedgerEntry[], code: string): string =>
  auditLedger(entries, { publicKey: coordinator.publicKey, pldPerRoundLimit: 0 }).findings.find((f) => f.code === code)?.reason ?? '';

describe('audit semantics: a correctly signed entry can still be absurd', () => {
  it('passes sensible entries, across runs and mechanisms', () => {
    const entries = signed([
      {},
      {},
      { runId: 'run-t' },
      { runId: 'run-t', sampleRate: 0.07, population: 100, expectedCohortSize: 7 },
      local({ runId: 'run-u', round: 1 }),
      local({ runId: 'run-u', round: 1, attempt: 2 }),
      local({ runId: 'run-u', round: 2, modelSha256: modelOf('m') }),
      local({ runId: 'run-u', round: 3, modelSha256: modelOf('m'), expectedCohortSize: 100 }),
    ]);
    expect(0.07 * 100).not.toBe(7); // within the relative tolerance of 1e-9
    expect(semantic(entries)).toEqual([]);
  });

  it('holds distributed releases to the attempt rule (accounted before broadcast) and to the central cohort rule', () => {
    const distributed = (o: Partial<LedgerFields>): Partial<LedgerFields> => ({
      mechanism: 'gaussian-distributed',
      sampleRate: 0.5,
      population: 20,
      expectedCohortSize: 10,
      modelSha256: modelOf('sent'),
      ...o,
    });
    // A re-attempt of round 1 (same model sent again) is fine; the same attempt twice is not.
    expect(semantic(signed([distributed({ round: 1 }), distributed({ round: 1, attempt: 2 }), distributed({ round: 2 })]))).toEqual([]);
    expect(semantic(signed([distributed({ round: 1 }), distributed({ round: 1 })]))).toEqual([['ROUND_NOT_INCREASING', 2, 2]]);
    expect(semantic(signed([distributed({ round: 1, expectedCohortSize: 7 })]))).toEqual([['COHORT_SIZE_MISMATCH', 1, 1]]);
  });

  it('a central round released twice, or out of order, within a run', () => {
    const repeated = signed([{ round: 1 }, { round: 2 }, { round: 2 }]);
    expect(semantic(repeated)).toEqual([['ROUND_NOT_INCREASING', 3, 3]]);
    expect(reasonOf(repeated, 'ROUND_NOT_INCREASING')).toBe(
      'entry seq 3 (line 3): round 2 does not come after round 2 of seq 2 (line 2) in run "run-s": a round releases its model once.',
    );
    expect(semantic(signed([{ round: 1 }, { round: 3 }, { round: 2 }]))).toEqual([['ROUND_NOT_INCREASING', 3, 3]]);
    expect(semantic(signed([{ round: 5 }, { runId: 'run-t', round: 1 }]))).toEqual([]);
  });

  it('a local (round, attempt) that does not increase', () => {
    expect(semantic(signed([local({ round: 1 }), local({ round: 2 }), local({ round: 2 })]))).toEqual([['ROUND_NOT_INCREASING', 3, 3]]);
    const back = signed([local({ round: 1, attempt: 2 }), local({ round: 1, attempt: 1 })]);
    expect(semantic(back)).toEqual([['ROUND_NOT_INCREASING', 2, 2]]);
    expect(reasonOf(back, 'ROUND_NOT_INCREASING')).toMatch(
      /^entry seq 2 \(line 2\): round 1 attempt 1 does not come after round 1 attempt 2 of seq 1 \(line 1\)/,
    );
  });

  it('q outside (0, 1], or a local release recorded as subsampled', () => {
    expect(semantic(signed([{}, { sampleRate: 0, expectedCohortSize: 0 }]))).toEqual([['SAMPLE_RATE_INVALID', 2, 2]]);
    const subsampled = signed([local({ sampleRate: 0.5 })]);
    expect(semantic(subsampled)).toEqual([['LOCAL_SAMPLE_RATE', 1, 1]]);
    expect(reasonOf(subsampled, 'LOCAL_SAMPLE_RATE')).toMatch(
      /^entry seq 1 \(line 1\): a 'gaussian-local' release records q = 0\.5, but local releases .* q must be 1\.$/,
    );
  });

  it('no noise', () => {
    const noiseless = signed([{}, { noiseMultiplier: 0 }]);
    expect(semantic(noiseless)).toEqual([['NOISE_INVALID', 2, 2]]);
    expect(reasonOf(noiseless, 'NOISE_INVALID')).toBe(
      'entry seq 2 (line 2): its noise multiplier σ = 0 is not > 0: the release was not noised.',
    );
  });

  it('a population that is not an integer ≥ 1', () => {
    expect(semantic(signed([{ population: 0, expectedCohortSize: 0 }]))).toEqual([['POPULATION_INVALID', 1, 1]]);
    expect(semantic(signed([{}, { population: 12.5, expectedCohortSize: 1.25 }]))).toEqual([['POPULATION_INVALID', 2, 2]]);
    expect(semantic(signed([local({ population: -3 })]))).toEqual([['POPULATION_INVALID', 1, 1]]);
  });

  it('an expected cohort that is not q × population (central) or not in (0, population] (local)', () => {
    const central = signed([{}, { expectedCohortSize: 12 }]);
    expect(semantic(central)).toEqual([['COHORT_SIZE_MISMATCH', 2, 2]]);
    expect(reasonOf(central, 'COHORT_SIZE_MISMATCH')).toBe(
      'entry seq 2 (line 2): its expected cohort size 12 is not q × population = 0.1 × 100 = 10.',
    );
    expect(semantic(signed([{ expectedCohortSize: 10 * (1 + 1e-7) }]))).toEqual([['COHORT_SIZE_MISMATCH', 1, 1]]);
    expect(semantic(signed([local({ expectedCohortSize: 0 }), local({ round: 2, expectedCohortSize: 101 })]))).toEqual([
      ['COHORT_SIZE_MISMATCH', 1, 1],
      ['COHORT_SIZE_MISMATCH', 2, 2],
    ]);
  });

  it('a central model released twice within a run (a replay)', () => {
    const replayed = signed([{ modelSha256: modelOf('a') }, { modelSha256: modelOf('b') }, { modelSha256: modelOf('a') }]);
    expect(semantic(replayed)).toEqual([['MODEL_REPLAYED', 3, 3]]);
    expect(reasonOf(replayed, 'MODEL_REPLAYED')).toMatch(
      /^entry seq 3 \(line 3\): its model [0-9a-f]{12}… was already released by seq 1 \(line 1\) in run "run-s"/,
    );
    expect(semantic(signed([{ modelSha256: modelOf('a') }, { runId: 'run-t', modelSha256: modelOf('a') }]))).toEqual([]);
  });
});
