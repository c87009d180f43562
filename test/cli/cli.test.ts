import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cohort } from '../helpers/processes';
import { tempDir } from '../helpers/federation';

describe('the cohort command', () => {
  it('lists its subcommands, and each explains its flags', async () => {
    const help = await cohort('--help');
    expect(help.code).toBe(0);
    for (const sub of ['simulate', 'coordinator', 'client', 'accountant', 'audit', 'mask', 'keygen'])
      expect(help.stdout).toMatch(new RegExp(`^\\s+${sub}\\b`, 'm'));
    const sim = await cohort('simulate', '--help');
    for (const flag of ['--dataset', '--partition', '--clients', '--rounds', '--seed', '--workers', '--out', '--json', '--config'])
      expect(sim.stdout).toContain(flag);
    const coord = await cohort('coordinator', '--help');
    for (const flag of [
      '--port',
      '--host',
      '--rounds',
      '--min-clients',
      '--fraction',
      '--round-timeout',
      '--eval-every',
      '--model',
      '--local-epochs',
      '--batch-size',
      '--lr',
      '--seed',
      '--db',
    ]) {
      expect(coord.stdout).toContain(flag);
    }
    const client = await cohort('client', '--help');
    for (const flag of ['--server', '--data', '--label']) expect(client.stdout).toContain(flag);
  });

  it('reads --config JSON whose keys mirror the flags; flags on the command line win', async () => {
    const dir = tempDir();
    const config = join(dir, 'sim.json');
    writeFileSync(config, JSON.stringify({ dataset: 'synthetic', clients: 3, rounds: 2, 'batch-size': 32, out: join(dir, 'run') }));
    const run = await cohort('simulate', '--config', config, '--rounds', '1', '--json');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { clients: number; rounds_completed: number; final: { accuracy: number } };
    expect(summary.clients).toBe(3);
    expect(summary.rounds_completed).toBe(1);
    expect(summary.final.accuracy).toBeGreaterThan(0);
  }, 120_000);

  it('adds updates in arrival order when asked, records it with the run, and refuses it where it would do nothing', async () => {
    const dir = tempDir();
    const inArrivalOrder = ['simulate', '--dataset', 'synthetic', '--clients', '3', '--rounds', '1', '--aggregation-order', 'arrival'];
    const run = await cohort(...inArrivalOrder, '--json', '--out', join(dir, 'run'));
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { final: { accuracy: number } }).final.accuracy).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8'))).toMatchObject({ aggregationOrder: 'arrival' });
    const underDp = await cohort(...inArrivalOrder, '--dp', 'central', '--out', join(dir, 'dp'));
    expect(underDp.code).not.toBe(0);
    expect(underDp.stderr).toMatch(/--aggregation-order arrival .*under --dp they are all aggregated at the round's end/);
    const secure = await cohort(
      'coordinator',
      '--secure-aggregation',
      '--aggregation-order',
      'arrival',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'secure'),
    );
    expect(secure.code).not.toBe(0);
    expect(secure.stderr).toMatch(/--aggregation-order arrival .*under --secure-aggregation the coordinator sees only their sum/);
  }, 120_000);

  it('rejects bad flags and config keys with a message naming them', async () => {
    const bad = await cohort('simulate', '--clients', 'zero');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--clients.*expected an integer/);
    const dir = tempDir();
    const config = join(dir, 'typo.json');
    writeFileSync(config, JSON.stringify({ roundz: 3 }));
    const typo = await cohort('simulate', '--config', config);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('unknown key "roundz"');
  });
});
