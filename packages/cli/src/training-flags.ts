/**
 * Flags `simulate` and `coordinator` share beyond the strategy: the clients' optimiser and FedProx,
 * update compression, the live dashboard and the log format.
 */
import { type Command, Option } from 'commander';
import type { CoordinatorOptions } from '@cohort/coordinator';
import { logFormatOption, type LogFormat } from './logging';
import { nonNegative } from './options';

export interface TrainingFlags {
  clientOptimizer?: 'sgd' | 'momentum' | 'adam';
  clientMomentum?: number;
  proximalMu?: number;
  compression?: 'q8';
  dashboard?: boolean;
  dashboardPublic?: boolean;
  logFormat?: LogFormat;
}

export function addTrainingFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--client-optimizer <name>', "clients' local optimiser (learning rate --lr; state fresh each round)").choices([
        'sgd',
        'momentum',
        'adam',
      ]),
    )
    .option('--client-momentum <beta>', '--client-optimizer momentum: β in [0, 1) (default 0.9)', nonNegative)
    .option(
      '--proximal-mu <mu>',
      'FedProx (Li et al. 2020): proximal term μ/2·‖w − w_global‖² in local training (default 0: FedAvg)',
      nonNegative,
    )
    .addOption(
      new Option(
        '--compression <scheme>',
        'send fit updates as 8-bit stochastic quantisation (unbiased, about 0.25× the bytes); not with --dp or --secure-aggregation',
      ).choices(['q8']),
    )
    .option('--dashboard', 'serve a live dashboard at http://HOST:PORT/dashboard (this machine only)')
    .option('--dashboard-public', 'let the dashboard answer other machines too (it shows run metrics, never client ids)')
    .addOption(logFormatOption());
}

/** The fit settings the flags add to the coordinator's (`--client-optimizer`, `--client-momentum`, `--proximal-mu`). */
export function trainingFrom(flags: TrainingFlags): Pick<CoordinatorOptions['fit'], 'optimizer' | 'momentum' | 'proximalMu'> {
  return {
    ...(flags.clientOptimizer ? { optimizer: flags.clientOptimizer } : {}),
    ...(flags.clientMomentum !== undefined ? { momentum: flags.clientMomentum } : {}),
    ...(flags.proximalMu !== undefined ? { proximalMu: flags.proximalMu } : {}),
  };
}

/** The coordinator options the flags set besides training: compression and the dashboard. */
export function serviceFrom(flags: TrainingFlags): Pick<CoordinatorOptions, 'compression' | 'dashboard' | 'dashboardPublic'> {
  return {
    ...(flags.compression ? { compression: flags.compression } : {}),
    ...(flags.dashboard ? { dashboard: true } : {}),
    // Passed on alone too: the coordinator refuses --dashboard-public without --dashboard.
    ...(flags.dashboardPublic ? { dashboardPublic: true } : {}),
  };
}
