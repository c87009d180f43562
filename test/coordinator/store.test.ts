import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, type RoundRecord } from '@cohort/coordinator';
import type { LedgerEntry } from '@cohort/privacy';

const run = {
  id: 'run-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  config: {},
  topology: {},
  weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' as const }],
  numClasses: 2,
};

function committed(round: number): RoundRecord {
  return {
    runId: run.id,
    round,
    attempt: 1,
    status: 'committed',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    population: 2,
    selected: ['a', 'b'],
    participants: ['a', 'b'],
    failures: [],
    trainLoss: null,
    trainAccuracy: null,
    bytesIn: 0,
    bytesOut: 0,
  };
}

const checkpoint = (round: number) => ({ round, sha256: `sha-${round}`, payload: new Uint8Array(8).fill(round) });

describe('the store', () => {
  it('keeps only the latest strategy state of a run, and a reopened store resumes from it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'state.db');
    const store = new Store(path);
    store.createRun(run, checkpoint(0));
    for (const round of [1, 2, 3]) store.commitRound(committed(round), checkpoint(round), undefined, { moments: round });
    // A round whose strategy keeps no state leaves the last one in place.
    store.commitRound(committed(4), checkpoint(4));
    store.close();

    const rows = new Database(path, { readonly: true }).prepare('SELECT run_id, round FROM strategy_state').all();
    expect(rows).toEqual([{ run_id: run.id, round: 3 }]);
    const reopened = new Store(path);
    expect(reopened.strategyState(run.id)).toEqual({ moments: 3 });
    expect(reopened.latestCheckpoint(run.id).round).toBe(4);
    reopened.close();
  });

  it('keeps the previous strategy state when a round fails to commit', () => {
    const store = new Store(':memory:');
    store.createRun(run, checkpoint(0));
    store.commitRound(committed(1), checkpoint(1), undefined, { moments: 1 });
    // A ledger entry whose seq is taken fails last, after the older state was deleted: all of it rolls back.
    const entry = { seq: 1, runId: run.id, round: 1 } as unknown as LedgerEntry;
    store.appendLedgerEntry(entry);
    expect(() => store.commitRound(committed(2), checkpoint(2), entry, { moments: 2 })).toThrow(/UNIQUE/);
    expect(store.strategyState(run.id)).toEqual({ moments: 1 });
    expect(store.rounds(run.id).map((r) => r.round)).toEqual([1]);
    expect(store.latestCheckpoint(run.id).round).toBe(1);
    store.close();
  });

  it('gives a new database 16 KiB pages and opens one made with 4 KiB pages as it is, checkpoints intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const pageSize = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.pragma('page_size', { simple: true });
      } finally {
        db.close();
      }
    };
    try {
      const fresh = join(dir, 'fresh.db');
      new Store(fresh).close();
      expect(pageSize(fresh)).toBe(16384);

      // A database an older coordinator made: 4 KiB pages, a run and its initial model already in it.
      const older = join(dir, 'older.db');
      const legacy = new Database(older);
      legacy.pragma('page_size = 4096');
      legacy.pragma('journal_mode = WAL'); // writes the header, and with it the page size
      legacy.close();
      const store = new Store(older);
      store.createRun(run, checkpoint(0));
      const model = { round: 1, sha256: 'sha-1', payload: Uint8Array.from({ length: 50_000 }, (_, i) => i % 251) };
      store.commitRound(committed(1), model);
      store.close();
      expect(pageSize(older)).toBe(4096);
      const reopened = new Store(older);
      expect(reopened.latestCheckpoint(run.id)).toEqual(model);
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
