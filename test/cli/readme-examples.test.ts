/**
 * The README's walk-through, run as written on a folder made by `cohort init`: the two-site
 * example (coordinator from its config, two clients), the masking walk-through on the patients'
 * records, and the code example. Each command line checked here must appear verbatim in README.md,
 * so the README cannot drift from what is tested. The one liberty: port 8080 becomes a free port.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/federation';
import { COHORT_BIN, listeningOn, runCohort } from '../helpers/processes';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The arguments of a README line `npx cohort …`, after checking that README.md holds it verbatim. */
function fromReadme(line: string, port?: number): string[] {
  expect(README, `README.md no longer shows: ${line}`).toContain(line);
  const args = line.replace(/^npx cohort /, '').split(/\s+/);
  return port === undefined ? args : args.map((a) => a.replace('127.0.0.1:8080', `127.0.0.1:${port}`));
}

async function initFolder(): Promise<string> {
  const dir = join(tempDir('cohort-readme-'), 'example');
  fromReadme('npx cohort init example');
  await execFileAsync(process.execPath, [COHORT_BIN, 'init', dir]);
  return dir;
}

describe('the README walk-through, on a folder made by cohort init', () => {
  it('runs the two-site example: the coordinator from coordinator.json, two clients with their own data dirs, all exit 0', async () => {
    const dir = await initFolder();
    for (const file of ['site-a.csv', 'site-b.csv', 'coordinator.json', 'patients-a.csv', 'schema.json', 'policy.json', 'README.md'])
      expect(existsSync(join(dir, file)), file).toBe(true);
    // The config as written, but on a free port and fewer rounds (the rest is what `cohort init` wrote).
    const config = JSON.parse(readFileSync(join(dir, 'coordinator.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ port: 8080, model: 'mlp', numFeatures: 10, numClasses: 2, minClients: 2 });
    writeFileSync(join(dir, 'coordinator.json'), JSON.stringify({ ...config, port: 0, rounds: 3 }));

    const coordinator = runCohort(fromReadme('npx cohort coordinator --config coordinator.json'), { cwd: dir });
    const { port } = await listeningOn(coordinator);
    const sites = [
      'npx cohort client --server http://127.0.0.1:8080 --data site-a.csv --label label --data-dir .site-a',
      'npx cohort client --server http://127.0.0.1:8080 --data site-b.csv --label label --data-dir .site-b',
    ].map((line) => runCohort(fromReadme(line, port), { cwd: dir }));
    expect(await coordinator.exited).toBe(0);
    expect(await Promise.all(sites.map((s) => s.exited))).toEqual([0, 0]);
    // A person watching a client sees a line per round and a final line.
    const said = sites[0]!.lines.join('\n');
    for (const round of [1, 2, 3])
      expect(said).toMatch(new RegExp(`round ${round}: trained on \\d+ examples, loss \\d\\.\\d{4}, \\d+\\.\\d s`));
    expect(said).toMatch(/done: completed 3 rounds; this client trained in 3 rounds/);
  }, 120_000);

  it('runs the masking walk-through: cohort mask, then a coordinator sized from the schema and two hospitals', async () => {
    const dir = await initFolder();
    const mask = runCohort(
      fromReadme('npx cohort mask --policy policy.json --in patients-a.csv --out masked-a.csv --report mask-report.json'),
      { cwd: dir },
    );
    expect(await mask.exited).toBe(0);
    const masked = readFileSync(join(dir, 'masked-a.csv'), 'utf8');
    const raw = readFileSync(join(dir, 'patients-a.csv'), 'utf8');
    const firstEmail = /[\w.]+@[\w.]+/.exec(raw)![0];
    expect(masked).not.toContain(firstEmail);

    const line =
      'npx cohort coordinator --port 8081 --model mlp --schema schema.json --rounds 5 --min-clients 2 --data-dir .coordinator-pii';
    const args = fromReadme(line).map((a) => (a === '8081' ? '0' : a));
    args[args.indexOf('5')] = '2';
    const coordinator = runCohort(args, { cwd: dir });
    const { port } = await listeningOn(coordinator);
    const hospitals = [
      'npx cohort client --server http://127.0.0.1:8081 --data patients-a.csv --schema schema.json --policy policy.json --data-dir .hospital-a',
      'npx cohort client --server http://127.0.0.1:8081 --data patients-b.csv --schema schema.json --policy policy.json --data-dir .hospital-b',
    ].map((l) =>
      runCohort(
        fromReadme(l).map((a) => a.replace('127.0.0.1:8081', `127.0.0.1:${port}`)),
        { cwd: dir },
      ),
    );
    expect(await coordinator.exited).toBe(0);
    expect(await Promise.all(hospitals.map((h) => h.exited))).toEqual([0, 0]);
  }, 120_000);

  it('runs the code example as printed in the README: it trains, saves, loads the model on the wasm backend and exits', async () => {
    const source = readFileSync(join(ROOT, 'examples/federation-in-code.ts'), 'utf8');
    expect(README, 'README.md must show examples/federation-in-code.ts verbatim').toContain(source.trim());
    const dir = await initFolder();
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/federation-in-code.ts'), dir], {
      cwd: ROOT,
      timeout: 100_000,
    });
    expect(stdout).toMatch(/^finished: accuracy 0\.\d+ after 5 rounds$/m);
    expect(stdout).toMatch(/^saved model: 452 parameters$/m);
  }, 120_000);
});
