/**
 * The trust-at-the-edge flags as an operator uses them, as real processes: `cohort keygen` makes
 * private key files, the coordinator runs with `--enrol` and TLS, enrolled clients with `--identity`
 * and `--ca` finish the run, a client that does not trust the certificate exits 2 saying why, and
 * an unenrolled device is refused with UNKNOWN_KEY.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestPki } from '../helpers/certificates';
import { syntheticData, tempDir, writeClientCsv } from '../helpers/federation';
import { cohort, listeningOn, runCohort, type CohortProcess } from '../helpers/processes';

const dir = tempDir('cohort-edge-cli-');
const dataset = syntheticData(10);
const processes: CohortProcess[] = [];
afterAll(() => {
  for (const p of processes) p.child.kill('SIGKILL');
});

function spawn(args: string[]): CohortProcess {
  const p = runCohort(args);
  processes.push(p);
  return p;
}

describe('cohort keygen, --enrol, --tls-cert and --ca', () => {
  it('makes private key files, and refuses to replace them', async () => {
    const out = join(dir, 'keys-x');
    const made = await cohort('keygen', '--out', out, '--id', 'site-x');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ id: 'site-x', signingKey: expect.any(String), boxKey: expect.any(String) });
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'device.key')).mode & 0o777).toBe(0o600);
    const again = await cohort('keygen', '--out', out);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists; refusing to replace a device key/);
  }, 60_000);

  it('runs an enrolled federation over TLS; a client without the CA and an unenrolled device exit 2 with the reason', async () => {
    const pki = makeTestPki();
    const entries = [];
    for (const id of ['site-a', 'site-b', 'site-c'])
      entries.push(JSON.parse((await cohort('keygen', '--out', join(dir, id), '--id', id)).stdout));
    const enrolPath = join(dir, 'devices.json');
    // site-c made a key but is not enrolled.
    writeFileSync(enrolPath, JSON.stringify({ devices: entries.slice(0, 2) }));
    const coordinator = spawn([
      'coordinator',
      '--rounds',
      '2',
      '--min-clients',
      '2',
      '--num-features',
      String(dataset.numFeatures),
      '--num-classes',
      '2',
      '--data-dir',
      join(dir, 'coordinator'),
      '--enrol',
      enrolPath,
      '--tls-cert',
      pki.certPath,
      '--tls-key',
      pki.keyPath,
    ]);
    const { url } = await listeningOn(coordinator, 60_000);
    expect(url).toMatch(/^https:/);
    const client = (id: string, extra: string[]) =>
      spawn([
        'client',
        '--server',
        url,
        '--data',
        writeClientCsv(dataset, dir, ['site-a', 'site-b', 'site-c'].indexOf(id), 3),
        '--label',
        'label',
        '--identity',
        join(dir, id),
        '--data-dir',
        join(dir, `${id}-state`),
        ...extra,
      ]);
    const noCa = client('site-a', []);
    const unenrolled = client('site-c', ['--ca', pki.caPath]);
    expect(await noCa.exited).toBe(2);
    expect(noCa.lines).toContainEqual(expect.stringMatching(/^cohort client: .*cannot verify the coordinator's TLS certificate/));
    expect(await unenrolled.exited).toBe(2);
    expect(unenrolled.lines).toContainEqual(expect.stringMatching(/^cohort client: .*\(UNKNOWN_KEY\)/));
    const enrolled = ['site-a', 'site-b'].map((id) => client(id, ['--ca', pki.caPath]));
    expect(await Promise.all(enrolled.map((c) => c.exited))).toEqual([0, 0]);
    expect(await coordinator.exited).toBe(0);
    expect(coordinator.stdout()).toMatch(/^finished: completed 2 rounds/);
  }, 180_000);
});
