/**
 * Start-up checks that keep the privacy budget with the federation (the coordinator's data
 * directory) rather than with one run: a run cannot resume under other DP settings, a federation
 * that has spent budget cannot run without DP, and a ledger cannot outlive its database silently.
 */
import { existsSync } from 'node:fs';
import type { LedgerEntry } from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import { ledgerFileHasEntries } from './ledger-export';
import type { DpOptions } from '../options';
import type { RunRecord } from '../store/store';

/** The DP settings a run is bound to, as stored with it (the key directory is not a setting). */
export type RecordedDp = ReturnType<typeof recordedDp>;

export function recordedDp(dp: DpOptions | undefined) {
  if (!dp) return null;
  return {
    mode: dp.mode,
    clipNorm: dp.clipNorm,
    noiseMultiplier: dp.noiseMultiplier,
    sampleRate: dp.sampleRate,
    delta: dp.delta,
    budgetEpsilon: dp.budgetEpsilon ?? null,
    seed: dp.seed ?? null,
    adaptive: dp.adaptive ?? null,
  };
}

/** Refuses to create a database beside a ledger that already records releases. */
export function assertDatabaseBesideLedger(dbPath: string, ledgerPath: string | undefined): void {
  if (!ledgerPath || dbPath === ':memory:' || existsSync(dbPath) || !ledgerFileHasEntries(ledgerPath)) return;
  throw new CoordinatorError(
    'STORE_CORRUPT',
    `${ledgerPath} records privacy releases but the database ${dbPath} is missing: starting afresh would reset the federation's privacy budget. ` +
      'Restore the database, or use a new data directory for a new federation.',
  );
}

/** A run resumes only under the DP settings it started with; the message names every difference. */
export function assertResumeSettings(run: RunRecord, dp: DpOptions | undefined): void {
  const stored = (run.config['dp'] ?? null) as Record<string, unknown> | null;
  const current = recordedDp(dp) as Record<string, unknown> | null;
  const show = (value: unknown) => (value === null || value === undefined ? 'off' : JSON.stringify(value));
  let differences: string[];
  if (stored === null || current === null) {
    differences =
      stored === current ? [] : [`dp: ${stored ? `${String(stored['mode'])}` : 'off'} → ${current ? `${String(current['mode'])}` : 'off'}`];
  } else {
    differences = Object.keys({ ...stored, ...current })
      .filter((key) => JSON.stringify(stored[key] ?? null) !== JSON.stringify(current[key] ?? null))
      .map((key) => `${key}: ${show(stored[key])} → ${show(current[key])}`);
  }
  if (differences.length === 0) return;
  throw new CoordinatorError(
    'SETTINGS_MISMATCH',
    `run ${run.id} in this database is unfinished and was started with other differential-privacy settings (${differences.join('; ')}). ` +
      "Restart with the run's own settings to resume it; its privacy accounting depends on them.",
  );
}

/** A federation whose ledger records releases has spent budget: a run without DP would release unnoised models. */
export function assertPrivateFederation(entries: readonly LedgerEntry[], dp: DpOptions | undefined): void {
  if (dp || entries.length === 0) return;
  throw new CoordinatorError(
    'PRIVACY_REQUIRED',
    `this federation's ledger records ${entries.length} differentially private releases; a run without --dp would release models without noise and void them. ` +
      'Run with --dp, or use a new data directory for a different federation.',
  );
}
