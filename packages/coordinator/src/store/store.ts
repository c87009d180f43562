/**
 * Coordinator state in SQLite (better-sqlite3): runs, rounds, evaluations and model checkpoints.
 * A round's model and its row are written in one transaction, so a crash leaves either the old
 * round or the new one, never half of one.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CoordinatorError } from '../errors';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema';
import type { LedgerEntry } from '@cohort/privacy';
import type { TensorSpec } from '@cohort/protocol';
import type { ClassificationMetrics, Failure } from '../strategy/strategy';

export interface RunRecord {
  id: string;
  createdAt: string;
  status: 'running' | 'finished' | 'failed';
  config: Record<string, unknown>;
  topology: Record<string, unknown>;
  weightSpecs: TensorSpec[];
  numClasses: number;
  endReason: string | null;
}

export interface RoundRecord {
  runId: string;
  round: number;
  attempt: number;
  status: 'committed' | 'failed';
  startedAt: string;
  durationMs: number;
  /** Clients connected when the cohort was drawn. */
  population: number;
  selected: string[];
  participants: string[];
  failures: Failure[];
  trainLoss: number | null;
  trainAccuracy: number | null;
  bytesIn: number;
  bytesOut: number;
}

export interface EvaluationRecord {
  runId: string;
  round: number;
  metrics: ClassificationMetrics;
  participants: string[];
  failures: Failure[];
}

export interface Checkpoint {
  round: number;
  sha256: string;
  payload: Uint8Array;
}

/** Bytes per page of a new database. */
const PAGE_SIZE = 16384;

export class Store {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
      // Owner-only: SQLite gives the -wal and -shm files the database file's mode, so create it 0600 first.
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    this.db = new Database(path);
    // 16 KiB pages for a new database (an existing one keeps its own): a round's checkpoint takes a quarter
    // of the pages, WAL frames and checksums of 4 KiB pages, and the WAL is folded back 4× less often.
    this.db.pragma(`page_size = ${PAGE_SIZE}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version !== 0 && version !== SCHEMA_VERSION) {
      throw new CoordinatorError(
        'STORE_CORRUPT',
        `database ${path} has schema version ${version}; this coordinator reads version ${SCHEMA_VERSION}.`,
      );
    }
    this.db.exec(SCHEMA_SQL);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    // A database written by an older coordinator may have left its -wal and -shm files readable by others.
    for (const file of [`${path}-wal`, `${path}-shm`]) if (path !== ':memory:' && existsSync(file)) chmodSync(file, 0o600);
  }

  close(): void {
    this.db.close();
  }

  /** The most recent run that has not finished, if any. */
  unfinishedRun(): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE status = 'running' ORDER BY created_at DESC, rowid DESC LIMIT 1`).get() as
      | RunRow
      | undefined;
    return row && toRun(row);
  }

  /** Creates a run with its initial model as the round-0 checkpoint, in one transaction. */
  createRun(run: Omit<RunRecord, 'status' | 'endReason'>, initial: Checkpoint): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO runs (id, created_at, status, config_json, topology_json, weight_specs_json, num_classes) VALUES (?, ?, 'running', ?, ?, ?, ?)`,
        )
        .run(
          run.id,
          run.createdAt,
          JSON.stringify(run.config),
          JSON.stringify(run.topology),
          JSON.stringify(run.weightSpecs),
          run.numClasses,
        );
      this.insertCheckpoint(run.id, initial);
    })();
  }

  latestCheckpoint(runId: string): Checkpoint {
    const row = this.db.prepare(`SELECT round, sha256, payload FROM checkpoints WHERE run_id = ? ORDER BY round DESC LIMIT 1`).get(runId) as
      | { round: number; sha256: string; payload: Buffer }
      | undefined;
    if (!row) throw new CoordinatorError('STORE_CORRUPT', `run ${runId} has no model checkpoint.`);
    return { round: row.round, sha256: row.sha256, payload: new Uint8Array(row.payload) };
  }

  /** Every checkpoint of a run, round 0 (the initial model) first. */
  *checkpoints(runId: string): IterableIterator<Checkpoint> {
    const rows = this.db
      .prepare(`SELECT round, sha256, payload FROM checkpoints WHERE run_id = ? ORDER BY round`)
      .iterate(runId) as IterableIterator<{
      round: number;
      sha256: string;
      payload: Buffer;
    }>;
    for (const row of rows) yield { round: row.round, sha256: row.sha256, payload: new Uint8Array(row.payload) };
  }

  /**
   * Commits a round: the new model, the round's row, its ledger entry and the strategy's state,
   * together or not at all. Only the latest strategy state is kept (a server optimiser's moments are
   * two model-sized tensors): the older rows go in the same transaction, so a crash keeps one or the other.
   */
  commitRound(record: RoundRecord, model: Checkpoint, ledgerEntry?: LedgerEntry, strategyState?: unknown): void {
    this.db.transaction(() => {
      this.insertRound(record);
      this.insertCheckpoint(record.runId, model);
      if (strategyState !== undefined) {
        this.db
          .prepare(`INSERT INTO strategy_state (run_id, round, state_json) VALUES (?, ?, ?)`)
          .run(record.runId, record.round, JSON.stringify(strategyState));
        this.db.prepare(`DELETE FROM strategy_state WHERE run_id = ? AND round < ?`).run(record.runId, record.round);
      }
      if (ledgerEntry) this.insertLedgerEntry(ledgerEntry);
    })();
  }

  /** Appends a release that is not tied to a committed model (local DP accounts before it releases). */
  appendLedgerEntry(entry: LedgerEntry): void {
    this.insertLedgerEntry(entry);
  }

  /** The strategy's state saved with the last committed round, if it keeps any. */
  strategyState(runId: string): unknown {
    const row = this.db.prepare(`SELECT state_json FROM strategy_state WHERE run_id = ? ORDER BY round DESC LIMIT 1`).get(runId) as
      | { state_json: string }
      | undefined;
    return row ? JSON.parse(row.state_json) : undefined;
  }

  /** The federation's whole ledger, every run's releases in seq order. */
  ledger(): LedgerEntry[] {
    const rows = this.db.prepare(`SELECT entry_json FROM ledger ORDER BY seq`).all() as { entry_json: string }[];
    return rows.map((r) => JSON.parse(r.entry_json) as LedgerEntry);
  }

  /** How many runs this database has seen. */
  runCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM runs`).get() as { n: number }).n;
  }

  recordFailedRound(record: RoundRecord): void {
    this.insertRound(record);
  }

  saveEvaluation(record: EvaluationRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO evaluations (run_id, round, metrics_json, participants_json, failures_json, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.runId,
        record.round,
        JSON.stringify(record.metrics),
        JSON.stringify(record.participants),
        JSON.stringify(record.failures),
        new Date().toISOString(),
      );
  }

  evaluation(runId: string, round: number): EvaluationRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM evaluations WHERE run_id = ? AND round = ?`).get(runId, round) as EvaluationRow | undefined;
    return row && toEvaluation(row);
  }

  evaluations(runId: string): EvaluationRecord[] {
    return (this.db.prepare(`SELECT * FROM evaluations WHERE run_id = ? ORDER BY round`).all(runId) as EvaluationRow[]).map(toEvaluation);
  }

  rounds(runId: string): RoundRecord[] {
    return (this.db.prepare(`SELECT * FROM rounds WHERE run_id = ? ORDER BY round, attempt`).all(runId) as RoundRow[]).map(toRound);
  }

  failedAttempts(runId: string, round: number): number {
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM rounds WHERE run_id = ? AND round = ? AND status = 'failed'`)
      .get(runId, round) as { n: number };
    return row.n;
  }

  finishRun(runId: string, status: 'finished' | 'failed', reason: string): void {
    this.db
      .prepare(`UPDATE runs SET status = ?, ended_at = ?, end_reason = ? WHERE id = ?`)
      .run(status, new Date().toISOString(), reason, runId);
  }

  private insertLedgerEntry(entry: LedgerEntry): void {
    this.db
      .prepare(`INSERT INTO ledger (seq, run_id, round, entry_json) VALUES (?, ?, ?, ?)`)
      .run(entry.seq, entry.runId, entry.round, JSON.stringify(entry));
  }

  private insertCheckpoint(runId: string, model: Checkpoint): void {
    this.db
      .prepare(`INSERT INTO checkpoints (run_id, round, sha256, payload, created_at) VALUES (?, ?, ?, ?, ?)`)
      .run(
        runId,
        model.round,
        model.sha256,
        Buffer.from(model.payload.buffer, model.payload.byteOffset, model.payload.byteLength),
        new Date().toISOString(),
      );
  }

  private insertRound(r: RoundRecord): void {
    this.db
      .prepare(
        `INSERT INTO rounds (run_id, round, attempt, status, started_at, duration_ms, population, selected_json, participants_json, failures_json,
           train_loss, train_accuracy, bytes_in, bytes_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.runId,
        r.round,
        r.attempt,
        r.status,
        r.startedAt,
        r.durationMs,
        r.population,
        JSON.stringify(r.selected),
        JSON.stringify(r.participants),
        JSON.stringify(r.failures),
        r.trainLoss,
        r.trainAccuracy,
        r.bytesIn,
        r.bytesOut,
      );
  }
}

interface RunRow {
  id: string;
  created_at: string;
  status: RunRecord['status'];
  config_json: string;
  topology_json: string;
  weight_specs_json: string;
  num_classes: number;
  end_reason: string | null;
}

interface RoundRow {
  run_id: string;
  round: number;
  attempt: number;
  status: RoundRecord['status'];
  started_at: string;
  duration_ms: number;
  population: number;
  selected_json: string;
  participants_json: string;
  failures_json: string;
  train_loss: number | null;
  train_accuracy: number | null;
  bytes_in: number;
  bytes_out: number;
}

interface EvaluationRow {
  run_id: string;
  round: number;
  metrics_json: string;
  participants_json: string;
  failures_json: string;
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    status: row.status,
    config: JSON.parse(row.config_json),
    topology: JSON.parse(row.topology_json),
    weightSpecs: JSON.parse(row.weight_specs_json),
    numClasses: row.num_classes,
    endReason: row.end_reason,
  };
}

function toRound(row: RoundRow): RoundRecord {
  return {
    runId: row.run_id,
    round: row.round,
    attempt: row.attempt,
    status: row.status,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    population: row.population,
    selected: JSON.parse(row.selected_json),
    participants: JSON.parse(row.participants_json),
    failures: JSON.parse(row.failures_json),
    trainLoss: row.train_loss,
    trainAccuracy: row.train_accuracy,
    bytesIn: row.bytes_in,
    bytesOut: row.bytes_out,
  };
}

function toEvaluation(row: EvaluationRow): EvaluationRecord {
  return {
    runId: row.run_id,
    round: row.round,
    metrics: JSON.parse(row.metrics_json),
    participants: JSON.parse(row.participants_json),
    failures: JSON.parse(row.failures_json),
  };
}
