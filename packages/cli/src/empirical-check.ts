/**
 * `cohort audit`'s empirical part: reads a run's privacy-audit.json, recomputes the estimate ε̂ and
 * the one-run lower bound from the canary scores it holds (the file's own figures are not trusted),
 * and sets the lower bound against the upper bound the auditor recomputed from the ledger. A lower
 * bound above the upper bound fails the audit.
 */
import { readFileSync } from 'node:fs';
import type { CanaryScore } from '@cohort/privacy';

export interface EmpiricalCheck {
  file: string;
  canaries: number;
  inserted: number;
  epsilonLower: number;
  epsilonEstimate: number;
  guesses: number;
  correct: number;
  confidence: number;
  /** The ledger's recomputed upper bounds; the lower bound is set against the smaller. */
  upper: { rdp: number; pld: number };
  epsilonUpper: number;
  verdict: 'pass' | 'fail';
  reasons: string[];
}

/** Reads and checks `path` at the audit's δ against the recomputed upper bound. Throws on a malformed file. */
export async function checkEmpirical(path: string, delta: number, upper: { rdp: number; pld: number }): Promise<EmpiricalCheck> {
  const { auditCanaryScores } = await import('@cohort/privacy');
  const file = parse(path);
  const { kPlus, kMinus, confidence } = file.lowerBound;
  const audit = auditCanaryScores({
    scores: file.scores,
    dimension: file.dimension,
    delta,
    upper,
    upperSource: "the ledger's",
    kPlus,
    kMinus,
    confidence,
  });
  const { estimate, lowerBound: bound, epsilonUpper } = audit;
  return {
    file: path,
    canaries: file.scores.length,
    inserted: audit.inserted,
    epsilonLower: bound.epsilonLower,
    epsilonEstimate: estimate.epsilon,
    guesses: bound.guesses,
    correct: bound.correct,
    confidence,
    upper,
    epsilonUpper,
    verdict: audit.verdict,
    reasons: audit.reasons.map((reason) => `${path}: ${reason}`),
  };
}

export function describeEmpirical(check: EmpiricalCheck): string {
  return [
    `Empirical audit (${check.file}): ${check.canaries} canaries, ${check.inserted} inserted; recomputed from their scores:`,
    `  lower bound ε ≥ ${check.epsilonLower.toFixed(4)} (one run, ${Math.round(check.confidence * 100)} %: ${check.correct} of ${check.guesses} guesses right)`,
    `  estimate    ε̂ = ${check.epsilonEstimate.toFixed(4)} (final model)`,
    `  upper bound ε ≤ ${check.upper.rdp.toFixed(4)} (RDP), ${check.upper.pld.toFixed(4)} (PLD): the accountant, recomputed from the ledger`,
    `  ${check.verdict === 'pass' ? 'consistent: lower ≤ upper (a lower bound far below the upper bound is expected)' : 'INCONSISTENT: lower > upper'}`,
  ].join('\n');
}

function parse(path: string): {
  dimension: number;
  scores: CanaryScore[];
  lowerBound: { kPlus: number; kMinus: number; confidence: number };
} {
  const fail = (why: string): never => {
    throw new Error(`${path}: ${why}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(`cannot read a privacy audit (${(error as Error).message}).`);
  }
  const v = value as Record<string, unknown>;
  const isInteger = (x: unknown, min: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
  if (!isInteger(v['dimension'], 1)) fail('dimension must be an integer ≥ 1.');
  const scores = v['scores'];
  if (!Array.isArray(scores) || scores.length === 0) return fail('scores must be a non-empty array.');
  scores.forEach((s, i) => {
    const score = s as Record<string, unknown>;
    if (typeof score['inserted'] !== 'boolean' || !Number.isFinite(score['finalCosine']) || !Number.isFinite(score['maxRoundCosine'])) {
      fail(`scores[${i}] must hold inserted (boolean), finalCosine and maxRoundCosine (finite numbers).`);
    }
  });
  const bound = (v['lowerBound'] ?? {}) as Record<string, unknown>;
  if (!isInteger(bound['kPlus'], 0) || !isInteger(bound['kMinus'], 0)) fail('lowerBound.kPlus and lowerBound.kMinus must be integers ≥ 0.');
  const confidence = bound['confidence'];
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) fail('lowerBound.confidence must be in (0, 1).');
  return {
    dimension: v['dimension'] as number,
    scores: scores as CanaryScore[],
    lowerBound: { kPlus: bound['kPlus'] as number, kMinus: bound['kMinus'] as number, confidence: confidence as number },
  };
}
