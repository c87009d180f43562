import type { Logger } from 'pino';
import { calibrateNoiseMultiplier, createGaussianSource } from '@cohort/privacy';
import { CoordinatorError } from '../errors';
import type { DpOptions } from '../options';
import { CentralDp, type AdaptiveClippingOptions } from './central-dp';
import { DistributedDp } from './distributed-dp';
import { LocalDpFixedClipping } from './local-dp';
import type { Strategy } from '../strategy/strategy';

/** DP settings as a user states them: a noise multiplier, or a target ε to calibrate one for. */
export interface DpSettings {
  /** @default 'off' */
  mode?: 'central' | 'local' | 'distributed' | 'off';
  /** L2 clip C. @default 1 */
  clip?: number;
  noiseMultiplier?: number;
  /** Calibrate σ so that the planned rounds spend exactly this ε (RDP). */
  targetEpsilon?: number;
  /** @default 1e-5 */
  delta?: number;
  budgetEpsilon?: number;
  /** Seeded, non-private noise for reproducible simulations. */
  seed?: number;
  /** Adaptive clipping (central DP only). */
  adaptive?: AdaptiveClippingOptions;
}

/**
 * Turns user settings into coordinator options: σ is given or calibrated for `rounds` releases at
 * the sampling rate (central DP is amplified by Poisson sampling at rate `sampleRate`; local DP
 * is accounted per client without amplification).
 */
export function resolveDp(settings: DpSettings, plan: { sampleRate: number; rounds: number; keyDir: string }): DpOptions | undefined {
  const mode = settings.mode ?? 'off';
  if (mode === 'off') return undefined;
  const delta = settings.delta ?? 1e-5;
  if ((settings.noiseMultiplier === undefined) === (settings.targetEpsilon === undefined)) {
    throw new CoordinatorError('INVALID_OPTION', `with --dp ${mode}, give exactly one of --noise-multiplier and --target-epsilon.`);
  }
  const accountedRate = mode === 'local' ? 1 : plan.sampleRate;
  const noiseMultiplier =
    settings.noiseMultiplier ??
    calibrateNoiseMultiplier({ targetEpsilon: settings.targetEpsilon!, delta, sampleRate: accountedRate, steps: plan.rounds })
      .noiseMultiplier;
  return {
    mode,
    clipNorm: settings.clip ?? 1,
    noiseMultiplier,
    sampleRate: plan.sampleRate,
    delta,
    keyDir: plan.keyDir,
    ...(settings.budgetEpsilon !== undefined ? { budgetEpsilon: settings.budgetEpsilon } : {}),
    ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
    ...(settings.adaptive ? { adaptive: settings.adaptive } : {}),
  };
}

/**
 * Wraps the strategy in central, local or distributed DP, with noise and sampling from the CSPRNG
 * unless seeded. Under distributed DP the noise is the clients' (`contributors.min` of them suffice, and
 * the modular sum is sized for `contributors.max`).
 */
export function withDifferentialPrivacy(
  inner: Strategy,
  dp: DpOptions,
  log: Logger,
  contributors: { min: number; max: number } = { min: 1, max: 2000 },
): Strategy {
  if (dp.seed !== undefined) log.warn({ seed: dp.seed }, 'DP noise and sampling are seeded for reproducibility: this run is NOT private');
  const random = createGaussianSource(dp.seed === undefined ? {} : { seed: dp.seed });
  if (dp.mode === 'distributed')
    return new DistributedDp(inner, {
      clipNorm: dp.clipNorm,
      noiseMultiplier: dp.noiseMultiplier,
      sampleRate: dp.sampleRate,
      minContributors: contributors.min,
      maxContributors: contributors.max,
      random,
    });
  return dp.mode === 'central'
    ? new CentralDp(inner, {
        clipNorm: dp.clipNorm,
        noiseMultiplier: dp.noiseMultiplier,
        sampleRate: dp.sampleRate,
        random,
        ...(dp.adaptive ? { adaptive: dp.adaptive } : {}),
      })
    : new LocalDpFixedClipping(inner, {
        clipNorm: dp.clipNorm,
        noiseMultiplier: dp.noiseMultiplier,
        sampleRate: dp.sampleRate,
        random,
        ...(dp.seed !== undefined ? { noiseSeed: dp.seed } : {}),
      });
}
