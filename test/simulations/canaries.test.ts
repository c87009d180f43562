import { describe, expect, it } from 'vitest';
import { CanaryTrainer, drawCanaries, scoreCanaries, type Canary } from '@cohort/simulations';

describe('canary clients', () => {
  it('draw unit directions from the CSPRNG and are inserted independently with probability ½', () => {
    const canaries = drawCanaries(2_000, 50);
    for (const c of canaries.slice(0, 20)) expect(Math.hypot(...c.direction)).toBeCloseTo(1, 12);
    // Binomial(2000, ½) has sd 22.4: 5 standard deviations.
    const inserted = canaries.filter((c) => c.inserted).length;
    expect(Math.abs(inserted - 1_000)).toBeLessThan(5 * Math.sqrt(2_000 / 4));
    expect(canaries[0]!.direction).not.toEqual(canaries[1]!.direction);
  });

  it('send their direction scaled far past the clip, so the client clips it to exactly C along it', async () => {
    const canary: Canary = { index: 0, inserted: true, direction: Float64Array.from([0.6, 0, 0.8]) };
    const task = { round: 1, topology: {}, weightSpecs: [], numClasses: 2, weights: [new Float32Array(2), new Float32Array(1)] };
    const { delta } = await new CanaryTrainer(canary).fit({
      ...task,
      config: { localEpochs: 1, batchSize: 1, learningRate: 0.1, seed: 0, dp: { clipNorm: 0.5, noiseStdDev: 0 } },
    });
    expect(delta.map((t) => [...t])).toEqual([[300, 0], [400]]);
  });

  it('are scored by their cosine with the final change and their largest cosine with any round’s change', () => {
    const canary: Canary = { index: 0, inserted: true, direction: Float64Array.from([1, 0]) };
    const models = [Float64Array.from([0, 0]), Float64Array.from([1, 0]), Float64Array.from([1, 1])];
    const [score] = scoreCanaries([canary], models);
    expect(score!.finalCosine).toBeCloseTo(Math.SQRT1_2, 12);
    expect(score!.maxRoundCosine).toBeCloseTo(1, 12);
  });
});
