import type { RandomSource } from '@cohort/privacy';

/**
 * Poisson sampling: every available client joins independently with probability `rate`, the
 * sampling that the subsampled-Gaussian accountants assume. Uniforms come from `source` (a CSPRNG
 * in production) so that who is sampled cannot be predicted.
 */
export function poissonSample(available: readonly string[], rate: number, source: RandomSource): string[] {
  const bytes = new Uint8Array(available.length * 4);
  source.fillBytes(bytes);
  const view = new DataView(bytes.buffer);
  return available.filter((_, i) => view.getUint32(i * 4, true) / 2 ** 32 < rate);
}
