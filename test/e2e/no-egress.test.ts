import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaToJson } from '@cohort/client';
import { defaultMaskingPolicy, generatePiiDataset, writePiiDataset } from '@cohort/simulations';
import { listeningOn, runCohort, type CohortProcess } from '../helpers/processes';
import { RecordingProxy } from '../helpers/recording-proxy';
import { tempDir } from '../helpers/federation';

const PII_COLUMNS = ['full_name', 'email', 'phone', 'street_address', 'national_id', 'date_of_birth', 'notes'];
const running: CohortProcess[] = [];
afterAll(() => running.forEach((p) => p.child.kill('SIGKILL')));

/** Every value of `needles` found in `haystack`, byte for byte. */
function found(haystack: Buffer, needles: readonly string[]): string[] {
  return needles.filter((n) => haystack.includes(Buffer.from(n, 'utf8')));
}

function filesUnder(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).isFile())
      .map((f) => readFileSync(f)),
  );
}

/** Writes one device's data (its own people) and returns the raw values that must never leave it. */
async function device(root: string, index: number) {
  const dir = join(root, `site-${index}`);
  const written = await writePiiDataset('synthetic-credit', dir, { seed: 100 + index, count: 250 });
  const { records } = generatePiiDataset('synthetic-credit', { seed: 100 + index, count: 250 });
  const pii = records.flatMap((r) => PII_COLUMNS.map((c) => String(r[c] ?? ''))).filter((v) => v.length >= 6);
  const rawRows = readFileSync(join(dir, 'data.csv'), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.length >= 20);
  return { dir, data: written.dataPath, schema: written.schemaPath, pii, rawRows };
}

async function federation(
  root: string,
  name: string,
  rounds: number,
  clients: Awaited<ReturnType<typeof device>>[],
  policy: string,
  schemaPath: string,
  extra?: (serverUrl: string) => CohortProcess,
) {
  const coordinatorDir = join(root, `coordinator-${name}`);
  const coordinator = runCohort([
    'coordinator',
    '--port',
    '0',
    '--rounds',
    String(rounds),
    '--min-clients',
    String(clients.length + (extra ? 1 : 0)),
    '--model',
    'mlp',
    '--schema',
    schemaPath,
    '--batch-size',
    '16',
    '--data-dir',
    coordinatorDir,
    '--log-level',
    'info',
  ]);
  running.push(coordinator);
  const { port } = await listeningOn(coordinator);
  const proxy = new RecordingProxy(port);
  const proxyPort = await proxy.listen();
  const sites = clients.map((c, i) =>
    runCohort([
      'client',
      '--server',
      `http://127.0.0.1:${proxyPort}`,
      '--data',
      c.data,
      '--schema',
      c.schema,
      '--policy',
      policy,
      '--id',
      `site-${i}`,
      '--data-dir',
      join(c.dir, 'state'),
      '--log-level',
      'info',
    ]),
  );
  running.push(...sites);
  const leaky = extra?.(`http://127.0.0.1:${proxyPort}`);
  if (leaky) running.push(leaky);
  const exitCode = await coordinator.exited;
  await Promise.all([...sites, ...(leaky ? [leaky] : [])].map((s) => s.exited));
  await proxy.close();
  return {
    exitCode,
    traffic: proxy.captured(),
    coordinatorDir,
    logs: Buffer.from([coordinator, ...sites].flatMap((p) => p.lines).join('\n')),
  };
}

describe('raw data never leaves a device', () => {
  it('captures every byte between real client and coordinator processes and finds no PII and no raw row, anywhere the coordinator keeps data', async () => {
    const root = tempDir('cohort-egress-');
    const devices = await Promise.all([0, 1, 2].map((i) => device(root, i)));
    const { schema } = generatePiiDataset('synthetic-credit', { seed: 1, count: 1 });
    const policyPath = join(root, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(defaultMaskingPolicy(schema)));
    const schemaPath = join(root, 'schema.json');
    writeFileSync(schemaPath, schemaToJson(schema));

    const honest = await federation(root, 'honest', 2, devices, policyPath, schemaPath);
    expect(honest.exitCode).toBe(0);
    const secrets = devices.flatMap((d) => d.pii);
    const rows = devices.flatMap((d) => d.rawRows);
    expect(secrets.length).toBeGreaterThan(1500);
    expect(honest.traffic.length).toBeGreaterThan(50_000);
    // The capture is readable in both directions: what clients send (their ids, in frames the
    // WebSocket protocol masks on the wire) is found in it.
    expect(found(honest.traffic, ['"clientId":"site-0"', '"clientId":"site-2"'])).toHaveLength(2);
    expect(found(honest.traffic, secrets)).toEqual([]);
    expect(found(honest.traffic, rows)).toEqual([]);
    expect(found(filesUnder(honest.coordinatorDir), secrets)).toEqual([]);
    expect(found(filesUnder(honest.coordinatorDir), rows)).toEqual([]);
    expect(found(honest.logs, secrets)).toEqual([]);

    // The scanner can fail: a client that smuggles one email into its update is caught.
    const victim = generatePiiDataset('synthetic-credit', { seed: 100, count: 250 }).records[7]!.email!;
    const leakyScript = fileURLToPath(new URL('../helpers/leaky-client.ts', import.meta.url));
    const leaked = await federation(root, 'leaky', 1, devices.slice(0, 2), policyPath, schemaPath, (serverUrl) => {
      const child = spawn(process.execPath, ['--import', 'tsx', leakyScript, serverUrl, victim], { stdio: 'ignore' });
      return {
        child,
        lines: [],
        stdout: () => '',
        waitForLog: async () => '',
        exited: new Promise((resolve) => child.once('exit', resolve)),
      };
    });
    expect(found(leaked.traffic, secrets)).toEqual([victim]);
    // ASCII read as float32 is far beyond any sane weight: the coordinator never commits that aggregate.
    expect(leaked.exitCode).toBe(3); // the run failed
    expect(leaked.logs.toString()).toMatch(/the aggregate was not committed/);
  }, 300_000);
});
