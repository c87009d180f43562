/**
 * `cohort new` then `cohort simulate --app`: the scaffold's own model, dataset loader and strategy
 * run in a real simulation, from a folder outside this checkout with no node_modules of its own.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/federation';
import { COHORT_BIN } from '../helpers/processes';

const execFileAsync = promisify(execFile);
const cohort = (args: string[], cwd?: string) =>
  execFileAsync(process.execPath, [COHORT_BIN, ...args], { timeout: 150_000, ...(cwd ? { cwd } : {}) });

describe('cohort new and simulate --app', () => {
  it('writes a project whose model, dataset and strategy a simulation runs, flags overriding its defaults', async () => {
    const root = tempDir('cohort-new-');
    const project = join(root, 'my-experiment');
    await cohort(['new', project]);
    for (const file of ['cohort.app.ts', 'src/dataset.ts', 'src/model.ts', 'src/strategy.ts', 'data/data.csv', 'package.json', 'README.md'])
      expect(existsSync(join(project, file)), file).toBe(true);
    await expect(cohort(['new', project])).rejects.toThrow(/already holds files/);

    // The strategy leaves a mark the test can see: it is the app's own code that aggregates.
    writeFileSync(
      join(project, 'src/strategy.ts'),
      `import { appendFileSync } from 'node:fs';
import { FedAvg, type Failure, type FitAggregate, type FitResult } from '@cohort/coordinator';
export class UniformFedAvg extends FedAvg {
  override aggregateFit(round: number, results: FitResult[], failures: Failure[], current: readonly Float32Array[]): FitAggregate {
    appendFileSync(new URL('../aggregated.log', import.meta.url), \`\${round}\\n\`);
    return super.aggregateFit(round, results.map((r) => ({ ...r, numExamples: 1 })), failures, current);
  }
}
`,
    );
    const out = join(root, 'run');
    await cohort(['simulate', '--app', '.', '--rounds', '3', '--workers', '1', '--out', out], project);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ rounds: 3, clients: 8, partition: 'dirichlet:0.5', numFeatures: 8, numClasses: 3 });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { status: string; final: { accuracy: number } };
    expect(summary.status).toBe('finished');
    expect(summary.final.accuracy).toBeGreaterThan(0.6); // three classes: chance is 1/3
    expect(readFileSync(join(project, 'aggregated.log'), 'utf8')).toBe('1\n2\n3\n');
    // The app's strategy would ignore strategy flags: they are refused, not silently recorded with the run.
    await expect(
      cohort(
        [
          'simulate',
          '--app',
          '.',
          '--rounds',
          '1',
          '--aggregation-order',
          'arrival',
          '--max-examples',
          '5',
          '--out',
          join(root, 'ignored'),
        ],
        project,
      ),
    ).rejects.toThrow(/brings its own strategy, so --max-examples, --aggregation-order would be ignored/);
    expect(existsSync(join(root, 'ignored', 'config.json'))).toBe(false);
  }, 200_000);

  it('names the file and the problem when the app is not one', async () => {
    const root = tempDir('cohort-badapp-');
    writeFileSync(join(root, 'cohort.app.ts'), 'export default { model: 3, dataset: () => { throw new Error("x"); } };\n');
    await expect(cohort(['simulate', '--app', root, '--rounds', '1'])).rejects.toThrow(/cohort\.app\.ts: "model" must be a function/);
    await expect(cohort(['simulate', '--app', join(root, 'nowhere'), '--rounds', '1'])).rejects.toThrow(/no cohort\.app\.ts/);
  }, 60_000);
});
