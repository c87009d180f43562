/**
 * `@cohort/privacy/mechanisms`: what touches the data — L2 clipping, Gaussian noise from a CSPRNG,
 * the exact discrete Gaussian sampler, the distributed discrete Gaussian (DDGauss) encoding for secure
 * aggregation with its random rotation, and the random sources behind them.
 */
export { clipByL2Norm, l2Norm } from './clip';
export type { ClipResult } from './clip';
export { addGaussianNoise, createGaussianSource } from './gaussian-noise';
export type { GaussianSource, GaussianSourceOptions } from './gaussian-noise';
export { MAX_DISCRETE_GAUSSIAN_VARIANCE, sampleDiscreteGaussian } from './discrete-gaussian';
export type { DiscreteGaussianOptions } from './discrete-gaussian';
export { conditionalRounding, MAX_ROUNDING_ATTEMPTS, roundedSensitivity } from './conditional-rounding';
export {
  decodeDistributedDp,
  distributedDpZcdpEpsilon,
  encodeDistributedDp,
  MAX_DISTRIBUTED_DP_MODEL_LENGTH,
  planDistributedDp,
  validateDistributedDpPlan,
} from './distributed-discrete-gaussian';
export type { DistributedDpPlan, DistributedDpPlanOptions, EncodeDistributedDpOptions } from './distributed-discrete-gaussian';
export { inverseRotate, paddedLengthFor, ROTATION_SEED_BYTES, rotate, rotationSigns, walshHadamard } from './randomized-hadamard';
export { cryptoRandomSource, seededRandomSource } from './random-source';
export type { RandomSeed, RandomSource } from './random-source';
export { rational, rationalFromNumber } from './rational';
export type { Rational } from './rational';
