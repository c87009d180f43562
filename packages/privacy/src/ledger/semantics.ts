/**
 * Whether what a ledger records makes sense, entry by entry and within each run, whatever the
 * signatures say: a correctly signed entry can still be absurd (a coordinator's bug, or a key used
 * to sign whatever suits). Each problem is a `LedgerFailure` naming the entry:
 *
 * - ROUND_NOT_INCREASING: within a run, a central release must come from a later round than the
 *   entry before it (one release per round); a 'gaussian-local' or 'gaussian-distributed' one from a
 *   later (round, attempt): both are accounted before the round goes out (the clients add the noise),
 *   so a re-attempted round records another release under the same round.
 * - SAMPLE_RATE_INVALID: 0 < q ≤ 1 (q = 0 would release nothing); LOCAL_SAMPLE_RATE: q = 1 for
 *   'gaussian-local', whose releases are each client's own and gain nothing from sampling.
 * - NOISE_INVALID: σ > 0. POPULATION_INVALID: an integer ≥ 1.
 * - COHORT_SIZE_MISMATCH: expectedCohortSize = q × population (relative 1e-9) for central and
 *   distributed; 0 < expectedCohortSize ≤ population for local.
 * - MODEL_REPLAYED: within a run, a central model hash never repeats: each release adds fresh noise,
 *   so a repeat is the same release recorded twice. (Local and distributed entries name the model
 *   sent out, which a re-attempt sends again.)
 *
 * Mechanisms other than 'gaussian-local' are held to the central rules (the auditor accounts them
 * as central releases, and flags them as unknown elsewhere).
 */
import type { LedgerEntry } from './entry';
import { nameEntry, shortHash } from './failures';
import type { LedgerFailure, LedgerFailureCode } from './failures';

/** Relative tolerance of expectedCohortSize against q × population. */
const COHORT_TOLERANCE = 1e-9;

type Problem = [LedgerFailureCode, string];

function entryProblems(e: LedgerEntry): Problem[] {
  const local = e.mechanism === 'gaussian-local';
  const problems: Problem[] = [];
  const qValid = e.sampleRate > 0 && e.sampleRate <= 1;
  if (!qValid) problems.push(['SAMPLE_RATE_INVALID', `its sampling rate q = ${e.sampleRate} is not in (0, 1].`]);
  else if (local && e.sampleRate !== 1) {
    problems.push([
      'LOCAL_SAMPLE_RATE',
      `a 'gaussian-local' release records q = ${e.sampleRate}, but local releases are each client's own and are not amplified by sampling: q must be 1.`,
    ]);
  }
  if (!(e.noiseMultiplier > 0))
    problems.push(['NOISE_INVALID', `its noise multiplier σ = ${e.noiseMultiplier} is not > 0: the release was not noised.`]);
  const populationValid = Number.isSafeInteger(e.population) && e.population >= 1;
  if (!populationValid) problems.push(['POPULATION_INVALID', `its population ${e.population} is not an integer ≥ 1.`]);
  if (local && populationValid && !(e.expectedCohortSize > 0 && e.expectedCohortSize <= e.population)) {
    problems.push([
      'COHORT_SIZE_MISMATCH',
      `its expected cohort size ${e.expectedCohortSize} is not in (0, ${e.population}], the population.`,
    ]);
  }
  if (!local && qValid && populationValid) {
    const target = e.sampleRate * e.population;
    if (Math.abs(e.expectedCohortSize - target) > COHORT_TOLERANCE * Math.max(target, e.expectedCohortSize)) {
      problems.push([
        'COHORT_SIZE_MISMATCH',
        `its expected cohort size ${e.expectedCohortSize} is not q × population = ${e.sampleRate} × ${e.population} = ${target}.`,
      ]);
    }
  }
  return problems;
}

interface Seen {
  last: { entry: LedgerEntry; line: number };
  models: Map<string, { seq: number; line: number }>;
}

/** Mechanisms whose entry is written before the round is broadcast, naming the model sent out. */
function accountedBeforeBroadcast(e: LedgerEntry): boolean {
  return e.mechanism === 'gaussian-local' || e.mechanism === 'gaussian-distributed';
}

function runProblems(e: LedgerEntry, seen: Seen | undefined): Problem[] {
  if (!seen) return [];
  const problems: Problem[] = [];
  const { entry: prev, line } = seen.last;
  const at = `seq ${prev.seq} (line ${line})`;
  if (accountedBeforeBroadcast(e)) {
    if (e.round < prev.round || (e.round === prev.round && e.attempt <= prev.attempt)) {
      problems.push([
        'ROUND_NOT_INCREASING',
        `round ${e.round} attempt ${e.attempt} does not come after round ${prev.round} attempt ${prev.attempt} of ${at} in run ${JSON.stringify(e.runId)}: a re-attempted round must record a higher attempt.`,
      ]);
    }
  } else {
    if (e.round <= prev.round) {
      problems.push([
        'ROUND_NOT_INCREASING',
        `round ${e.round} does not come after round ${prev.round} of ${at} in run ${JSON.stringify(e.runId)}: a round releases its model once.`,
      ]);
    }
    const earlier = seen.models.get(e.modelSha256);
    if (earlier) {
      problems.push([
        'MODEL_REPLAYED',
        `its model ${shortHash(e.modelSha256)} was already released by seq ${earlier.seq} (line ${earlier.line}) in run ${JSON.stringify(e.runId)}: each release adds fresh noise, so a repeated model is a replay.`,
      ]);
    }
  }
  return problems;
}

/** Semantic problems of `entries` (in file order), in line order. */
export function checkSemantics(entries: readonly LedgerEntry[]): LedgerFailure[] {
  const runs = new Map<string, Seen>();
  const failures: LedgerFailure[] = [];
  entries.forEach((e, i) => {
    const line = i + 1;
    const seen = runs.get(e.runId);
    for (const [code, why] of [...entryProblems(e), ...runProblems(e, seen)]) {
      failures.push({ seq: e.seq, line, code, reason: `${nameEntry(e.seq, line)}: ${why}` });
    }
    const models = seen?.models ?? new Map<string, { seq: number; line: number }>();
    if (!accountedBeforeBroadcast(e) && !models.has(e.modelSha256)) models.set(e.modelSha256, { seq: e.seq, line });
    runs.set(e.runId, { last: { entry: e, line }, models });
  });
  return failures;
}
