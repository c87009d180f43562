/**
 * Exit codes of the `cohort` commands, so that a script can tell a mistake in the invocation from a
 * run that failed or ran out of privacy budget. `cohort client` keeps its own (commands/client.ts);
 * the run-outcome codes agree with it.
 */
import { CommanderError, type Command } from 'commander';
import type { RunOutcome } from '@cohort/coordinator';

export const EXIT_CODES = {
  ok: 0,
  /** The ledger audit (`cohort audit`) or a simulation's empirical privacy audit failed. */
  auditFailed: 1,
  /** A bad flag, config file or setting, or a directory that refuses the run (in use, holds another run, other settings). */
  usage: 2,
  /** The run failed (a round failed every attempt, or an unexpected error). */
  runFailed: 3,
  /** The privacy budget cannot fit the next round: the run stopped, or could not start. */
  budgetExhausted: 4,
  /** Stopped by SIGINT or SIGTERM; the committed rounds are kept and the run can be resumed. */
  interrupted: 130,
} as const;

/** Error codes (of CoordinatorError, SimulationError, RunDirectoryError, DirectoryInUseError) that mean "change the invocation". */
const USAGE_ERRORS = new Set([
  'INVALID_OPTION',
  'INVALID_DATA',
  'SETTINGS_MISMATCH',
  'PRIVACY_REQUIRED',
  'INVALID_ENROLMENT',
  'INSECURE',
  'UNKNOWN_DATASET',
  'MISSING_LABEL',
  'INVALID_PARTITION',
  'PARTITION_INFEASIBLE',
  'RUN_EXISTS',
  'NOTHING_TO_RESUME',
  'IN_USE',
]);

/** The exit code for an error that ended a command. */
export function exitCodeOf(error: unknown): number {
  // Commander ends its own errors (a bad flag value, an unknown option) with 1; ours carry their code.
  if (error instanceof CommanderError) return error.exitCode === 1 ? EXIT_CODES.usage : error.exitCode;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'BUDGET_EXHAUSTED') return EXIT_CODES.budgetExhausted;
  return typeof code === 'string' && USAGE_ERRORS.has(code) ? EXIT_CODES.usage : EXIT_CODES.runFailed;
}

/** The exit code for how a run ended. */
export function exitCodeOfOutcome(status: RunOutcome['status']): number {
  switch (status) {
    case 'finished':
      return EXIT_CODES.ok;
    case 'budget-exhausted':
      return EXIT_CODES.budgetExhausted;
    case 'stopped':
      return EXIT_CODES.interrupted;
    case 'failed':
      return EXIT_CODES.runFailed;
  }
}

const HELP = `
Exit codes:
  0    the run finished
  1    the empirical privacy audit failed (with --canaries; \`cohort audit\` uses 1 for a failed ledger audit)
  2    usage: a bad flag or config file, or the directory refuses the run (in use by another process,
       holds another run, or was started with other settings)
  3    the run failed
  4    the privacy budget cannot fit the next round (the run stopped early, or could not start)
  130  stopped by SIGINT or SIGTERM: the committed rounds are kept; the run can be resumed`;

/**
 * Lists the exit codes in `--help`, and makes commander's own errors (a bad flag value, an unknown
 * option) exit with EXIT_CODES.usage instead of 1.
 */
export function withExitCodes(command: Command): Command {
  return command.addHelpText('after', HELP).exitOverride((error) => process.exit(exitCodeOf(error)));
}

/** Ends the command on an error: its code and message on stderr, and the matching exit code. */
export function fail(command: Command, error: unknown): never {
  const e = error as Error & { code?: unknown };
  const code = typeof e.code === 'string' && !(error instanceof CommanderError) ? `${e.code}: ` : '';
  return command.error(`cohort ${command.name()}: ${code}${e.message}`, { exitCode: exitCodeOf(error), code: 'cohort.failed' });
}
