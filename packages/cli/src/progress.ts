/** Per-round progress: a bar on a terminal, one plain line per round otherwise. */
import cliProgress from 'cli-progress';
import type { RoundReport } from '@cohort/coordinator';

export interface Progress {
  round(report: RoundReport): void;
  stop(): void;
}

export function describeRound(r: RoundReport, rounds: number): string {
  const e = r.evaluation;
  const metrics = e ? `accuracy ${e.accuracy.toFixed(4)}  loss ${e.loss.toFixed(4)}  f1 ${e.f1.toFixed(4)}` : 'not evaluated';
  const head = r.round === 0 ? 'initial model' : `round ${r.round}/${rounds}`;
  // Under DP the report carries no participation facts, and none are shown.
  const p = r.participation;
  const work =
    r.round === 0 ? '' : `${p ? `  clients ${p.participants}  failures ${p.failures.length}` : ''}  ${(r.durationMs / 1000).toFixed(1)}s`;
  const privacy = r.privacy ? `  ε ${r.privacy.rdp.toFixed(3)} (RDP) ${r.privacy.pld.toFixed(3)} (PLD)` : '';
  return `${head}  ${metrics}${work}${privacy}`;
}

export function createProgress(rounds: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return { round: (r) => stream.write(`${describeRound(r, rounds)}\n`), stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: 'round {value}/{total} [{bar}] accuracy {accuracy}  loss {loss}  failures {failures}  eta {eta_formatted}',
      stream,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(rounds, 0, { accuracy: '-', loss: '-', failures: 0 });
  return {
    round: (r) => {
      const e = r.evaluation;
      bar.update(r.round, {
        accuracy: e ? e.accuracy.toFixed(4) : '-',
        loss: e ? e.loss.toFixed(4) : '-',
        failures: r.participation ? r.participation.failures.length : '-',
      });
    },
    stop: () => bar.stop(),
  };
}
