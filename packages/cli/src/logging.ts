/**
 * The commands' logger: lines for people on a terminal (pino-pretty: time, level, message; the
 * structured fields stay in the JSON format), JSON lines for machines otherwise or with
 * `--log-format json`.
 */
import { Option } from 'commander';
import type { Logger } from 'pino';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function logFormatOption(): Option {
  return new Option(
    '--log-format <format>',
    'pretty (the default on a terminal) or json (one object per line, the default otherwise)',
  ).choices(LOG_FORMATS);
}

/** A logger on stderr in `format`, by default pretty when stderr is a terminal. */
export async function createLogger(name: string, level: string, format?: LogFormat): Promise<Logger> {
  const { pino } = await import('pino');
  if ((format ?? (process.stderr.isTTY ? 'pretty' : 'json')) === 'json') return pino({ name, level }, pino.destination(2));
  const { default: pretty } = await import('pino-pretty');
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name',
    hideObject: true,
  });
  return pino({ name, level }, stream);
}
