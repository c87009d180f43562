/**
 * Privacy costs.
 *
 * - Accountants: 10,000 rounds of the Poisson-subsampled Gaussian (σ = 1.0, q = 0.01), one step()
 *   per round, then getEpsilon(1e-5), for RdpAccountant and PldAccountant.
 * - PLD per round: what one round of a federation costs the PLD report — step() + getEpsilon() —
 *   at round 10, 100 and 1000 (σ = 0.8, q = 0.1). The accountant keeps its composed PLD and
 *   convolves each new release into it; the baseline recomposes the whole history every round (a
 *   fresh accountant stepped r times), which is what every round cost before. With the default grid
 *   (1e-4 nats, up to 2^21 points) a round's convolution grows with the composed PLD's support
 *   (∝ √rounds on a fixed grid); with maxGridPoints = 2^18 the grid widens instead (pessimistically)
 *   and a round costs the same at any round.
 * - Noise: standard normals per second from createGaussianSource() (node:crypto CSPRNG, Box–Muller
 *   on 53-bit uniforms) against the same Box–Muller fed by Math.random, which DP must never use.
 */
import { createGaussianSource, PldAccountant, RdpAccountant } from '@cohort/privacy';
import type { Accountant, PldAccountantOptions } from '@cohort/privacy';
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { figure, interleaved, perSecond } from '../lib/stats';

const ROUNDS = 10_000;
const STEP = { noiseMultiplier: 1.0, sampleRate: 0.01 };
const DELTA = 1e-5;
const SAMPLES = 1 << 20;

const ROUND_STEP = { noiseMultiplier: 0.8, sampleRate: 0.1 };
const AT_ROUNDS = [10, 100, 1000] as const;
/** Rounds timed one by one at each point (rounds r … r + 6), after one unmeasured round. */
const ROUND_REPS = 7;
/** Recompositions of the whole history timed at each point (they are the slow baseline). */
const RECOMPOSE_REPS = 3;
const BOUNDED: PldAccountantOptions = { maxGridPoints: 2 ** 18 };

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
  incremental: number[];
  bounded: number[];
  recomposed: number[];
  /** ε after the last timed round, default grid and bounded grid. */
  epsilon: { incremental: number; bounded: number };
}

/**
 * Times rounds r … r + ROUND_REPS − 1 of a run, for the default and the bounded grid, interleaved
 * with recompositions of an r-round history (a fresh accountant stepped r times), so that a busy
 * spell of a shared machine hits all three alike. The first r − 2 releases are stepped at once (on
 * the default grid the same composed PLD as stepping them one by one, up to round-off; on a bounded
 * grid one of about the same size) and round r − 1 warms the caches.
 */
function roundCosts(r: number): RoundCosts {
  const start = (options: PldAccountantOptions): PldAccountant => {
    const accountant = new PldAccountant(options).step(ROUND_STEP, r - 2);
    accountant.getEpsilon(DELTA);
    accountant.step(ROUND_STEP).getEpsilon(DELTA);
    return accountant;
  };
  const incremental = start({});
  const bounded = start(BOUNDED);
  const costs: RoundCosts = { incremental: [], bounded: [], recomposed: [], epsilon: { incremental: 0, bounded: 0 } };
  for (let i = 0; i < ROUND_REPS; i++) {
    costs.incremental.push(timed(() => (costs.epsilon.incremental = incremental.step(ROUND_STEP).getEpsilon(DELTA))));
    costs.bounded.push(timed(() => (costs.epsilon.bounded = bounded.step(ROUND_STEP).getEpsilon(DELTA))));
    if (i < RECOMPOSE_REPS) costs.recomposed.push(timed(() => new PldAccountant().step(ROUND_STEP, r).getEpsilon(DELTA)));
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
  const roundFigures = (label: string, pick: (c: RoundCosts) => number[]): Figure[] =>
    rounds.map((c, i) => figure(`${label}, round ${AT_ROUNDS[i]}`, pick(c), 'ms/round'));
  const inc = roundFigures('PLD round (step + getEpsilon), incremental', (c) => c.incremental);
  const bnd = roundFigures('PLD round, incremental, maxGridPoints 2^18', (c) => c.bounded);
  const old = roundFigures('PLD round recomposing the history (before)', (c) => c.recomposed);
  const growth = (figures: Figure[]): number => figures[figures.length - 1]!.value / figures[0]!.value;
  const last = rounds[rounds.length - 1]!;
  const lastRound = AT_ROUNDS[AT_ROUNDS.length - 1]!;
  const csprng = figure('createGaussianSource() (CSPRNG) normals', perSecond(SAMPLES / 1e6, noise.csprng), 'M samples/s');
  const mathRandom = figure('baseline: Math.random Box–Muller normals', perSecond(SAMPLES / 1e6, noise.mathRandom), 'M samples/s', true);
  const ratios: Ratio[] = [
    { label: 'PLD time ÷ RDP time', value: pld.value / rdp.value, meaning: 'cost of the tighter accountant' },
    { label: 'PLD ε ÷ RDP ε', value: epsilon.pld / epsilon.rdp, meaning: '< 1: PLD is tighter' },
    {
      label: 'PLD round 1000 ÷ round 10, incremental',
      value: growth(inc),
      meaning: "growth of a round's cost; 1 = independent of the round",
    },
    { label: 'PLD round 1000 ÷ round 10, maxGridPoints 2^18', value: growth(bnd), meaning: 'the same with a bounded grid; target ≈ 1' },
    { label: 'PLD round 1000 ÷ round 10, recomposing (before)', value: growth(old), meaning: "how a round's cost grew before" },
    {
      label: 'recomposing ÷ incremental, round 1000',
      value: old[old.length - 1]!.value / inc[inc.length - 1]!.value,
      meaning: 'speed-up of a round at round 1000',
    },
    {
      label: 'ε bounded grid ÷ ε default grid − 1, round 1000',
      value: last.epsilon.bounded / last.epsilon.incremental - 1,
      meaning: '≥ 0: the wider grid is an upper bound, only looser',
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
      ...inc,
      ...bnd,
      ...old,
      csprng,
      mathRandom,
    ],
    ratios,
    notes: [
      `σ = ${STEP.noiseMultiplier}, q = ${STEP.sampleRate}, δ = ${DELTA}; accountants 1 warm-up + 3 reps; noise ${SAMPLES} samples per rep, 2 warm-ups + 7 reps`,
      `PLD rounds: σ = ${ROUND_STEP.noiseMultiplier}, q = ${ROUND_STEP.sampleRate}, δ = ${DELTA}; at round r, rounds r … r + ${ROUND_REPS - 1} ` +
        `timed one by one after one warm-up round (median), interleaved with ${RECOMPOSE_REPS} recompositions of the history`,
      `PLD ε at round ${lastRound + ROUND_REPS - 1}: ${last.epsilon.incremental} (default grid), ${last.epsilon.bounded} (maxGridPoints 2^18); ` +
        `medians per round at ${AT_ROUNDS.join(' / ')}: ${inc.map((f) => f.value.toFixed(0)).join(' / ')} ms (incremental), ` +
        `${bnd.map((f) => f.value.toFixed(0)).join(' / ')} ms (bounded grid), ${old.map((f) => f.value.toFixed(0)).join(' / ')} ms (recomposing)`,
    ],
  };
};
