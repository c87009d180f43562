/** The differential-privacy flags shared by `simulate` and `coordinator`. */
import { Option, type Command } from 'commander';
import type { DpSettings } from '@cohort/coordinator';
import { fraction, integer, positive } from './options';

export interface DpFlags {
  dp: 'central' | 'local' | 'distributed' | 'off';
  clip: number;
  noiseMultiplier?: number;
  targetEpsilon?: number;
  delta: number;
  budgetEpsilon?: number;
  dpSeed?: number;
  adaptiveClip?: boolean;
  targetQuantile: number;
  clipLr: number;
  clippedCountStddev?: number;
}

export function addDpFlags(command: Command, { seeded }: { seeded: boolean }): Command {
  command
    .addOption(
      new Option(
        '--dp <mode>',
        'differential privacy: central (coordinator adds noise), local (clients add noise), distributed (clients add discrete Gaussian shares under secure aggregation, which it turns on; --min-clients of them carry the noise) or off',
      )
        .choices(['central', 'local', 'distributed', 'off'])
        .default('off'),
    )
    .option('--clip <C>', 'L2 bound of one client update under DP', positive, 1)
    .option('--noise-multiplier <sigma>', 'noise std = sigma × clip', positive)
    .option('--target-epsilon <eps>', 'calibrate sigma so the planned rounds spend this ε (instead of --noise-multiplier)', positive)
    .option('--delta <delta>', 'δ of the reported (ε, δ)', fraction, 1e-5)
    .option('--budget-epsilon <eps>', 'stop cleanly before a round that would exceed this ε', positive)
    .option(
      '--adaptive-clip',
      'central DP: move the clip to a target quantile of update norms (Andrew et al. 2021); --clip is the initial value',
    )
    .option('--target-quantile <q>', 'adaptive clipping: fraction of updates under the clip', fraction, 0.5)
    .option('--clip-lr <eta>', 'adaptive clipping: geometric learning rate of the clip', positive, 0.2)
    .option(
      '--clipped-count-stddev <s>',
      'adaptive clipping: noise std of the centred unclipped count, above sigma/2 (default max(q·N/20, sigma))',
      positive,
    );
  if (seeded) command.option('--dp-seed <n>', 'seed DP noise and sampling for reproducibility (the run is then NOT private)', integer(0));
  return command;
}

export function dpSettingsFrom(flags: DpFlags): DpSettings {
  return {
    mode: flags.dp,
    clip: flags.clip,
    delta: flags.delta,
    ...(flags.noiseMultiplier !== undefined ? { noiseMultiplier: flags.noiseMultiplier } : {}),
    ...(flags.targetEpsilon !== undefined ? { targetEpsilon: flags.targetEpsilon } : {}),
    ...(flags.budgetEpsilon !== undefined ? { budgetEpsilon: flags.budgetEpsilon } : {}),
    ...(flags.dpSeed !== undefined ? { seed: flags.dpSeed } : {}),
    ...(flags.adaptiveClip
      ? {
          adaptive: {
            targetQuantile: flags.targetQuantile,
            learningRate: flags.clipLr,
            ...(flags.clippedCountStddev !== undefined ? { countStdDev: flags.clippedCountStddev } : {}),
          },
        }
      : {}),
  };
}
