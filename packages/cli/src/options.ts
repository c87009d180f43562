/** Shared flag parsing: typed parsers, and `--config FILE` whose JSON keys mirror the flags. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';

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

/**
 * The command's options with `--config FILE` merged in: flags given on the command line win, then
 * the file's keys (kebab-case as the flags, or camelCase), then the defaults. Unknown keys are an
 * error, so a typo in a config file does not pass silently.
 */
export function resolveWithConfig<T extends object>(command: Command): T {
  const options = command.opts() as T & { config?: string };
  if (!options.config) return options;
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(readFileSync(options.config, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    command.error(`cannot read config file ${options.config}: ${(error as Error).message}`);
  }
  const known = new Map(command.options.map((o) => [o.attributeName(), o]));
  const merged: Record<string, unknown> = { ...options };
  for (const [key, value] of Object.entries(file)) {
    const name = key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const option = known.get(name);
    if (!option || name === 'config') command.error(`config file ${options.config}: unknown key "${key}"`);
    if (command.getOptionValueSource(name) === 'cli') continue;
    merged[name] = typeof value === 'string' && option.parseArg ? option.parseArg(value, undefined) : value;
  }
  return merged as T;
}
