/**
 * The files a simulation leaves behind: config.json, metrics.jsonl, summary.json, model/, and under
 * DP the published ledger (ledger.jsonl, ledger-head.json, coordinator.pub). coordinator.db is the
 * coordinator's private store (it names participants): keep it out of what you publish. The ledger's
 * signing key is never written here.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FairnessMetrics, RoundReport } from '@cohort/coordinator';

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

export class RunDirectory {
  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
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

  writeConfig(config: object): void {
    writeFileSync(join(this.path, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  appendMetrics(line: MetricsLine): void {
    appendFileSync(join(this.path, 'metrics.jsonl'), `${JSON.stringify(line)}\n`);
  }

  /** privacy-audit.json: canary scores (never their directions), the estimate and the lower bound. */
  writePrivacyAudit(report: object): void {
    writeFileSync(join(this.path, 'privacy-audit.json'), `${JSON.stringify(report, null, 2)}\n`);
  }

  writeSummary(summary: object): void {
    writeFileSync(join(this.path, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}

/** runs/2026-11-28T15-04-05Z style default directory. */
export function defaultRunPath(now = new Date()): string {
  return join(
    'runs',
    now
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-'),
  );
}
