/** The secure aggregation flags shared by `simulate` and `coordinator`. */
import type { Command } from 'commander';
import type { SecureAggregationOptions } from '@cohort/coordinator';
import { fraction, integer, positive } from './options';

export interface SecureAggregationFlags {
  secureAggregation?: boolean;
  secaggClip?: number;
  secaggFullGraph?: boolean;
  secaggDropout?: number;
  secaggBits?: number;
}

export function addSecureAggregationFlags(command: Command): Command {
  return command
    .option(
      '--secure-aggregation',
      'SecAgg+: clients send only masked updates; the coordinator learns their sum, never one of them (FedAvg, no --dp)',
    )
    .option('--secagg-clip <C>', 'secure aggregation: L2 bound of each update before it is quantised (default 10)', positive)
    .option('--secagg-full-graph', 'secure aggregation: every client a neighbour of every other (Bonawitz et al. 2017), up to 256 clients')
    .option('--secagg-dropout <f>', 'secure aggregation: fraction of clients that may drop out after sharing keys (default 0.3)', fraction)
    .option('--secagg-bits <b>', 'secure aggregation: bits of the modular sum (default 32)', integer(8, 32));
}

export function secureAggregationFrom(flags: SecureAggregationFlags): SecureAggregationOptions | undefined {
  if (!flags.secureAggregation) return undefined;
  return {
    ...(flags.secaggClip !== undefined ? { clipNorm: flags.secaggClip } : {}),
    ...(flags.secaggFullGraph ? { fullGraph: true } : {}),
    ...(flags.secaggDropout !== undefined ? { dropoutFraction: flags.secaggDropout } : {}),
    ...(flags.secaggBits !== undefined ? { bits: flags.secaggBits } : {}),
  };
}
