/** SQLite schema of the coordinator's state. Bump SCHEMA_VERSION with every change. */
export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
  config_json TEXT NOT NULL,
  topology_json TEXT NOT NULL,
  weight_specs_json TEXT NOT NULL,
  num_classes INTEGER NOT NULL,
  ended_at TEXT,
  end_reason TEXT
);
CREATE TABLE IF NOT EXISTS checkpoints (
  run_id TEXT NOT NULL REFERENCES runs(id),
  round INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  payload BLOB NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, round)
);
CREATE TABLE IF NOT EXISTS rounds (
  run_id TEXT NOT NULL REFERENCES runs(id),
  round INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('committed', 'failed')),
  started_at TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  population INTEGER NOT NULL,
  selected_json TEXT NOT NULL,
  participants_json TEXT NOT NULL,
  failures_json TEXT NOT NULL,
  train_loss REAL,
  train_accuracy REAL,
  bytes_in INTEGER NOT NULL,
  bytes_out INTEGER NOT NULL,
  PRIMARY KEY (run_id, round, attempt)
);
-- One ledger per federation (data dir): seq and the hash chain run on across runs.
CREATE TABLE IF NOT EXISTS ledger (
  seq INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id),
  round INTEGER NOT NULL,
  entry_json TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS ledger_append_only_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_append_only_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;
CREATE TABLE IF NOT EXISTS strategy_state (
  run_id TEXT NOT NULL REFERENCES runs(id),
  round INTEGER NOT NULL,
  state_json TEXT NOT NULL,
  PRIMARY KEY (run_id, round)
);
CREATE TABLE IF NOT EXISTS evaluations (
  run_id TEXT NOT NULL REFERENCES runs(id),
  round INTEGER NOT NULL,
  metrics_json TEXT NOT NULL,
  participants_json TEXT NOT NULL,
  failures_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, round)
);
`;
