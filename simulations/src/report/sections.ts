/**
 * The sections of a report: what each shows, and what it says instead when the runs did not
 * record it.
 */
import type { MetricsLine } from '../run-directory';
import { type Chart, type Plot, addLevel, buildChart } from './chart';
import type { RunGroup } from './compare-runs';
import { budgetEpsilonOf, targetEpsilonOf } from './read-run-directory';
import { roundsOf } from './series';

export interface Section {
  id: string;
  title: string;
  charts: Chart[];
  /** Shown in place of the section's charts when it has none, or beside them for what is missing. */
  notes: string[];
}

export function buildSections(groups: readonly RunGroup[]): Section[] {
  const rounds = roundsOf(groups.flatMap((g) => g.runs));
  const trainingRounds = rounds.filter((r) => r > 0);
  return [
    learningSection(groups, rounds),
    privacySection(groups, trainingRounds),
    fairnessSection(groups, rounds),
    perClientSection(groups, rounds),
    costSection(groups, trainingRounds),
  ];
}

function learningSection(groups: readonly RunGroup[], rounds: number[]): Section {
  const charts = present([
    buildChart(groups, { id: 'accuracy', title: 'Accuracy', yLabel: 'accuracy', rounds, plots: [plot('accuracy', (l) => l.accuracy)] }),
    buildChart(groups, { id: 'loss', title: 'Loss', yLabel: 'loss', rounds, plots: [plot('loss', (l) => l.loss)] }),
  ]);
  return {
    id: 'learning',
    title: 'Accuracy and loss per round (federated evaluation)',
    charts,
    notes: charts.length > 0 ? [] : ['No federated evaluation in these runs (they ran with --eval-every 0): no accuracy or loss to show.'],
  };
}

function privacySection(groups: readonly RunGroup[], rounds: number[]): Section {
  const id = 'privacy';
  const title = 'Privacy spent: ε per round';
  const deltas = new Set(groups.flatMap((g) => g.runs.flatMap((r) => r.metrics.map((l) => l.delta)).filter((d) => d !== undefined)));
  const chart = buildChart(groups, {
    id: 'epsilon',
    title: 'ε after each round',
    yLabel: deltas.size === 1 ? `ε at δ = ${[...deltas][0]}` : 'ε',
    rounds,
    plots: [plot('RDP', (l) => l.epsilon_rdp), plot('PLD', (l) => l.epsilon_pld)],
  });
  if (!chart) return { id, title, charts: [], notes: ['No DP in these runs: ε is recorded only with --dp central, local or distributed.'] };
  const notes: string[] = [];
  const withoutDp = groups.filter((g) => !g.runs.some((r) => r.metrics.some((l) => l.epsilon_rdp !== undefined)));
  if (withoutDp.length > 0) notes.push(`No DP in: ${withoutDp.map((g) => g.label).join('; ')}.`);
  const seeded = groups.filter((g) => g.runs.some((r) => r.metrics.some((l) => l.private === false)));
  if (seeded.length > 0)
    notes.push(`DP noise was seeded (--dp-seed) in: ${seeded.map((g) => g.label).join('; ')}. Those ε figures protect nothing.`);
  const budgets = distinct(groups.flatMap((g) => g.runs.map((r) => budgetEpsilonOf(r.config))));
  const targets = distinct(groups.flatMap((g) => g.runs.map((r) => targetEpsilonOf(r.config))));
  for (const budget of budgets) addLevel(chart, `budget ε = ${budget}`, budget, [3, 3]);
  for (const target of targets) addLevel(chart, `target ε = ${target} (planned rounds)`, target, [12, 4]);
  if (budgets.length === 0) notes.push('No privacy budget was set (--budget-epsilon), so there is no budget line.');
  return { id, title, charts: [chart], notes };
}

function fairnessSection(groups: readonly RunGroup[], rounds: number[]): Section {
  const names = [...new Set(groups.flatMap((g) => g.runs.flatMap((r) => r.metrics.flatMap((l) => Object.keys(l.fairness?.groups ?? {})))))];
  const charts = present([
    buildChart(groups, {
      id: 'group-accuracy',
      title: 'Accuracy per group',
      yLabel: 'accuracy',
      rounds,
      plots: names.map((name) => plot(`group ${name}`, (l) => l.fairness?.groups[name]?.accuracy)),
    }),
    buildChart(groups, {
      id: 'fairness-gaps',
      title: 'Fairness gaps between groups',
      yLabel: 'difference',
      rounds,
      plots: [
        plot('demographic parity difference', (l) => l.fairness?.demographic_parity_difference),
        plot('equal opportunity difference', (l) => l.fairness?.equal_opportunity_difference),
      ],
    }),
  ]);
  return {
    id: 'fairness',
    title: 'Fairness across groups',
    charts,
    notes:
      charts.length > 0
        ? []
        : ['No per-group metrics in these runs: fairness is measured when the dataset has groups (synthetic-credit, synthetic-health).'],
  };
}

function perClientSection(groups: readonly RunGroup[], rounds: number[]): Section {
  const chart = buildChart(groups, {
    id: 'client-spread',
    title: "Spread of the clients' own accuracies",
    yLabel: 'accuracy',
    rounds,
    plots: [plot('worst client', (l) => l.per_client_accuracy?.min), plot('best client', (l) => l.per_client_accuracy?.max)],
    shadeBetween: [0, 1],
  });
  return {
    id: 'clients',
    title: 'Per-client accuracy spread',
    charts: present([chart]),
    notes: chart
      ? [
          "Shaded: from the worst to the best client (over seeds, the mean of each). metrics.jsonl records the clients' extremes and std, not their median.",
        ]
      : [
          'No per-client accuracy in these runs: a DP run does not publish it (it would tell who took part), and a run without evaluation has none.',
        ],
  };
}

function costSection(groups: readonly RunGroup[], rounds: number[]): Section {
  const duration = buildChart(groups, {
    id: 'duration',
    title: 'Round duration',
    yLabel: 'seconds',
    rounds,
    plots: [plot('duration', (l) => l.duration_ms / 1000)],
  });
  const bytes = buildChart(groups, {
    id: 'bytes',
    title: 'Bytes per round',
    yLabel: 'MB',
    rounds,
    plots: [
      plot('in (clients → coordinator)', (l) => megabytes(l.bytes_in)),
      plot('out (coordinator → clients)', (l) => megabytes(l.bytes_out)),
    ],
  });
  return {
    id: 'cost',
    title: 'Round duration and traffic',
    charts: present([duration, bytes]),
    notes: bytes
      ? []
      : ['Bytes per round are not published under DP (they would tell how many clients took part), and no run here recorded them.'],
  };
}

function plot(name: string, extract: (line: MetricsLine) => number | null | undefined): Plot {
  return { name, extract };
}

function megabytes(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : bytes / 1e6;
}

function present(charts: (Chart | null)[]): Chart[] {
  return charts.filter((c): c is Chart => c !== null);
}

function distinct(values: (number | undefined)[]): number[] {
  return [...new Set(values.filter((v): v is number => typeof v === 'number'))];
}
