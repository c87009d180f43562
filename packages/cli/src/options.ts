/** Shared flag parsing: typed parsers, and `--config FILE` whose JSON keys mirror the flags. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command, type Option } from 'commander';
import { EXIT_CODES } from './exit-codes';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new InvalidArgumentError(`expected an integer in [${min}, ${max}], got "${text}".`);
    return value;
  };
}

export function positive(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`expected a positive number, got "${text}".`);
  return value;
}

export function nonNegative(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got "${text}".`);
  return value;
}

export function fraction(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value <= 1)) throw new InvalidArgumentError(`expected a number in (0, 1], got "${text}".`);
  return value;
}

/** Flags that say how to invoke a command, not what to run: never part of a recorded configuration. */
const INVOCATION_KEYS = new Set(['config', 'printConfig', 'resume', 'force', 'newRun']);

/**
 * What a run's config.json records beside its settings (what they resolved to, the data's sizes):
 * `--config` passes over these keys, so that a run's own config.json replays it.
 */
const RECORDED_FACTS = new Set(['dpResolved', 'numFeatures', 'numClasses', 'trainExamples', 'testExamples']);

function usageError(command: Command, message: string): never {
  return command.error(message, { exitCode: EXIT_CODES.usage, code: 'commander.invalidArgument' });
}

/**
 * The command's options with a config file merged in (`--config FILE`, else `fallbackConfig` when it
 * is given): flags given on the command line win, then the file's keys (kebab-case as the flags, or
 * camelCase), then the defaults. Values in the file pass the flags' own checks. Unknown keys are an
 * error, so a typo in a config file does not pass silently.
 */
export function resolveWithConfig<T extends object>(command: Command, fallbackConfig?: string): T {
  const options = command.opts() as T & { config?: string };
  const path = options.config ?? fallbackConfig;
  if (!path) return options;
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    return usageError(command, `cannot read config file ${path}: ${(error as Error).message}`);
  }
  const merged: Record<string, unknown> = { ...options };
  for (const [key, value] of Object.entries(file)) {
    const option = settingOption(command, key, `config file ${path}`, RECORDED_FACTS);
    if (option && command.getOptionValueSource(option.attributeName()) !== 'cli')
      merged[option.attributeName()] = checked(command, option, key, value, `config file ${path}`);
  }
  return merged as T;
}

/**
 * The effective configuration in the form `--config` reads: every flag's value (defaults, file,
 * command line), without the invocation flags and unset options. `--print-config` prints it.
 */
export function effectiveConfig(flags: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([key, value]) => value !== undefined && !INVOCATION_KEYS.has(key)));
}

/** `--print-config`: prints the effective configuration as JSON; true when the command should stop there. */
export function printConfig(flags: object & { printConfig?: boolean }): boolean {
  if (!flags.printConfig) return false;
  process.stdout.write(`${JSON.stringify(effectiveConfig(flags), null, 2)}\n`);
  return true;
}

/**
 * `flags` with `defaults` (an app's, named `origin` in errors) in place of the commands' own
 * defaults: a flag given on the command line or set by a config file keeps its value.
 */
export function withDefaults<T extends object>(command: Command, flags: T, defaults: Record<string, unknown>, origin: string): T {
  const merged = { ...flags } as Record<string, unknown>;
  for (const [key, value] of Object.entries(defaults)) {
    const option = settingOption(command, key, `${origin} defaults`, new Set())!;
    const name = option.attributeName();
    if (command.getOptionValueSource(name) !== 'cli' && merged[name] === option.defaultValue)
      merged[name] = checked(command, option, key, value, `${origin} defaults`);
  }
  return merged as T;
}

/**
 * The flag a settings key (kebab-case as the flag, or camelCase) stands for; undefined for a key in
 * `skipped`; a usage error naming `origin` for any other key no flag takes.
 */
function settingOption(command: Command, key: string, origin: string, skipped: ReadonlySet<string>): Option | undefined {
  const name = key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const option = command.options.find((o) => o.attributeName() === name);
  if (!option && skipped.has(name)) return undefined;
  if (!option || INVOCATION_KEYS.has(name)) return usageError(command, `${origin}: unknown key "${key}"`);
  return option;
}

/** A setting's value through its flag's own parser (a string or number), or as it is (a boolean, a list). */
function checked(command: Command, option: Option, key: string, value: unknown, origin: string): unknown {
  try {
    const checkable = (typeof value === 'string' || typeof value === 'number') && option.parseArg;
    return checkable ? option.parseArg!(String(value), undefined) : value;
  } catch (error) {
    return usageError(command, `${origin}: "${key}" (${option.long}): ${(error as Error).message}`);
  }
}
