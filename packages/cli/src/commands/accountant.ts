import { Command, InvalidArgumentError, Option } from 'commander';
import type { Accountant, AccountantKind } from '@cohort/privacy';
import { fraction, integer, positive, resolveWithConfig } from '../options';

interface Flags {
  sampleRate?: number;
  noiseMultiplier?: number;
  targetEpsilon?: number;
  steps?: number;
  delta?: number;
  method: AccountantKind;
  json?: boolean;
}

/** A number in the open interval (0, 1), such as δ. */
export function openUnit(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw new InvalidArgumentError(`expected a number in (0, 1), got "${text}".`);
  return value;
}

/**
 * A flag's value after `--config` merging, checked with the flag's own parser (config values that
 * are JSON numbers bypass commander's parsing, so every value is checked here once more).
 */
function checked(command: Command, flag: string, value: unknown, parse: (text: string) => number): number {
  if (value === undefined) return command.error(`error: required option '${flag}' not specified (flag or config key)`);
  try {
    return parse(String(value));
  } catch (error) {
    return command.error(`error: option '${flag}' argument '${String(value)}' is invalid. ${(error as Error).message}`);
  }
}

export function accountantCommand(): Command {
  return new Command('accountant')
    .description(
      'ε of T releases of the Poisson-subsampled Gaussian (q, σ) at δ, or with --target-epsilon the smallest σ that stays within ε',
    )
    .option('--sample-rate <q>', 'probability that a client takes part in a round, in (0, 1]', fraction)
    .option('--noise-multiplier <s>', 'σ: noise standard deviation / clip norm, > 0', positive)
    .option('--target-epsilon <e>', 'calibrate: print the smallest σ whose ε stays within this (instead of --noise-multiplier)', positive)
    .option('--steps <t>', 'number of releases (rounds), an integer ≥ 1', integer(1))
    .option('--delta <d>', 'δ, in (0, 1)', openUnit)
    .addOption(
      new Option('--method <name>', 'accountant: rdp (Rényi DP) or pld (privacy loss distributions, tighter)')
        .choices(['rdp', 'pld'])
        .default('rdp'),
    )
    .option('--json', 'print the result as JSON on stdout')
    .option('--config <file>', 'JSON file whose keys mirror these flags')
    .action(async (_opts, command: Command) => {
      const flags = resolveWithConfig<Flags>(command);
      const sampleRate = checked(command, '--sample-rate', flags.sampleRate, fraction);
      const steps = checked(command, '--steps', flags.steps, integer(1));
      const delta = checked(command, '--delta', flags.delta, openUnit);
      const method = flags.method;
      if (method !== 'rdp' && method !== 'pld') {
        command.error(`error: option '--method' must be rdp or pld; got ${JSON.stringify(method)}.`);
      }
      if ((flags.noiseMultiplier === undefined) === (flags.targetEpsilon === undefined)) {
        command.error('error: give exactly one of --noise-multiplier (to compute ε) and --target-epsilon (to calibrate σ)');
      }
      const { calibrateNoiseMultiplier, createAccountant } = await import('@cohort/privacy/accounting');
      // The one place --method is read: every figure below comes from an accountant made here.
      const accountant = (): Accountant => createAccountant(method);
      const out = (json: object, text: string): void => {
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`
            : `${text}\n`,
        );
      };
      const setting = `${steps} step${steps === 1 ? '' : 's'} at q = ${sampleRate}`;
      if (flags.targetEpsilon !== undefined) {
        const targetEpsilon = checked(command, '--target-epsilon', flags.targetEpsilon, positive);
        const { noiseMultiplier, epsilon } = calibrateNoiseMultiplier({ targetEpsilon, delta, sampleRate, steps, accountant });
        out(
          { noiseMultiplier, epsilon, targetEpsilon, delta, sampleRate, steps, method },
          `σ = ${noiseMultiplier.toPrecision(6)} gives ε = ${epsilon.toPrecision(6)} ≤ ${targetEpsilon} at δ = ${delta} over ${setting} (${method})`,
        );
        return;
      }
      const noiseMultiplier = checked(command, '--noise-multiplier', flags.noiseMultiplier, positive);
      const step = { noiseMultiplier, sampleRate };
      const epsilon = accountant().step(step, steps).getEpsilon(delta);
      out(
        { epsilon, delta, method, sampleRate, noiseMultiplier, steps },
        `ε = ${Number.isFinite(epsilon) ? epsilon.toPrecision(6) : '∞'} at δ = ${delta} over ${setting}, σ = ${noiseMultiplier} (${method})`,
      );
    });
}
