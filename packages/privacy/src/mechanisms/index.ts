/**
 * `@cohort/privacy/mechanisms`: what touches the data — L2 clipping, Gaussian noise from a CSPRNG,
 * the exact discrete Gaussian sampler, and the random sources behind them.
 */
export { clipByL2Norm, l2Norm } from './clip';
export type { ClipResult } from './clip';
export { addGaussianNoise, createGaussianSource } from './gaussian-noise';
export type { GaussianSource, GaussianSourceOptions } from './gaussian-noise';
export { MAX_DISCRETE_GAUSSIAN_VARIANCE, sampleDiscreteGaussian } from './discrete-gaussian';
export type { DiscreteGaussianOptions } from './discrete-gaussian';
export { cryptoRandomSource, seededRandomSource } from './random-source';
export type { RandomSeed, RandomSource } from './random-source';
export { rational, rationalFromNumber } from './rational';
export type { Rational } from './rational';
