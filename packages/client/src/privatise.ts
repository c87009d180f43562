/**
 * The client's side of differential privacy: clip the whole update to an L2 bound, then, in local
 * DP, add Gaussian noise of standard deviation noiseMultiplier × clipNorm (the coordinator states it
 * as noiseStdDev). Noise comes from the CSPRNG unless the coordinator runs a seeded simulation.
 */
import { addGaussianNoise, clipByL2Norm, createGaussianSource } from '@cohort/privacy';
import type { DpInstruction } from '@cohort/protocol';

/** `streamLabel` (round and client) keeps seeded simulations' clients from sharing one noise stream. */
export function privatiseUpdate(delta: Float32Array[], dp: DpInstruction, streamLabel: string): Float32Array[] {
  const { clipped } = clipByL2Norm(delta, dp.clipNorm);
  if (dp.noiseStdDev === 0) return clipped;
  const source = createGaussianSource(dp.noiseSeed === undefined ? {} : { seed: `${dp.noiseSeed}:${streamLabel}` });
  return addGaussianNoise(clipped, dp.noiseStdDev, source);
}
