/**
 * The client's side of differential privacy: clip the whole update to an L2 bound, then, in local
 * DP, add Gaussian noise of standard deviation noiseMultiplier × clipNorm (the coordinator states it
 * as noiseStdDev). Noise comes from the CSPRNG unless the coordinator runs a seeded simulation and
 * the client opted in to that.
 */
import { addGaussianNoise, clipByL2Norm, createGaussianSource } from '@cohort/privacy';
import type { DpInstruction } from '@cohort/protocol';
import { ClientError } from './errors';

/** `streamLabel` (round and client) keeps seeded simulations' clients from sharing one noise stream. */
export function privatiseUpdate(delta: Float32Array[], dp: DpInstruction, streamLabel: string): Float32Array[] {
  const { clipped } = clipByL2Norm(delta, dp.clipNorm);
  if (dp.noiseStdDev === 0) return clipped;
  const source = createGaussianSource(dp.noiseSeed === undefined ? {} : { seed: `${dp.noiseSeed}:${streamLabel}` });
  return addGaussianNoise(clipped, dp.noiseStdDev, source);
}

export interface DpPolicy {
  /** Accept `noiseSeed`: whoever knows the seed can regenerate the noise and subtract it. */
  allowSeededNoise: boolean;
  /** Refuse any update that would leave this device without local noise (the client keeps a budget). */
  requireLocalNoise: boolean;
}

/** Throws ClientError('UNSAFE_DP') if this client must not follow the coordinator's dp instruction. */
export function checkDpInstruction(dp: DpInstruction | undefined, policy: DpPolicy): void {
  if (dp?.noiseSeed !== undefined && !policy.allowSeededNoise) {
    throw new ClientError(
      'UNSAFE_DP',
      'the coordinator asked for seeded, reproducible noise, which gives no privacy; refusing (only simulations should set allowSeededNoise).',
    );
  }
  if (!policy.requireLocalNoise) return;
  if (!dp) {
    throw new ClientError(
      'UNSAFE_DP',
      'this client keeps a privacy budget, but the coordinator asked for an update without differential privacy, which would leave this device in the clear; refusing.',
    );
  }
  if (dp.noiseStdDev === 0) {
    throw new ClientError(
      'UNSAFE_DP',
      'this client keeps a privacy budget, but the coordinator asked for an update without local noise (noiseStdDev 0, central DP), which would leave this device in the clear; refusing.',
    );
  }
}

/** z = noiseStdDev / clipNorm: the noise multiplier of the Gaussian mechanism this update goes through. */
export function noiseMultiplierOf(dp: DpInstruction): number {
  return dp.noiseStdDev / dp.clipNorm;
}
