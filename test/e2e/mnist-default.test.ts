import { describe, expect, it } from 'vitest';
import { Simulation } from '@cohort/simulations';
import { quiet, tempDir } from '../helpers/federation';

describe('the default simulation (npm run simulate)', () => {
  it('trains the 2NN on MNIST with 10 IID clients for 10 rounds to at least 0.92 test accuracy', async () => {
    const simulation = new Simulation({ out: tempDir(), logger: quiet });
    expect(simulation.config).toMatchObject({ dataset: 'mnist', model: 'mnist-2nn', clients: 10, partition: 'iid', rounds: 10 });
    const summary = await simulation.run();
    expect(summary.status).toBe('finished');
    expect(summary.final!.examples).toBe(2000);
    expect(summary.final!.accuracy).toBeGreaterThanOrEqual(0.92);
  }, 900_000); // about 80 s on 2 idle cores, about 300 s beside another full suite
});
