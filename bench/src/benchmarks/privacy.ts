/**
 * Privacy costs.
 *
 * - Accountants: 10,000 rounds of the Poisson-subsampled Gaussian (σ = 1.0, q = 0.01), one step()
 *   per round, then getEpsilon(1e-5), for RdpAccountant and PldAccountant.
 * - PLD per round: what one round of a federation costs the PLD report — step() + getEpsilon() —
 *   at round 10, 1,000 and 10,000 (σ = 0.8, q = 0.1, default grid). The accountant keeps its
 *   composition as a large part folded now and then and the small composition of the rounds since
 *   (pld-composition.ts), so a round costs about the same at any round: the median is a typical
 *   round, the mean includes the folds (amortised). The baseline recomposes the whole history (a
 *   fresh accountant stepped r times), which is what a round cost before the composition was kept;
 *   at r = 10,000 it is also the 10k-step total (restoring an accountant from a 10,000-round ledger).
 * - Noise: standard normals per second from createGaussianSource() (node:crypto CSPRNG, Box–Muller
 *   on 53-bit uniforms) against the same Box–Muller fed by Math.random, which DP must never use.
 */
import { createGaussianSource, PldAccountant, RdpAccountant } from '@cohort/privacy';
import type { Accountant } from '@cohort/privacy';
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { figure, interleaved, mean, perSecond } from '../lib/stats';

const ROUNDS = 10_000;
const STEP = { noiseMultiplier: 1.0, sampleRate: 0.01 };
const DELTA = 1e-5;
const SAMPLES = 1 << 20;

const ROUND_STEP = { noiseMultiplier: 0.8, sampleRate: 0.1 };
const AT_ROUNDS = [10, 1000, 10_000] as const;
/** Unmeasured rounds after the history is composed (the first fold after a composition in one go is among them). */
const WARMUP_ROUNDS = 3;
/** Rounds timed one by one at each point. */
const WINDOW = 24;
/** Recompositions of the whole history timed at each point (they are the slow baseline). */
const RECOMPOSE_REPS = 3;

function account(make: () => Accountant): number {
  const accountant = make();
  for (let i = 0; i < ROUNDS; i++) accountant.step(STEP, 1);
  return accountant.getEpsilon(DELTA);
}

function timed(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

interface RoundCosts {
  rounds: number[];
  recomposed: number[];
  /** ε after the last timed round, and of the same history recomposed in one go. */
  epsilon: { incremental: number; recomposed: number };
}

/**
 * Times rounds r + WARMUP_ROUNDS … of a run whose first r − 1 releases were stepped at once, then
 * recomposes the whole history RECOMPOSE_REPS times.
 */
function roundCosts(r: number): RoundCosts {
  const accountant = new PldAccountant().step(ROUND_STEP, r - 1);
  accountant.getEpsilon(DELTA);
  for (let i = 0; i < WARMUP_ROUNDS; i++) accountant.step(ROUND_STEP).getEpsilon(DELTA);
  const costs: RoundCosts = { rounds: [], recomposed: [], epsilon: { incremental: 0, recomposed: 0 } };
  for (let i = 0; i < WINDOW; i++)
    costs.rounds.push(timed(() => (costs.epsilon.incremental = accountant.step(ROUND_STEP).getEpsilon(DELTA))));
  const steps = r - 1 + WARMUP_ROUNDS + WINDOW;
  for (let i = 0; i < RECOMPOSE_REPS; i++) {
    costs.recomposed.push(timed(() => (costs.epsilon.recomposed = new PldAccountant().step(ROUND_STEP, steps).getEpsilon(DELTA))));
  }
  return costs;
}

/** The baseline: Box–Muller over Math.random, same structure as the library's loop. */
function mathRandomNormals(out: Float64Array): void {
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - Math.random()));
    const angle = 2 * Math.PI * Math.random();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
}

export const run: Benchmark = async () => {
  const epsilon = { rdp: account(() => new RdpAccountant()), pld: account(() => new PldAccountant()) };
  const accountants = await interleaved(
    { rdp: () => account(() => new RdpAccountant()), pld: () => account(() => new PldAccountant()) },
    { warmup: 1, reps: 3 },
  );

  const rounds = AT_ROUNDS.map((r) => roundCosts(r));

  const source = createGaussianSource();
  const out = new Float64Array(SAMPLES);
  const noise = await interleaved(
    { csprng: () => source.fillStandardNormal(out), mathRandom: () => mathRandomNormals(out) },
    { warmup: 2, reps: 7 },
  );

  const rdp = figure(`RdpAccountant: ${ROUNDS} steps + getEpsilon`, accountants.rdp, 'ms', true);
  const pld = figure(`PldAccountant: ${ROUNDS} steps + getEpsilon`, accountants.pld, 'ms');
  const at = (i: number): string => `round ${AT_ROUNDS[i]!.toLocaleString('en')}`;
  const typical = rounds.map((c, i) => figure(`PLD round (step + getEpsilon), median, ${at(i)}`, c.rounds, 'ms/round'));
  const amortised = rounds.map((c, i) => ({
    label: `PLD round, mean with folds, ${at(i)}`,
    value: mean(c.rounds),
    unit: 'ms/round',
    samples: c.rounds,
  }));
  const recomposed = rounds.map((c, i) => figure(`PLD round recomposing the history (before), ${at(i)}`, c.recomposed, 'ms/round'));
  const growth = (figures: Figure[]): number => figures[figures.length - 1]!.value / figures[0]!.value;
  const last = rounds.length - 1;
  const lastRounds = AT_ROUNDS[last]! - 1 + WARMUP_ROUNDS + WINDOW;
  const csprng = figure('createGaussianSource() (CSPRNG) normals', perSecond(SAMPLES / 1e6, noise.csprng), 'M samples/s');
  const mathRandom = figure('baseline: Math.random Box–Muller normals', perSecond(SAMPLES / 1e6, noise.mathRandom), 'M samples/s', true);
  const ratios: Ratio[] = [
    { label: 'PLD time ÷ RDP time', value: pld.value / rdp.value, meaning: 'cost of the tighter accountant' },
    { label: 'PLD ε ÷ RDP ε', value: epsilon.pld / epsilon.rdp, meaning: '< 1: PLD is tighter' },
    { label: 'PLD round 10,000 ÷ round 10, median', value: growth(typical), meaning: "growth of a round's cost; 1 = flat" },
    { label: 'PLD round 10,000 ÷ round 10, mean with folds', value: growth(amortised), meaning: 'the same, amortised' },
    { label: 'PLD round 10,000 ÷ round 10, recomposing (before)', value: growth(recomposed), meaning: "how a round's cost grew before" },
    {
      label: 'recomposing ÷ mean incremental round, round 10,000',
      value: recomposed[last]!.value / amortised[last]!.value,
      meaning: 'speed-up of a round at round 10,000',
    },
    {
      label: 'ε incremental ÷ ε recomposed − 1, round 10,000',
      value: rounds[last]!.epsilon.incremental / rounds[last]!.epsilon.recomposed - 1,
      meaning: '≥ 0 expected: the run widened its grid once, pessimistically; ≈ 0 otherwise',
    },
    {
      label: 'CSPRNG normals/s ÷ Math.random normals/s',
      value: csprng.value / mathRandom.value,
      meaning: 'price of cryptographic randomness',
    },
  ];
  return {
    figures: [
      rdp,
      pld,
      { label: `ε(δ=${DELTA}) RDP`, value: epsilon.rdp, unit: 'ε', samples: [] },
      { label: `ε(δ=${DELTA}) PLD`, value: epsilon.pld, unit: 'ε', samples: [] },
      ...typical,
      ...amortised,
      ...recomposed,
      csprng,
      mathRandom,
    ],
    ratios,
    notes: [
      `σ = ${STEP.noiseMultiplier}, q = ${STEP.sampleRate}, δ = ${DELTA}; accountants 1 warm-up + 3 reps; noise ${SAMPLES} samples per rep, 2 warm-ups + 7 reps`,
      `PLD rounds: σ = ${ROUND_STEP.noiseMultiplier}, q = ${ROUND_STEP.sampleRate}, δ = ${DELTA}, default grid; at round r, ${WARMUP_ROUNDS} ` +
        `unmeasured rounds, then ${WINDOW} timed one by one; then ${RECOMPOSE_REPS} recompositions of the same history`,
      `PLD ε after ${lastRounds} rounds: ${rounds[last]!.epsilon.incremental} (round by round), ${rounds[last]!.epsilon.recomposed} (recomposed); ` +
        `per round at ${AT_ROUNDS.join(' / ')}: median ${typical.map((f) => f.value.toFixed(0)).join(' / ')} ms, ` +
        `mean ${amortised.map((f) => f.value.toFixed(0)).join(' / ')} ms, recomposing ${recomposed.map((f) => f.value.toFixed(0)).join(' / ')} ms ` +
        `(the last: the ${lastRounds}-step total)`,
    ],
  };
};
