/**
 * Reads what a simulation left in its run directory (see ../run-directory.ts) back into memory:
 * config.json and metrics.jsonl are required, summary.json and ledger.jsonl are read when present.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SimulationError } from '../errors';
import type { MetricsLine } from '../run-directory';
import type { SimulationSummary } from '../run-simulation';

/** One run directory, as read. */
export interface RunRecord {
  /** Absolute path of the directory. */
  dir: string;
  /** The directory's own name, for labels. */
  name: string;
  config: RunConfig;
  /** metrics.jsonl, one entry per line, in file order. */
  metrics: MetricsLine[];
  /** null when the run has not finished (summary.json is written last). */
  summary: SimulationSummary | null;
  /** Releases in ledger.jsonl; null when the run published no ledger (no DP). */
  ledgerReleases: number | null;
}

/**
 * config.json. `cohort simulate` records its flags (`dp` is the mode, `budgetEpsilon` and
 * `targetEpsilon` sit at the top); a Simulation built in code records its options (`dp` is an
 * object). Both add `dpResolved`, the DP settings in force. Only the fields the report reads are typed.
 */
export interface RunConfig {
  [key: string]: unknown;
  dataset?: string;
  model?: string;
  clients?: number;
  rounds?: number;
  partition?: string;
  fraction?: number;
  seed?: number;
  dp?: string | { mode?: string; budgetEpsilon?: number; targetEpsilon?: number };
  budgetEpsilon?: number;
  targetEpsilon?: number;
  dpResolved?: {
    mode: string;
    noiseMultiplier: number;
    clipNorm: number;
    sampleRate: number;
    delta: number;
    budgetEpsilon?: number;
  } | null;
  secureAggregation?: unknown;
}

/** The privacy budget ε the run was held to, in either form of config.json. */
export function budgetEpsilonOf(config: RunConfig): number | undefined {
  return config.dpResolved?.budgetEpsilon ?? config.budgetEpsilon ?? (typeof config.dp === 'object' ? config.dp.budgetEpsilon : undefined);
}

/** The ε that σ was calibrated to spend over the planned rounds (--target-epsilon), in either form. */
export function targetEpsilonOf(config: RunConfig): number | undefined {
  return config.targetEpsilon ?? (typeof config.dp === 'object' ? config.dp.targetEpsilon : undefined);
}

const WHAT_A_RUN_DIRECTORY_HOLDS =
  'A run directory (written by `cohort simulate --out DIR`) holds config.json and metrics.jsonl, ' +
  'summary.json once the run has finished, and ledger.jsonl under differential privacy.';

export function readRunDirectory(path: string): RunRecord {
  const dir = resolve(path);
  if (!existsSync(dir)) throw notARunDirectory(path, 'it does not exist');
  if (!statSync(dir).isDirectory()) throw notARunDirectory(path, 'it is a file, not a directory');
  for (const required of ['config.json', 'metrics.jsonl'])
    if (!existsSync(join(dir, required))) throw notARunDirectory(path, `${required} is missing`);
  return {
    dir,
    name: basename(dir),
    config: readJsonObject(join(dir, 'config.json')) as RunConfig,
    metrics: readMetrics(join(dir, 'metrics.jsonl')),
    summary: existsSync(join(dir, 'summary.json')) ? (readJsonObject(join(dir, 'summary.json')) as unknown as SimulationSummary) : null,
    ledgerReleases: existsSync(join(dir, 'ledger.jsonl')) ? countLines(join(dir, 'ledger.jsonl')) : null,
  };
}

function notARunDirectory(path: string, why: string): SimulationError {
  return new SimulationError('INVALID_DATA', `${path} is not a run directory: ${why}. ${WHAT_A_RUN_DIRECTORY_HOLDS}`);
}

function readJsonObject(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SimulationError('INVALID_DATA', `${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(value)) throw new SimulationError('INVALID_DATA', `${file} must hold a JSON object.`);
  return value;
}

/** Every non-blank line must be a JSON object with an integer `round`; the first that is not is named. */
function readMetrics(file: string): MetricsLine[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const metrics: MetricsLine[] = [];
  lines.forEach((text, index) => {
    if (text.trim() === '') return;
    const where = `${file} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new SimulationError('INVALID_DATA', `${where} is not valid JSON (${(error as Error).message}): ${preview(text)}`, {
        cause: error,
      });
    }
    if (!isObject(value) || !Number.isInteger(value['round']))
      throw new SimulationError('INVALID_DATA', `${where} is not a metrics line (an object with an integer "round"): ${preview(text)}`);
    metrics.push(value as unknown as MetricsLine);
  });
  return metrics;
}

function countLines(file: string): number {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '').length;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
