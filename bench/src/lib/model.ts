/** Synthetic models for the transport benchmarks: tensors of a chosen size, no tfjs needed. */
import type { InitialModel } from '@cohort/coordinator';
import type { NamedTensor } from '@cohort/protocol';

/** A deterministic pseudo-random fill (xorshift32), in [-0.5, 0.5): values, not noise. */
export function filled(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/** One dense layer, kernel [inputs, units] and bias [units]: inputs·units + units parameters. */
export function denseWeights(inputs: number, units: number, seed = 1): NamedTensor[] {
  return [
    { name: 'dense/kernel', shape: [inputs, units], data: filled(inputs * units, seed) },
    { name: 'dense/bias', shape: [units], data: filled(units, seed + 1) },
  ];
}

export function parameterCount(weights: readonly NamedTensor[]): number {
  return weights.reduce((n, t) => n + t.data.length, 0);
}

/** An InitialModel whose topology is a placeholder: the no-op trainer never builds it. */
export function syntheticModel(inputs: number, units: number): InitialModel {
  return { topology: { class_name: 'BenchPlaceholder', config: { inputs, units } }, weights: denseWeights(inputs, units), numClasses: 2 };
}
