/** The report's header: each run's configuration in brief and its final figures. */
import type { RunGroup } from './compare-runs';
import type { RunRecord } from './read-run-directory';

export const RUN_TABLE_COLUMNS = [
  'experiment',
  'directory',
  'dataset',
  'model',
  'clients',
  'partition',
  'fraction',
  'seed',
  'DP',
  'secure aggregation',
  'status',
  'rounds',
  'accuracy',
  'loss',
  'ε (RDP / PLD)',
  'duration',
] as const;

export type RunRow = Record<(typeof RUN_TABLE_COLUMNS)[number], string>;

export function runRows(groups: readonly RunGroup[]): RunRow[] {
  return groups.flatMap((group) => group.runs.map((run) => runRow(group.label, run)));
}

function runRow(experiment: string, run: RunRecord): RunRow {
  const { config, summary } = run;
  const final = finalFigures(run);
  return {
    experiment,
    directory: run.dir,
    dataset: text(config.dataset),
    model: text(config.model ?? summary?.model),
    clients: text(config.clients),
    partition: text(config.partition),
    fraction: text(config.fraction),
    seed: text(config.seed),
    DP: dpText(run),
    'secure aggregation': config.secureAggregation ? 'on' : 'off',
    status: summary ? `${summary.status}: ${summary.reason}` : 'unfinished (no summary.json)',
    rounds: `${final.round ?? '—'} of ${text(config.rounds)}`,
    accuracy: figure(final.accuracy),
    loss: figure(final.loss),
    'ε (RDP / PLD)': final.epsilonRdp === undefined ? 'no DP' : `${figure(final.epsilonRdp)} / ${figure(final.epsilonPld)}`,
    duration: summary ? `${(summary.duration_ms / 1000).toFixed(1)} s` : '—',
  };
}

/** The summary's figures when the run finished, otherwise the last ones metrics.jsonl recorded. */
function finalFigures(run: RunRecord): {
  round: number | undefined;
  accuracy: number | null;
  loss: number | null;
  epsilonRdp: number | undefined;
  epsilonPld: number | undefined;
} {
  const lastEvaluated = [...run.metrics].reverse().find((l) => l.accuracy !== null);
  const lastPrivate = [...run.metrics].reverse().find((l) => l.epsilon_rdp !== undefined);
  const { summary } = run;
  return {
    round: summary ? summary.rounds_completed : run.metrics.at(-1)?.round,
    accuracy: summary ? (summary.final?.accuracy ?? null) : (lastEvaluated?.accuracy ?? null),
    loss: summary ? (summary.final?.loss ?? null) : (lastEvaluated?.loss ?? null),
    epsilonRdp: summary?.privacy?.rdp ?? lastPrivate?.epsilon_rdp,
    epsilonPld: summary?.privacy?.pld ?? lastPrivate?.epsilon_pld,
  };
}

function dpText(run: RunRecord): string {
  const dp = run.config.dpResolved;
  if (!dp) return 'off';
  const seeded = run.metrics.some((l) => l.private === false) ? ', seeded noise: NOT private' : '';
  const ledger =
    run.ledgerReleases === null
      ? '; no ledger.jsonl'
      : `; ledger.jsonl: ${run.ledgerReleases} release${run.ledgerReleases === 1 ? '' : 's'}`;
  return `${dp.mode}: σ ${figure(dp.noiseMultiplier)}, C ${dp.clipNorm}, q ${dp.sampleRate}, δ ${dp.delta}${seeded}${ledger}`;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function figure(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : '∞';
}
