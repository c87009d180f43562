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

/** A client's flags: the coordinator, a CSV of the example folder `dir` and its own data dir there. */
function siteArgs(dir: string, server: string, data: string, dataDir: string): string[] {
  return ['--server', server, '--data', join(dir, data), '--label', 'label', '--data-dir', join(dir, dataDir)];
}

/** A coordinator for the example folder's sites (10 features, 2 classes), waiting for 2 clients. */
function coordinatorFor(dir: string, rounds: number) {
  return runCohort([
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
    String(rounds),
    '--min-clients',
    '2',
    '--data-dir',
    join(dir, 'coordinator'),
  ]);
}

describe('cohort client, started wrong', () => {
  it('refuses a --server without a scheme, naming the flag and an example', async () => {
    const dir = tempDir('cohort-client-');
    writeExampleFolder(dir);
    const { code, stderr } = await client(siteArgs(dir, '127.0.0.1:8080', 'site-a.csv', 's'));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--server must start with https:\/\/ \(or http:\/\/ on loopback\), got 127\.0\.0\.1:8080; e\.g\./);
  }, 60_000);

  it('gives up on a coordinator that is not there after --max-connect-attempts tries (exit 5)', async () => {
    const dir = tempDir('cohort-client-');
    writeExampleFolder(dir);
    const { code, stderr } = await client([...siteArgs(dir, 'http://127.0.0.1:9', 'site-a.csv', 's'), '--max-connect-attempts', '2']);
    expect(code).toBe(5);
    expect(stderr).toMatch(/cannot reach the coordinator at http:\/\/127\.0\.0\.1:9 after 2 tries/);
  }, 60_000);

  it('refuses a second client on the same --data-dir, naming the first (exit 2): two clients there would be one device', async () => {
    const dir = tempDir('cohort-client-');
    writeExampleFolder(dir);
    const coordinator = coordinatorFor(dir, 1);
    const { url } = await listeningOn(coordinator);
    const first = runCohort(['client', ...siteArgs(dir, url, 'site-a.csv', 'shared')]);
    await first.waitForLog(/^connected to /);
    const second = await client(siteArgs(dir, url, 'site-b.csv', 'shared'));
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
    const coordinator = coordinatorFor(dir, 2);
    const { url } = await listeningOn(coordinator);
    const misfit = await client(siteArgs(dir, url, 'narrow.csv', 'n'));
    expect(misfit.code).toBe(2);
    expect(misfit.stderr).toMatch(/this client's data has 5 features, but the coordinator's model takes 10/);
    const sites = ['site-a', 'site-b'].map((s) => runCohort(['client', ...siteArgs(dir, url, `${s}.csv`, s)]));
    expect(await coordinator.exited).toBe(0);
    expect(await Promise.all(sites.map((s) => s.exited))).toEqual([0, 0]);
  }, 120_000);
});
