/**
 * Privacy costs. Accountants: 10,000 rounds of the Poisson-subsampled Gaussian (σ = 1.0, q = 0.01),
 * one step() per round, then getEpsilon(1e-5), for RdpAccountant and PldAccountant. Noise:
 * standard normals per second from createGaussianSource() (node:crypto CSPRNG, Box–Muller on
 * 53-bit uniforms) against the same Box–Muller fed by Math.random, which DP must never use.
 */
import { PldAccountant, RdpAccountant, createGaussianSource } from '@cohort/privacy';
import type { Benchmark } from '../lib/result';
import { figure, interleaved, perSecond } from '../lib/stats';

const ROUNDS = 10_000;
const STEP = { noiseMultiplier: 1.0, sampleRate: 0.01 };
const DELTA = 1e-5;
const SAMPLES = 1 << 20;

function account(make: () => RdpAccountant | PldAccountant): number {
  const accountant = make();
  for (let i = 0; i < ROUNDS; i++) accountant.step(STEP, 1);
  return accountant.getEpsilon(DELTA);
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
    { warmup: 1, reps: 5 },
  );
  const source = createGaussianSource();
  const out = new Float64Array(SAMPLES);
  const noise = await interleaved({ csprng: () => source.fillStandardNormal(out), mathRandom: () => mathRandomNormals(out) }, { warmup: 2, reps: 7 });

  const rdp = figure(`RdpAccountant: ${ROUNDS} steps + getEpsilon`, accountants.rdp, 'ms', true);
  const pld = figure(`PldAccountant: ${ROUNDS} steps + getEpsilon`, accountants.pld, 'ms');
  const csprng = figure('createGaussianSource() (CSPRNG) normals', perSecond(SAMPLES / 1e6, noise.csprng), 'M samples/s');
  const mathRandom = figure('baseline: Math.random Box–Muller normals', perSecond(SAMPLES / 1e6, noise.mathRandom), 'M samples/s', true);
  return {
    figures: [
      rdp,
      pld,
      { label: `ε(δ=${DELTA}) RDP`, value: epsilon.rdp, unit: 'ε', samples: [] },
      { label: `ε(δ=${DELTA}) PLD`, value: epsilon.pld, unit: 'ε', samples: [] },
      csprng,
      mathRandom,
    ],
    ratios: [
      { label: 'PLD time ÷ RDP time', value: pld.value / rdp.value, meaning: 'cost of the tighter accountant' },
      { label: 'PLD ε ÷ RDP ε', value: epsilon.pld / epsilon.rdp, meaning: '< 1: PLD is tighter' },
      { label: 'CSPRNG normals/s ÷ Math.random normals/s', value: csprng.value / mathRandom.value, meaning: 'price of cryptographic randomness' },
    ],
    notes: [`σ = ${STEP.noiseMultiplier}, q = ${STEP.sampleRate}, δ = ${DELTA}; accountants 1 warm-up + 5 reps; noise ${SAMPLES} samples per rep, 2 warm-ups + 7 reps`],
  };
};
