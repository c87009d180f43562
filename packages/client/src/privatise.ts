/**
 * The client's side of differential privacy: clip the whole update to an L2 bound, then, in local
 * DP, add Gaussian noise of standard deviation noiseMultiplier × clipNorm (the coordinator states it
 * as noiseStdDev). Noise comes from the CSPRNG unless the coordinator runs a seeded simulation.
 */
import { addGaussianNoise, clipByL2Norm, createGaussianSource } from '@cohort/privacy';
import type { DpInstruction } from '@cohort/protocol';

export function privatiseUpdate(delta: Float32Array[], dp: DpInstruction): Float32Array[] {
  const { clipped } = clipByL2Norm(delta, dp.clipNorm);
  if (dp.noiseStdDev === 0) return clipped;
  const source = createGaussianSource(dp.noiseSeed === undefined ? {} : { seed: dp.noiseSeed });
  return addGaussianNoise(clipped, dp.noiseStdDev, source);
}
