import { describe, expect, it } from 'vitest';
import {
  CoordinatorError,
  FedAdagrad,
  FedAdam,
  FedAvg,
  FedAvgM,
  FedYogi,
  resolveStrategy,
  type FitResult,
  type Strategy,
} from '@cohort/coordinator';

const result = (delta: number[], numExamples = 1, clientId = 'a'): FitResult => ({
  clientId,
  numExamples,
  delta: [Float32Array.from(delta)],
  metrics: { loss: 1, accuracy: 0.5 },
});

/** Runs one round per delta (each the only client's, so it is Δ_t itself) from `start`; the model after each round. */
function rounds(strategy: Strategy, deltas: number[][], start = [0, 0]): number[][] {
  let global: Float32Array[] = [Float32Array.from(start)];
  return deltas.map((delta, i) => {
    global = strategy.aggregateFit(i + 1, [result(delta)], [], global).weights;
    return [...global[0]!];
  });
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, t) => row.forEach((x, i) => expect(x, `round ${t + 1}, coordinate ${i}`).toBeCloseTo(expected[t]![i]!, 6)));
}

const invalid = (fn: () => unknown, message: RegExp) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CoordinatorError);
    expect((error as CoordinatorError).code).toBe('INVALID_OPTION');
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected INVALID_OPTION matching ${message}`);
};

describe('server optimisers against hand-computed updates', () => {
  it('FedAvgM: v_t = β·v_{t−1} + Δ_t, x_{t+1} = x_t + η·v_t, on the example-weighted mean', () => {
    const strategy = new FedAvgM({ serverLearningRate: 0.5, serverMomentum: 0.5 });
    // Round 1: Δ = (3·[2, −2] + 1·[−2, −2]) / 4 = [1, −2]; v = [1, −2]; x = 0 + 0.5·v = [0.5, −1].
    const first = strategy.aggregateFit(1, [result([2, -2], 3, 'a'), result([-2, -2], 1, 'b')], [], [new Float32Array(2)]);
    expect([...first.weights[0]!]).toEqual([0.5, -1]);
    // Training metrics are FedAvg's example-weighted means.
    expect(first.trainLoss).toBe(1);
    let global = first.weights;
    // Round 2: Δ = [1, 2]; v = 0.5·[1, −2] + [1, 2] = [1.5, 1]; x = [0.5, −1] + 0.5·[1.5, 1] = [1.25, −0.5].
    global = strategy.aggregateFit(2, [result([1, 2])], [], global).weights;
    expect([...global[0]!]).toEqual([1.25, -0.5]);
    // Round 3: Δ = [−2, 0]; v = 0.5·[1.5, 1] + [−2, 0] = [−1.25, 0.5]; x = [1.25 − 0.625, −0.5 + 0.25] = [0.625, −0.25].
    global = strategy.aggregateFit(3, [result([-2, 0])], [], global).weights;
    expect([...global[0]!]).toEqual([0.625, -0.25]);
  });

  it('FedAdam: m and v as exponential averages, and momentum keeps moving a coordinate whose delta stopped', () => {
    const strategy = new FedAdam({ serverLearningRate: 1, beta1: 0.5, beta2: 0.75, tau: 2 });
    // τ = 2, so v_0 = τ² = 4 and the denominator is √v + 2.
    // Coordinate 0, Δ = 2, −2, 6:
    //   m = 1, −0.5, 2.75;  v = 0.75·4 + 0.25·4 = 4, 3 + 1 = 4, 3 + 9 = 12
    //   x = 1/4 = 0.25, 0.25 − 0.5/4 = 0.125, 0.125 + 2.75/(√12 + 2) = 0.628285
    // Coordinate 1, Δ = 4, 0, 0:
    //   m = 2, 1, 0.5;  v = 3 + 4 = 7, 5.25, 3.9375
    //   x = 2/(√7 + 2) = 0.430501, + 1/(√5.25 + 2) = 0.663531, + 0.5/(√3.9375 + 2) = 0.789023
    expectClose(
      rounds(strategy, [
        [2, 4],
        [-2, 0],
        [6, 0],
      ]),
      [
        [0.25, 0.430501],
        [0.125, 0.663531],
        [0.628285, 0.789023],
      ],
    );
  });

  it('FedYogi: v moves by (1−β2)·Δ² towards Δ², so it neither decays with zero deltas nor jumps with a large one', () => {
    const strategy = new FedYogi({ serverLearningRate: 1, beta1: 0.5, beta2: 0.75, tau: 2 });
    // Coordinate 0, Δ = 2, −2, 6 (v_0 = 4):
    //   v = 4 − 0.25·4·sign(0) = 4, 4, 4 − 0.25·36·sign(4 − 36) = 13   (Adam: 12)
    //   x = 0.25, 0.125, 0.125 + 2.75/(√13 + 2) = 0.615585
    // Coordinate 1, Δ = 4, 0, 0:
    //   v = 4 + 0.25·16 = 8, 8 − 0 = 8, 8   (Adam: 7, 5.25, 3.9375)
    //   x = 2/(√8 + 2) = 0.414214, + 1/(√8 + 2) = 0.621320, + 0.5/(√8 + 2) = 0.724874
    expectClose(
      rounds(strategy, [
        [2, 4],
        [-2, 0],
        [6, 0],
      ]),
      [
        [0.25, 0.414214],
        [0.125, 0.62132],
        [0.615585, 0.724874],
      ],
    );
  });

  it('FedAdagrad: v sums the squared deltas, and m is Δ itself by default (β1 = 0)', () => {
    const strategy = new FedAdagrad({ serverLearningRate: 1, tau: 3 });
    // v_0 = 9. Coordinate 0, Δ = 4, 12, 0: v = 25, 169, 169; x = 4/(5 + 3) = 0.5, 0.5 + 12/(13 + 3) = 1.25, 1.25.
    // Coordinate 1, Δ = 0, 0, 4: v = 9, 9, 25; x = 0, 0, 4/(5 + 3) = 0.5.
    expect(
      rounds(strategy, [
        [4, 0],
        [12, 0],
        [0, 4],
      ]),
    ).toEqual([
      [0.5, 0],
      [1.25, 0],
      [1.25, 0.5],
    ]);
  });

  it('uses Flower’s defaults and says them in the name', () => {
    expect(new FedAdam().name).toBe('FedAdam(lr=0.1,beta1=0.9,beta2=0.99,tau=1e-9)');
    expect(new FedYogi().name).toBe('FedYogi(lr=0.1,beta1=0.9,beta2=0.99,tau=1e-9)');
    expect(new FedAdagrad().name).toBe('FedAdagrad(lr=0.1,beta1=0,tau=1e-9)');
    expect(new FedAvgM().name).toBe('FedAvgM(lr=1,momentum=0.9)');
    // With the defaults, FedAdam's first round moves every coordinate by η·(1−β1)·|Δ| / √((1−β2)·Δ²) = 0.1·0.1/0.1 = 0.1
    // (τ is negligible) in the direction of Δ, however large or small Δ is.
    const [x] = rounds(new FedAdam(), [[0.001, -3]]);
    expect(x![0]).toBeCloseTo(0.1, 5);
    expect(x![1]).toBeCloseTo(-0.1, 6);
  });

  it('a round tried again starts from the moments before its failed attempt', () => {
    const retried = new FedAvgM({ serverMomentum: 0.5 });
    const global = [new Float32Array(2)];
    retried.aggregateFit(1, [result([100, 100])], [], global); // an attempt whose aggregate was not committed
    let model = retried.aggregateFit(1, [result([1, -2])], [], global).weights;
    model = retried.aggregateFit(2, [result([1, 2])], [], model).weights;
    expect(
      rounds(new FedAvgM({ serverMomentum: 0.5 }), [
        [1, -2],
        [1, 2],
      ]).at(-1),
    ).toEqual([...model[0]!]);
    invalid(() => retried.aggregateFit(1, [result([1, 1])], [], model), /asked to step round 1 after round 1 was committed/);
  });

  it('refuses settings out of range, naming the field', () => {
    invalid(() => new FedAdam({ serverLearningRate: 0 }), /FedAdam option serverLearningRate must be a positive finite number, got 0/);
    invalid(() => new FedAdam({ beta1: 1 }), /FedAdam option beta1 must be in \[0, 1\), got 1/);
    invalid(() => new FedYogi({ beta2: -0.1 }), /FedYogi option beta2 must be in \[0, 1\), got -0.1/);
    invalid(() => new FedAdagrad({ tau: 0 }), /FedAdagrad option tau must be a positive finite number, got 0/);
    invalid(() => new FedAvgM({ serverMomentum: Number.NaN }), /FedAvgM option serverMomentum must be in \[0, 1\), got NaN/);
    invalid(() => new FedAvgM({ fraction: 0 }), /FedAvgM option fraction must be in \(0, 1\]/);
  });
});

describe('resolveStrategy with server optimisers', () => {
  const plan = { fraction: 1, minClients: 2, seed: 0, dp: false };

  it('keeps plain FedAvg, bit for bit, unless a server learning rate other than 1 is asked for', () => {
    expect(resolveStrategy({}, plan)).toBeInstanceOf(FedAvg);
    expect(resolveStrategy({ strategy: 'fedavg', serverLearningRate: 1 }, plan)).toBeInstanceOf(FedAvg);
    const scaled = resolveStrategy({ strategy: 'fedavg', serverLearningRate: 0.5 }, plan);
    expect(scaled.name).toBe('FedAvgM(lr=0.5,momentum=0)');
    // η = 0.5 without momentum: half of FedAvg's step, every round, and nothing to save.
    expect(
      rounds(scaled, [
        [2, -4],
        [2, -4],
      ]),
    ).toEqual([
      [1, -2],
      [2, -4],
    ]);
    expect(scaled.saveState?.()).toBeUndefined();
  });

  it('builds each optimiser with the settings given', () => {
    expect(resolveStrategy({ strategy: 'fedavgm', serverMomentum: 0.7, serverLearningRate: 0.3 }, plan).name).toBe(
      'FedAvgM(lr=0.3,momentum=0.7)',
    );
    expect(resolveStrategy({ strategy: 'fedadam', beta1: 0.8, beta2: 0.9, tau: 0.001, serverLearningRate: 0.01 }, plan).name).toBe(
      'FedAdam(lr=0.01,beta1=0.8,beta2=0.9,tau=0.001)',
    );
    expect(resolveStrategy({ strategy: 'fedyogi' }, plan).name).toBe('FedYogi(lr=0.1,beta1=0.9,beta2=0.99,tau=1e-9)');
    expect(resolveStrategy({ strategy: 'fedadagrad', tau: 0.01 }, plan).name).toBe('FedAdagrad(lr=0.1,beta1=0,tau=0.01)');
  });

  it('allows them under DP, where they step on the noisy mean', () => {
    for (const strategy of ['fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const)
      expect(resolveStrategy({ strategy }, { ...plan, dp: true }).name).toMatch(/^Fed/);
  });

  it('refuses settings that the chosen strategy would ignore', () => {
    invalid(() => resolveStrategy({ strategy: 'median', serverLearningRate: 0.5 }, plan), /--server-lr applies to --strategy fedavg or/);
    invalid(
      () => resolveStrategy({ strategy: 'fedadam', serverMomentum: 0.9 }, plan),
      /--server-momentum applies to --strategy fedavgm only/,
    );
    invalid(
      () => resolveStrategy({ strategy: 'fedavgm', beta1: 0.9 }, plan),
      /--beta1 applies to --strategy fedadam or fedyogi or fedadagrad only/,
    );
    invalid(() => resolveStrategy({ strategy: 'fedadagrad', beta2: 0.99 }, plan), /--beta2 applies to --strategy fedadam or fedyogi only/);
    invalid(() => resolveStrategy({ tau: 1e-3 }, plan), /--tau applies to .* only, not fedavg/);
    invalid(() => resolveStrategy({ strategy: 'fedadam', beta2: 1 }, plan), /FedAdam option beta2 must be in \[0, 1\)/);
    invalid(() => resolveStrategy({ strategy: 'krum', maxExamples: 5 }, plan), /--max-examples applies to --strategy fedavg only/);
    expect(resolveStrategy({ strategy: 'fedadam', maxExamples: 5 }, plan).name).toMatch(/^FedAdam/);
  });
});
