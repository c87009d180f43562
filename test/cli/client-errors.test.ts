/**
 * What a person sees when a client is started wrong: a scheme-less --server, a coordinator that is
 * not there, data with the wrong number of features — each a one-line reason and its own exit code,
 * and a misfit client never ends the run for the others.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { syntheticCsv, writeExampleFolder } from '@cohort/simulations';
import { tempDir } from '../helpers/federation';
import { COHORT_BIN, listeningOn, runCohort } from '../helpers/processes';

const execFileAsync = promisify(execFile);

/** Runs `cohort client …` to its end: exit code and stderr. */
async function client(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await execFileAsync(process.execPath, [COHORT_BIN, 'client', ...args], { timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('cohort client, started wrong', () => {
  it('refuses a --server without a scheme, naming the flag and an example', async () => {
    const dir = tempDir('cohort-client-');
    writeExampleFolder(dir);
    const { code, stderr } = await client([
      '--server',
      '127.0.0.1:8080',
      '--data',
      join(dir, 'site-a.csv'),
      '--label',
      'label',
      '--data-dir',
      join(dir, 's'),
    ]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--server must start with https:\/\/ \(or http:\/\/ on loopback\), got 127\.0\.0\.1:8080; e\.g\./);
  }, 60_000);

  it('gives up on a coordinator that is not there after --max-connect-attempts tries (exit 5)', async () => {
    const dir = tempDir('cohort-client-');
    writeExampleFolder(dir);
    const { code, stderr } = await client([
      '--server',
      'http://127.0.0.1:9',
      '--data',
      join(dir, 'site-a.csv'),
      '--label',
      'label',
      '--data-dir',
      join(dir, 's'),
      '--max-connect-attempts',
      '2',
    ]);
    expect(code).toBe(5);
    expect(stderr).toMatch(/cannot reach the coordinator at http:\/\/127\.0\.0\.1:9 after 2 tries/);
  }, 60_000);

  it('refuses a second client on the same --data-dir, naming the first (exit 2): two clients there would be one device', async () => {
    const dir = tempDir('cohort-client-');
    writeExampleFolder(dir);
    const coordinator = runCohort([
      'coordinator',
      '--port',
      '0',
      '--model',
      'mlp',
      '--num-features',
      '10',
      '--num-classes',
      '2',
      '--rounds',
      '1',
      '--min-clients',
      '2',
      '--data-dir',
      join(dir, 'coordinator'),
    ]);
    const { url } = await listeningOn(coordinator);
    const first = runCohort([
      'client',
      '--server',
      url,
      '--data',
      join(dir, 'site-a.csv'),
      '--label',
      'label',
      '--data-dir',
      join(dir, 'shared'),
    ]);
    await first.waitForLog(/^connected to /);
    const second = await client([
      '--server',
      url,
      '--data',
      join(dir, 'site-b.csv'),
      '--label',
      'label',
      '--data-dir',
      join(dir, 'shared'),
    ]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`is in use by process ${first.child.pid} \\(cohort client.*its own --data-dir`));
    first.child.kill('SIGTERM');
    coordinator.child.kill('SIGTERM');
    await Promise.all([first.exited, coordinator.exited]);
  }, 120_000);

  it('stops a client whose data has the wrong number of features before it joins a round; the others finish the run', async () => {
    const dir = tempDir('cohort-client-');
    writeExampleFolder(dir);
    writeFileSync(join(dir, 'narrow.csv'), syntheticCsv({ seed: 3, count: 200, numFeatures: 5, numClasses: 2 }));
    const coordinator = runCohort([
      'coordinator',
      '--port',
      '0',
      '--model',
      'mlp',
      '--num-features',
      '10',
      '--num-classes',
      '2',
      '--rounds',
      '2',
      '--min-clients',
      '2',
      '--data-dir',
      join(dir, 'coordinator'),
    ]);
    const { url } = await listeningOn(coordinator);
    const misfit = await client(['--server', url, '--data', join(dir, 'narrow.csv'), '--label', 'label', '--data-dir', join(dir, 'n')]);
    expect(misfit.code).toBe(2);
    expect(misfit.stderr).toMatch(/this client's data has 5 features, but the coordinator's model takes 10/);
    const sites = ['site-a', 'site-b'].map((s) =>
      runCohort(['client', '--server', url, '--data', join(dir, `${s}.csv`), '--label', 'label', '--data-dir', join(dir, s)]),
    );
    expect(await coordinator.exited).toBe(0);
    expect(await Promise.all(sites.map((s) => s.exited))).toEqual([0, 0]);
  }, 120_000);
});
