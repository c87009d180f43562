/**
 * The default job as a newcomer runs it: the command of `npm run simulate` (MNIST 2NN, 10 IID
 * clients, E = 1, B = 10, 10 rounds), read from the root package.json, as a whole process, timed and
 * its peak RSS read by GNU time (`/usr/bin/time -v`, which reports the largest resident set of the
 * process and its worker threads); the same with B = 20, lr 0.15; the same job started as
 * `npx cohort simulate` starts it (plain `node`, without the script's V8 flag); and a 16-client job
 * on a titanic-shaped CSV (891 rows, 7 numeric features, a 0/1 label), DISCO's task, against
 * DISCO's 306 MB. Targets: ≤ 30 s and ≥ 0.92 for the default job, ≤ 300 MB.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticCsv } from '@cohort/simulations';
import type { Benchmark, Figure, Ratio } from '../lib/result';
import { figure } from '../lib/stats';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COHORT = join(ROOT, 'packages/cli/bin/cohort.js');
/** `npm run simulate`'s command, as the shell runs it from the repository's root. */
const SIMULATE_SCRIPT = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { simulate: string } }).scripts
  .simulate;
const GNU_TIME = '/usr/bin/time';
const REPS = 2;
const DISCO_TITANIC_RSS_MB = 306;
const DEFAULT_JOB = 'default job (B = 10)';
const NPX_JOB = 'default job as npx cohort starts it';
const TITANIC_JOB = '16 clients, titanic-shaped CSV';

interface Measured {
  wallS: number;
  rssMb: number;
  accuracy: number;
}

/** `simulate ARGS` started as `npm run simulate -- ARGS` starts it, or (`plain`) as `npx cohort simulate ARGS` does. */
function timed(args: string[], out: string, plain = false): Promise<Measured> {
  const all = [...args, '--out', out, '--no-report'];
  const command = plain ? [process.execPath, COHORT, 'simulate', ...all] : ['sh', '-c', `${SIMULATE_SCRIPT} "$@"`, 'sh', ...all];
  return new Promise((resolve, reject) => {
    execFile(GNU_TIME, ['-v', ...command], { timeout: 600_000, cwd: ROOT }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`cohort simulate ${args.join(' ')} failed: ${stderr.slice(-500)}`));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { final: { accuracy: number } | null };
      if (!rss || !wall) return reject(new Error(`no figures from ${GNU_TIME}: ${stderr.slice(-300)}`));
      resolve({
        wallS: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]),
        rssMb: Number(rss[1]) / 1024,
        accuracy: summary.final?.accuracy ?? Number.NaN,
      });
    });
  });
}

export const run: Benchmark = async () => {
  if (!existsSync(GNU_TIME)) return { figures: [], ratios: [], notes: [`${GNU_TIME} is missing (Debian package "time"): not measured`] };
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-simulate-'));
  const titanic = join(dir, 'titanic-shaped.csv');
  writeFileSync(titanic, syntheticCsv({ seed: 1, count: 891, numFeatures: 7, numClasses: 2 }));
  // The default job first: the npx job's ratio divides by its figure.
  const jobs: Record<string, { args: string[]; plain?: boolean }> = {
    [DEFAULT_JOB]: { args: [] },
    'B = 20, lr 0.15': { args: ['--batch-size', '20', '--lr', '0.15'] },
    [NPX_JOB]: { args: [], plain: true },
    [TITANIC_JOB]: { args: ['--dataset', `csv:${titanic}`, '--label', 'label', '--clients', '16', '--rounds', '10'] },
  };
  const results = new Map<string, Measured[]>();
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, { args, plain }] of Object.entries(jobs)) {
      results.set(name, [...(results.get(name) ?? []), await timed(args, join(dir, `${rep}-${results.size}-${Date.now()}`), plain)]);
    }
  }
  const figures: Figure[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [
    `${REPS} runs of each, taking turns; wall time and peak RSS by ${GNU_TIME} -v; npm run simulate is \`${SIMULATE_SCRIPT}\``,
  ];
  let defaultRss = Number.NaN;
  for (const [name, runs] of results) {
    const wall = figure(
      `${name}: wall time`,
      runs.map((r) => r.wallS),
      's',
    );
    const rss = figure(
      `${name}: peak RSS`,
      runs.map((r) => r.rssMb),
      'MB',
    );
    figures.push(
      wall,
      rss,
      figure(
        `${name}: final accuracy`,
        runs.map((r) => r.accuracy),
        '',
      ),
    );
    if (name === DEFAULT_JOB) {
      defaultRss = rss.value;
      ratios.push({ label: 'default job wall time ÷ 30 s target', value: wall.value / 30, meaning: '≤ 1 meets the target' });
      ratios.push({ label: 'default job peak RSS ÷ 300 MB target', value: rss.value / 300, meaning: '≤ 1 meets the target' });
    }
    if (name === NPX_JOB)
      ratios.push({
        label: 'npx cohort simulate peak RSS ÷ npm run simulate',
        value: rss.value / defaultRss,
        meaning: 'what the V8 flag of npm run simulate saves',
      });
    if (name === TITANIC_JOB)
      ratios.push({
        label: `titanic-shaped job peak RSS ÷ DISCO's ${DISCO_TITANIC_RSS_MB} MB`,
        value: rss.value / DISCO_TITANIC_RSS_MB,
        meaning: '≤ 1: leaner than DISCO (its figure measured on this machine earlier, not in this run)',
      });
  }
  return { figures, ratios, notes };
};
