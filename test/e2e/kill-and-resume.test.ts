import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { listeningOn, runCohort, type CohortProcess } from '../helpers/processes';
import { syntheticData, tempDir, writeClientCsv } from '../helpers/federation';

const ROUNDS = 5;
const dataset = syntheticData(3);
const dir = tempDir('cohort-resume-');
const running: CohortProcess[] = [];

afterAll(() => {
  for (const p of running) p.child.kill('SIGKILL');
});

describe('a coordinator killed mid-round', () => {
  it('resumes from the last committed round on restart, and the run finishes consistently', async () => {
    const db = join(dir, 'state.db');
    const coordinatorArgs = (port: number) => [
      'coordinator',
      '--port',
      String(port),
      '--rounds',
      String(ROUNDS),
      '--min-clients',
      '3',
      '--model',
      'mlp',
      '--num-features',
      String(dataset.numFeatures),
      '--num-classes',
      '2',
      '--batch-size',
      '16',
      '--db',
      db,
      '--data-dir',
      dir,
      '--round-timeout',
      '60',
      '--json',
    ];
    const first = runCohort(coordinatorArgs(0));
    running.push(first);
    const { url, port } = await listeningOn(first);
    for (let i = 0; i < 3; i++) {
      running.push(
        runCohort([
          'client',
          '--server',
          url,
          '--data',
          writeClientCsv(dataset, dir, i, 3),
          '--label',
          'label',
          '--id',
          `site-${i}`,
          '--data-dir',
          join(dir, `site-${i}`),
          '--log-level',
          'warn',
        ]),
      );
    }
    await first.waitForLog(/^fit round 3 started/);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);

    const state = new Database(db, { readonly: true });
    const runId = (state.prepare(`SELECT id FROM runs`).get() as { id: string }).id;
    const committedBefore = state.prepare(`SELECT round FROM rounds WHERE status = 'committed' ORDER BY round`).all();
    state.close();
    expect(committedBefore).toEqual([{ round: 1 }, { round: 2 }]);

    // The clients keep retrying the same URL, so the restart takes the port the first one was given.
    const second = runCohort(coordinatorArgs(port));
    running.push(second);
    await second.waitForLog(new RegExp(`^resuming run ${runId} after committed round 2`));
    expect(await second.exited).toBe(0);
    const outcome = JSON.parse(second.stdout()) as { runId: string; status: string; lastRound: number; modelSha256: string };
    expect(outcome).toMatchObject({ runId, status: 'finished', lastRound: ROUNDS });

    const after = new Database(db, { readonly: true });
    const rounds = after.prepare(`SELECT round, status FROM rounds WHERE run_id = ? ORDER BY round, attempt`).all(runId);
    const checkpoints = after.prepare(`SELECT round, sha256 FROM checkpoints WHERE run_id = ? ORDER BY round`).all(runId) as {
      round: number;
      sha256: string;
    }[];
    const run = after.prepare(`SELECT status FROM runs WHERE id = ?`).get(runId);
    after.close();
    // Each round committed exactly once, numbered without gaps, and the last checkpoint is the final model.
    expect(rounds).toEqual(Array.from({ length: ROUNDS }, (_, i) => ({ round: i + 1, status: 'committed' })));
    expect(checkpoints.map((c) => c.round)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(checkpoints.at(-1)!.sha256).toBe(outcome.modelSha256);
    expect(run).toEqual({ status: 'finished' });
    // The clients reconnected by themselves and left when the run ended.
    await Promise.all(running.slice(1, 4).map((c) => c.exited));
  }, 300_000);
});
