/**
 * The settings that define a run, and how a restart's settings differ from them: a run resumes only
 * under the settings it started with, and a refusal names each difference as the flags would.
 */
import type { Command } from 'commander';
import { effectiveConfig } from './options';

/** Flags that say where and how to run, not what: a resumed run may change them. */
const OPERATIONAL = new Set([
  // both commands
  'out',
  'keyDir',
  'logLevel',
  'logFormat',
  'json',
  'roundTimeout',
  'dashboard',
  'dashboardPublic',
  // simulate
  'workers',
  // coordinator
  'host',
  'port',
  'dataDir',
  'db',
  'enrol',
  'sealUpdates',
  'tlsCert',
  'tlsKey',
  'insecure',
  'allowOrigin',
  'maxConnections',
  'maxConnectionsPerAddress',
  'handshakeTimeout',
  'messageRate',
  'messageBurst',
  'warningsPerMinute',
  'heapGrowth',
]);

/** The run-defining part of a command's effective configuration. */
export function runSettings(flags: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(effectiveConfig(flags)).filter(([key]) => !OPERATIONAL.has(key)));
}

/**
 * Each of the command's run-defining settings that differs, as "--rounds was 20, now 30". Keys
 * missing on one side were unset there (config files and stored settings drop unset options).
 */
export function settingsDifferences(before: Record<string, unknown>, now: Record<string, unknown>, command: Command): string[] {
  const flag = new Map(command.options.map((o) => [o.attributeName(), o.long ?? o.flags]));
  const was = runSettings(before);
  const is = runSettings(now);
  // Only the command's flags: a run's config.json also records what they resolved to.
  return [...new Set([...Object.keys(was), ...Object.keys(is)])]
    .filter((key) => flag.has(key) && JSON.stringify(was[key]) !== JSON.stringify(is[key]))
    .map((key) => `${flag.get(key)} was ${show(was[key])}, now ${show(is[key])}`);
}

function show(value: unknown): string {
  if (value === undefined) return 'unset';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
