/**
 * Start-up of the `cohort` command: wall time from spawn to exit of `cohort --help` and of a quick
 * `cohort accountant` (RDP, 100 steps), against `node -e 0` (the floor: starting Node itself) and
 * against the sources run through tsx, which is what every command did before the bin ran a
 * compiled bundle (packages/cli/bin/compiled-cli.js). One unmeasured run first builds the bundle if
 * a source changed. Where sources are edited while the benchmark runs, a run may include a rebuild
 * (a new build directory appears in the cache): such runs are counted and left out of the medians.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Benchmark } from '../lib/result';
import { figure, interleaved } from '../lib/stats';

const execFileAsync = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../packages/cli/bin/cohort.js', import.meta.url));
const SOURCES = fileURLToPath(new URL('../../../packages/cli/src/main.ts', import.meta.url));
const CACHE = fileURLToPath(new URL('../../../packages/cli/node_modules/.cache/cohort-cli/', import.meta.url));
const ACCOUNTANT = ['accountant', '--sample-rate', '0.01', '--noise-multiplier', '1', '--steps', '100', '--delta', '1e-5'];
const REPS = 7;

const node =
  (...args: string[]) =>
  () =>
    execFileAsync(process.execPath, args, { timeout: 60_000 });

const builds = (): number => (existsSync(CACHE) ? readdirSync(CACHE).filter((name) => name.startsWith('build-')).length : 0);

/** Runs the bin, marking the runs that had to build the bundle first. */
function bin(args: string[], rebuilt: boolean[]): () => Promise<void> {
  return async () => {
    const before = builds();
    await node(BIN, ...args)();
    rebuilt.push(builds() !== before);
  };
}

/** The times of the measured runs that found the bundle up to date (`rebuilt` also lists the warm-ups). */
function withoutRebuilds(times: number[], rebuilt: boolean[]): number[] {
  const measured = rebuilt.slice(-times.length);
  return times.filter((_t, i) => !measured[i]);
}

export const run: Benchmark = async () => {
  const rebuilt = { help: [] as boolean[], accountant: [] as boolean[] };
  const times = await interleaved(
    {
      node: node('-e', '0'),
      help: bin(['--help'], rebuilt.help),
      accountant: bin(ACCOUNTANT, rebuilt.accountant),
      tsxHelp: node('--import', 'tsx', SOURCES, '--help'),
    },
    { warmup: 1, reps: REPS },
  );
  const floor = figure('node -e 0', times.node, 'ms', true);
  const help = figure('cohort --help', withoutRebuilds(times.help, rebuilt.help), 'ms');
  const accountant = figure('cohort accountant (RDP, 100 steps)', withoutRebuilds(times.accountant, rebuilt.accountant), 'ms');
  const rebuilds = [...rebuilt.help.slice(-REPS), ...rebuilt.accountant.slice(-REPS)].filter(Boolean).length;
  const tsx = figure('cohort --help through tsx (before)', times.tsxHelp, 'ms');
  return {
    figures: [floor, help, accountant, tsx],
    ratios: [
      { label: 'cohort --help ÷ node -e 0', value: help.value / floor.value, meaning: 'start-up over bare Node; 1 = free' },
      { label: 'cohort accountant ÷ node -e 0', value: accountant.value / floor.value, meaning: 'the same for a command that computes' },
      { label: 'tsx --help ÷ compiled --help', value: tsx.value / help.value, meaning: 'speed-up of the compiled bin' },
    ],
    notes: [
      `medians of ${REPS} runs each after one warm-up, interleaved; wall time from spawn to exit`,
      `${rebuilds} of ${2 * REPS} measured runs of the bin rebuilt the bundle (a source had changed) and are left out`,
    ],
  };
};
