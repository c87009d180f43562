/**
 * Runs a person can trust and replay: a run directory is never silently overwritten, a run's own
 * config.json replays it, one process at a time holds a directory, a restart under other settings is
 * refused, and the exit code tells a mistake from a failed run or a spent budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseLedgerJsonl, RdpAccountant } from '@cohort/privacy';
import type { MetricsLine } from '@cohort/simulations';
import { cohort, listeningOn, runCohort, type CohortProcess } from '../helpers/processes';
import { type RawClient, tempDir, zeroUpdateClient } from '../helpers/federation';

const running: CohortProcess[] = [];
const raw: RawClient[] = [];

afterAll(() => {
  for (const c of raw) c.close();
  for (const p of running) p.child.kill('SIGKILL');
});

function start(args: string[]): CohortProcess {
  const p = runCohort(args);
  running.push(p);
  return p;
}

function json<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A client that answers fit round 1 at once with a zero update, and no later round: a run it joins stays in round 2. */
const answersRoundOne = (url: string, clientId: string): RawClient => zeroUpdateClient(url, clientId, (round) => round === 1);

/** An MLP coordinator on a free port, quiet but for warnings. */
const coordinatorArgs = (dataDir: string, ...extra: string[]) => [
  'coordinator',
  '--data-dir',
  dataDir,
  '--num-features',
  '10',
  '--num-classes',
  '2',
  '--log-level',
  'warn',
  ...extra,
];

describe('cohort simulate --out', () => {
  const out = join(tempDir(), 'run');

  beforeAll(async () => {
    const first = await cohort('simulate', '--dataset', 'synthetic', '--clients', '3', '--rounds', '1', '--workers', '1', '--out', out);
    expect(first.code, first.stderr).toBe(0);
  }, 120_000);

  it('refuses a directory holding a finished run, with usage exit code 2, and leaves it as it was', async () => {
    const summary = readFileSync(join(out, 'summary.json'), 'utf8');
    const again = await cohort('simulate', '--dataset', 'synthetic', '--clients', '3', '--rounds', '1', '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${out} already holds a finished run (completed 1 rounds): give --resume to continue it, --force`);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it("replays from the run's own config.json: accepted by --config, flags override it, unknown keys still refused", async () => {
    const recorded = json(join(out, 'config.json'));
    const replay = await cohort('simulate', '--config', join(out, 'config.json'), '--seed', '9', '--print-config');
    expect(replay.code, replay.stderr).toBe(0);
    const { dpResolved: _d, numFeatures: _f, numClasses: _c, trainExamples: _tr, testExamples: _te, ...settings } = recorded;
    expect(JSON.parse(replay.stdout)).toEqual({ ...settings, seed: 9 });

    const typo = join(tempDir(), 'typo.json');
    writeFileSync(typo, JSON.stringify({ ...recorded, roundz: 3 }));
    const refused = await cohort('simulate', '--config', typo, '--print-config');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('unknown key "roundz"');
  });

  it('resumes only under the settings the run started with, naming each difference', async () => {
    const resumed = await cohort('simulate', '--out', out, '--resume', '--rounds', '4', '--lr', '0.5');
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('was started with other settings: --rounds was 1, now 4; --lr was 0.1, now 0.5');
    const both = await cohort('simulate', '--out', out, '--resume', '--force');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--resume and --force exclude each other');
  });
});

describe('an interrupted simulation', () => {
  const out = join(tempDir(), 'run');
  const args = ['simulate', '--dataset', 'synthetic', '--clients', '3', '--rounds', '3', '--workers', '1', '--out', out];

  it('stops on SIGINT with exit code 130, keeping the committed rounds', async () => {
    const simulation = start(args);
    await simulation.waitForLog(/^round 1\/3 /);
    simulation.child.kill('SIGINT');
    expect(await simulation.exited).toBe(130);
    expect(json(join(out, 'summary.json'))).toMatchObject({ status: 'stopped' });
  }, 90_000);

  it('resumes with --resume from where it stopped, with its own settings, never writing a round twice', async () => {
    const stoppedAfter = json<{ rounds_completed: number }>(join(out, 'summary.json')).rounds_completed;
    const resumed = await cohort('simulate', '--out', out, '--resume', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming from round ${stoppedAfter + 1} of 3 (${stoppedAfter} committed)`);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'finished', rounds_completed: 3 });
    const rounds = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as MetricsLine).round);
    expect(rounds).toEqual([0, 1, 2, 3]);
  }, 90_000);
});

describe('--print-config and --help', () => {
  it('prints the effective configuration (defaults, file, flags) and exits 0 without running', async () => {
    const dir = tempDir();
    const file = join(dir, 'coordinator.json');
    writeFileSync(file, JSON.stringify({ rounds: 7, 'min-clients': 3, 'data-dir': join(dir, 'federation') }));
    const printed = await cohort('coordinator', '--config', file, '--min-clients', '4', '--print-config');
    expect(printed.code, printed.stderr).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({
      rounds: 7,
      minClients: 4,
      dataDir: join(dir, 'federation'),
      lr: 0.1,
      dp: 'off',
      heapGrowth: 200,
    });
    expect(existsSync(join(dir, 'federation'))).toBe(false);
  });

  it('lists the exit codes of simulate and coordinator', async () => {
    for (const command of ['simulate', 'coordinator']) {
      const help = await cohort(command, '--help');
      for (const line of [/^ {2}2 +usage:/m, /^ {2}3 +the run failed/m, /^ {2}4 +the privacy budget cannot fit/m, /^ {2}1 +the empirical/m])
        expect(help.stdout).toMatch(line);
    }
    expect((await cohort('coordinator', '--rounds', 'many')).code).toBe(2);
    const growth = await cohort('coordinator', '--heap-growth', '1000');
    expect(growth.code).toBe(2);
    expect(growth.stderr).toContain('--heap-growth');
  });
});

describe('cohort coordinator --data-dir', () => {
  it("refuses a second coordinator on the same directory at once, naming it and the holder's pid; a dead holder's lock is taken over", async () => {
    const dir = tempDir();
    const first = start(coordinatorArgs(dir));
    await listeningOn(first);
    const second = await cohort(...coordinatorArgs(dir));
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`${dir} is in use by process ${first.child.pid} (cohort coordinator`);

    first.child.kill('SIGKILL');
    await first.exited;
    const third = start(coordinatorArgs(dir));
    await listeningOn(third);
    expect(json(join(dir, 'cohort.lock'))).toMatchObject({ pid: third.child.pid });
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(130);
  }, 90_000);

  it("refuses to resume under other settings, naming each; --new-run starts afresh on the federation's budget and records it like a simulation", async () => {
    const dir = tempDir();
    const dp = ['--dp', 'central', '--noise-multiplier', '4', '--eval-every', '0', '--min-clients', '2'];
    const first = start(coordinatorArgs(dir, ...dp, '--rounds', '2', '--log-level', 'info'));
    const { url } = await listeningOn(first);
    await first.waitForLog(/^V8 heap growth: 200 %$/);
    raw.push(answersRoundOne(url, 'a'), answersRoundOne(url, 'b'));
    await first.waitForLog(/^fit round 2 started/);
    first.child.kill('SIGKILL');
    await first.exited;
    const oldRun = json<{ run_id: string }>(join(dir, 'run.json')).run_id;

    // The heap growth is how the process runs, not what the run is: never a difference.
    const changed = await cohort(...coordinatorArgs(dir, ...dp, '--rounds', '3', '--noise-multiplier', '2', '--heap-growth', '0'));
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(`SETTINGS_MISMATCH: ${dir} holds run ${oldRun}, unfinished after round 1`);
    expect(changed.stderr).toContain('--rounds was 2, now 3; --noise-multiplier was 4, now 2.');

    const fresh = start(coordinatorArgs(dir, ...dp, '--rounds', '3', '--new-run', '--json'));
    const next = await listeningOn(fresh);
    raw.push(zeroUpdateClient(next.url, 'a'), zeroUpdateClient(next.url, 'b'));
    expect(await fresh.exited).toBe(0);
    const outcome = JSON.parse(fresh.stdout()) as { runId: string; status: string; privacy: { rdp: number } };
    expect(outcome.status).toBe('finished');

    // The budget belongs to the federation: the new run's ε counts the ended run's release too.
    const entries = parseLedgerJsonl(readFileSync(join(dir, 'ledger.jsonl'), 'utf8'));
    expect(entries.map((e) => e.runId)).toEqual([oldRun, outcome.runId, outcome.runId, outcome.runId]);
    const reference = new RdpAccountant().step({ noiseMultiplier: 4, sampleRate: 1 }, entries.length);
    expect(outcome.privacy.rdp).toBeCloseTo(reference.getEpsilon(1e-5), 10);
    const db = new Database(join(dir, 'coordinator.db'), { readonly: true });
    expect(db.prepare('SELECT status, end_reason FROM runs WHERE id = ?').get(oldRun)).toEqual({
      status: 'failed',
      end_reason: 'ended by --new-run: a new run took its place',
    });
    db.close();

    // The data directory holds the run's records as a simulation's run directory does; the ended run's moved aside.
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsLine);
    expect(lines.map((l) => [l.round, l.epsilon_rdp !== undefined])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(json(join(dir, 'summary.json'))).toMatchObject({ run_id: outcome.runId, status: 'finished', rounds_completed: 3 });
    expect(json(join(dir, 'runs', oldRun, 'run.json'))).toEqual({ run_id: oldRun });
    expect(json(join(dir, 'config.json'))).toMatchObject({ rounds: 3, noiseMultiplier: 4 });
  }, 120_000);

  it('stops before round 1 on a budget that cannot fit it, saying what would fit, with exit code 4', async () => {
    const refused = await cohort(...coordinatorArgs(tempDir(), '--dp', 'central', '--noise-multiplier', '1', '--budget-epsilon', '0.1'));
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(
      /cannot fit round 1: one round at noise multiplier 1 and sampling rate 1 costs ε = [\d.]+\. What would fit the planned 10 rounds: --noise-multiplier [\d.]+ or more \(or --target-epsilon 0\.1\), or --budget-epsilon [\d.]+ or more/,
    );
    expect(refused.stderr).not.toContain('ε spent so far 0.0000');
  });
});
