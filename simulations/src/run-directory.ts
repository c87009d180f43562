/**
 * The files a run leaves behind, whether a simulation's or a real coordinator's: config.json (the
 * settings, replayable with `--config`, and what they resolved to), run.json (the run's id), metrics.jsonl,
 * summary.json, model/, and under DP the published ledger (ledger.jsonl, ledger-head.json,
 * coordinator.pub). coordinator.db is the coordinator's private store (it names participants): keep
 * it out of what you publish. The ledger's signing key is never written here.
 *
 * One process at a time writes a run directory: `RunDirectory.open` takes cohort.lock in it.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ClassificationMetrics,
  DpOptions,
  EpsilonReport,
  EvaluationRecord,
  FairnessMetrics,
  RoundReport,
  RunOutcome,
  RunSecurity,
} from '@cohort/coordinator';
import { DirectoryLock, readText } from './directory-lock';

/**
 * One line of metrics.jsonl. Under differential privacy the participation fields (selected,
 * participants, failures, failure_reasons, bytes_in, bytes_out) and per_client_accuracy are absent:
 * a published file must not tell whether a given client took part in a given round.
 */
export interface MetricsLine {
  round: number;
  population: number;
  selected?: number;
  participants?: number;
  failures?: number;
  failure_reasons?: { client: string; kind: string; reason: string }[];
  loss: number | null;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  train_loss: number | null;
  train_accuracy: number | null;
  duration_ms: number;
  bytes_in?: number;
  bytes_out?: number;
  /** Time and bytes of each stage of secure aggregation, when the round was securely aggregated. */
  secure_aggregation?: Record<string, { ms: number; bytes_in: number; bytes_out: number }>;
  /** ε after the round at `delta`, when differential privacy is on. */
  epsilon_rdp?: number;
  epsilon_pld?: number;
  delta?: number;
  /** false when DP noise was seeded: the ε figures then protect nothing. */
  private?: boolean;
  /** min, max and std of the clients' own accuracies. */
  per_client_accuracy?: { clients: number; min: number; max: number; std: number } | null;
  fairness?: {
    groups: Record<string, { examples: number; accuracy: number; tpr: number; fpr: number; f1: number; positive_rate: number | null }>;
    demographic_parity_difference: number | null;
    equal_opportunity_difference: number;
  };
}

export function toMetricsLine(report: RoundReport): MetricsLine {
  const e = report.evaluation;
  const p = report.participation;
  return {
    round: report.round,
    population: report.population,
    ...(p
      ? {
          selected: p.selected,
          participants: p.participants,
          failures: p.failures.length,
          failure_reasons: p.failures.map((f) => ({ client: f.clientId, kind: f.kind, reason: f.reason })),
        }
      : {}),
    loss: e?.loss ?? null,
    accuracy: e?.accuracy ?? null,
    precision: e?.precision ?? null,
    recall: e?.recall ?? null,
    f1: e?.f1 ?? null,
    train_loss: report.trainLoss,
    train_accuracy: report.trainAccuracy,
    duration_ms: Math.round(report.durationMs),
    ...(p ? { bytes_in: p.bytesIn, bytes_out: p.bytesOut } : {}),
    ...(p?.secureAggregation
      ? {
          secure_aggregation: Object.fromEntries(
            Object.entries(p.secureAggregation).map(([stage, f]) => [stage, { ms: f.ms, bytes_in: f.bytesIn, bytes_out: f.bytesOut }]),
          ),
        }
      : {}),
    ...(e?.perClientAccuracy ? { per_client_accuracy: e.perClientAccuracy } : {}),
    ...(e?.fairness ? { fairness: fairnessLine(e.fairness) } : {}),
    ...(report.privacy
      ? { epsilon_rdp: report.privacy.rdp, epsilon_pld: report.privacy.pld, delta: report.privacy.delta, private: report.privacy.private }
      : {}),
  };
}

function fairnessLine(f: FairnessMetrics): NonNullable<MetricsLine['fairness']> {
  return {
    groups: Object.fromEntries(
      Object.entries(f.groups).map(([name, g]) => [
        name,
        { examples: g.examples, accuracy: g.accuracy, tpr: g.tpr, fpr: g.fpr, f1: g.f1, positive_rate: g.positiveRate },
      ]),
    ),
    demographic_parity_difference: f.demographicParityDifference,
    equal_opportunity_difference: f.equalOpportunityDifference,
  };
}

/** What summary.json says of every run, a simulation's or a real coordinator's. */
export interface RunSummary {
  run_id: string;
  status: RunOutcome['status'];
  reason: string;
  rounds_completed: number;
  model: string;
  seed: number;
  /** This process's share of the run: a resumed run counts from its resumption. */
  duration_ms: number;
  initial: ClassificationMetrics | null;
  final: (ClassificationMetrics & { round: number }) | null;
  privacy: (EpsilonReport & { mode: string; noise_multiplier: number; clip: number; sample_rate: number; private: boolean }) | null;
  model_sha256: string;
  /** How connections and answers were protected. */
  security: RunSecurity;
  run_dir: string;
}

export type RunDirectoryErrorCode =
  /** The directory holds a previous run, and neither resuming nor replacing it was asked for. */
  | 'RUN_EXISTS'
  /** Resuming was asked for, but the directory's run has ended. */
  | 'NOTHING_TO_RESUME';

export class RunDirectoryError extends Error {
  override readonly name = 'RunDirectoryError';

  constructor(
    readonly code: RunDirectoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What to do with a directory that already holds a run. */
export type PreviousRun =
  /** Refuse it (RUN_EXISTS). */
  | 'refuse'
  /** Continue it: metrics.jsonl keeps its rounds and gains only new ones. */
  | 'resume'
  /** Move its files aside to the sibling DIR.replaced-TIMESTAMP, then start afresh. */
  | 'replace'
  /** A federation's data directory: runs follow one another; a new run moves its predecessor's records to runs/RUN_ID/. */
  | 'federation';

/** The files of one run in a federation's directory, moved aside when the next run begins. */
const PER_RUN_FILES = ['config.json', 'run.json', 'metrics.jsonl', 'summary.json', 'privacy-audit.json', 'report.html'];

/** Whether a directory entry is something a run writes: nothing else is ever moved. */
function isRunFile(name: string): boolean {
  return PER_RUN_FILES.includes(name) || name === 'model' || name.startsWith('coordinator.') || name.startsWith('ledger');
}

/**
 * Files that exist once a run has begun (run.json is written as soon as the coordinator has created
 * or resumed it): without them, what is left is an attempt that never started a run, and is reused.
 */
const RUN_BEGUN = ['run.json', 'metrics.jsonl', 'summary.json', 'ledger.jsonl'];

/** `base`, or `base-2`, `base-3`…: the first that does not exist, created here (so two processes never share one). */
function newDirectory(base: string): string {
  for (let n = 1; ; n++) {
    const path = n === 1 ? base : `${base}-${n}`;
    try {
      mkdirSync(path);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function timestamp(now = new Date()): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

export class RunDirectory {
  /** Where the previous run's files were moved, when `open` replaced them. */
  replacedTo: string | undefined;
  /** The evaluations of round 0 and of the latest evaluated round, as recorded (or restored on resume). */
  initial: ClassificationMetrics | null = null;
  final: (ClassificationMetrics & { round: number }) | null = null;
  private lock: DirectoryLock | undefined;
  /** Rounds already in metrics.jsonl: a resumed run never writes one twice. */
  private readonly recorded = new Set<number>();

  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
  }

  /**
   * Locks the directory for this process (DirectoryInUseError if another live process holds it), then deals with
   * a previous run in it as `previousRun` says. Call close() when done.
   */
  static open(path: string, { previousRun, command }: { previousRun: PreviousRun; command: string }): RunDirectory {
    const dir = new RunDirectory(path);
    dir.lock = DirectoryLock.acquire(path, command);
    try {
      const previous = readdirSync(path).filter(isRunFile);
      const begun = previous.some((name) => RUN_BEGUN.includes(name));
      if (begun && previousRun === 'refuse')
        throw new RunDirectoryError(
          'RUN_EXISTS',
          `${path} already holds ${dir.describePrevious()}: give --resume to continue it, --force to move it aside and start afresh, or another --out.`,
        );
      if (previous.length > 0 && previousRun === 'replace') {
        dir.replacedTo = newDirectory(`${path}.replaced-${timestamp()}`);
        dir.moveFiles(previous, dir.replacedTo);
      }
      dir.readRecordedRounds();
      return dir;
    } catch (error) {
      dir.close();
      throw error;
    }
  }

  get dbPath(): string {
    return join(this.path, 'coordinator.db');
  }

  get ledgerPath(): string {
    return join(this.path, 'ledger.jsonl');
  }

  get modelDir(): string {
    return join(this.path, 'model');
  }

  /** The run's settings, in the form `--config` reads back. */
  writeConfig(config: object): void {
    writeFileSync(join(this.path, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  /**
   * Marks the directory as the record of run `runId` (run.json). In a federation's directory, the
   * records of another run found here move to runs/ITS_ID/ first.
   */
  beginRun(runId: string): void {
    const previous = this.runOnRecord();
    if (previous !== undefined && previous !== runId) {
      const names = readdirSync(this.path).filter((name) => PER_RUN_FILES.includes(name));
      this.moveFiles(names, join(this.path, 'runs', previous));
      this.recorded.clear();
      this.initial = null;
      this.final = null;
    }
    writeFileSync(join(this.path, 'run.json'), `${JSON.stringify({ run_id: runId }, null, 2)}\n`);
  }

  /** Appends a line to metrics.jsonl, unless its round is already there. */
  appendMetrics(line: MetricsLine): void {
    if (this.recorded.has(line.round)) return;
    this.recorded.add(line.round);
    appendFileSync(join(this.path, 'metrics.jsonl'), `${JSON.stringify(line)}\n`);
  }

  /** Records a round's report: its metrics line, and the initial and final evaluations of the summary. */
  recordRound(report: RoundReport): void {
    if (report.evaluation && report.round === 0) this.initial = report.evaluation;
    if (report.evaluation) this.final = { ...report.evaluation, round: report.round };
    this.appendMetrics(toMetricsLine(report));
  }

  /**
   * On resuming a run: the summary's initial and final evaluations, from those its database holds
   * (under DP without the spread of clients' accuracies, as the rounds published them).
   */
  restoreEvaluations(evaluations: readonly EvaluationRecord[], dp: boolean): void {
    const published = (m: ClassificationMetrics): ClassificationMetrics => {
      if (!dp) return m;
      const { perClientAccuracy: _spread, ...rest } = m;
      return rest;
    };
    const first = evaluations.find((e) => e.round === 0);
    const last = evaluations.at(-1);
    this.initial = first ? published(first.metrics) : null;
    this.final = last ? { ...published(last.metrics), round: last.round } : null;
  }

  /** privacy-audit.json: canary scores (never their directions), the estimate and the lower bound. */
  writePrivacyAudit(report: object): void {
    writeFileSync(join(this.path, 'privacy-audit.json'), `${JSON.stringify(report, null, 2)}\n`);
  }

  writeSummary(summary: object): void {
    writeFileSync(join(this.path, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }

  /** The summary every run shares, from its outcome and the evaluations recorded. */
  summarise(outcome: RunOutcome, run: { model: string; seed: number; startedAt: number; dp: DpOptions | undefined }): RunSummary {
    const { dp } = run;
    return {
      run_id: outcome.runId,
      status: outcome.status,
      reason: outcome.reason,
      rounds_completed: outcome.lastRound,
      model: run.model,
      seed: run.seed,
      duration_ms: Date.now() - run.startedAt,
      initial: this.initial,
      final: this.final,
      model_sha256: outcome.modelSha256,
      privacy:
        dp && outcome.privacy
          ? { ...outcome.privacy, mode: dp.mode, noise_multiplier: dp.noiseMultiplier, clip: dp.clipNorm, sample_rate: dp.sampleRate }
          : null,
      security: outcome.security,
      run_dir: this.path,
    };
  }

  /** Releases the directory's lock. */
  close(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  private runOnRecord(): string | undefined {
    const text = readText(join(this.path, 'run.json'));
    return text === undefined ? undefined : String((JSON.parse(text) as { run_id?: unknown }).run_id);
  }

  private describePrevious(): string {
    const text = readText(join(this.path, 'summary.json'));
    if (text === undefined) return 'an unfinished run (no summary.json)';
    const summary = JSON.parse(text) as { status?: string; reason?: string };
    return `a ${summary.status ?? 'previous'} run (${summary.reason ?? 'no reason recorded'})`;
  }

  /** Moves run files to `to`; a file already there is never replaced (it may be a ledger of privacy spent). */
  private moveFiles(names: readonly string[], to: string): void {
    mkdirSync(to, { recursive: true });
    const taken = names.filter((name) => existsSync(join(to, name)));
    if (taken.length > 0)
      throw new RunDirectoryError('RUN_EXISTS', `cannot move ${taken.join(', ')} to ${to}: it already holds files of that name.`);
    for (const name of names) renameSync(join(this.path, name), join(to, name));
  }

  /** Reads the rounds metrics.jsonl holds, and cuts off a last line left half-written by a crash. */
  private readRecordedRounds(): void {
    const path = join(this.path, 'metrics.jsonl');
    const text = readText(path);
    if (text === undefined) return;
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length < text.length) truncateSync(path, Buffer.byteLength(complete));
    for (const line of complete.split('\n')) {
      if (line.trim() === '') continue;
      this.recorded.add((JSON.parse(line) as MetricsLine).round);
    }
  }
}

/** runs/2026-11-28T15-04-05Z style default directory. */
export function defaultRunPath(now = new Date()): string {
  return join('runs', timestamp(now));
}
