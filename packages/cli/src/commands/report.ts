import { Command } from 'commander';
import { resolveWithConfig } from '../options';

interface Flags {
  out: string;
  json?: boolean;
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'write one self-contained HTML report (opens offline) of one or more run directories: accuracy, loss, ε against the budget, fairness, per-client spread, duration and bytes per round; runs that differ only in seed are drawn as mean ± std',
    )
    .argument('<run-dir...>', 'run directories written by `cohort simulate --out DIR`')
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .option('--json', 'print what was written as JSON on stdout')
    .option('--config <file>', 'JSON file whose keys mirror these flags')
    .action(async (runDirs: string[], _opts, command: Command) => {
      const flags = resolveWithConfig<Flags>(command);
      const { writeReport } = await import('@cohort/simulations/report');
      const written = writeReport(runDirs, flags.out);
      if (flags.json) process.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
      else
        process.stdout.write(
          `report of ${written.runs} run${written.runs === 1 ? '' : 's'} (${written.experiments} series, ${written.charts} charts) written to ${written.outFile}\n`,
        );
    });
}
