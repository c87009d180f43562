/**
 * `npm run bench [-- FILTER…]`: runs the benchmarks in sequence, each in its own process, prints a
 * table of figures and same-run ratios, and writes them to bench/results/latest.json. A filter keeps
 * the benchmarks whose id contains it (`npm run bench -- fedavg privacy`), or, after `=`, whose id is
 * it (`npm run bench -- =round-overhead-split`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { BENCHMARKS } from './benchmarks/index';
import { runInChild } from './lib/fork';
import type { BenchResult } from './lib/result';
import { formatTable } from './lib/table';

const filters = process.argv.slice(2).map((f) => f.toLowerCase());
const selected = BENCHMARKS.filter(
  (b) => filters.length === 0 || filters.some((f) => (f.startsWith('=') ? b.id === f.slice(1) : b.id.includes(f))),
);
if (selected.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(', ')}; available: ${BENCHMARKS.map((b) => b.id).join(', ')}\n`);
  process.exit(2);
}

const startedAt = new Date();
const results: BenchResult[] = [];
for (const bench of selected) {
  process.stderr.write(`[bench] ${bench.id}: ${bench.title} …\n`);
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const outcome = await runInChild<Omit<BenchResult, 'id' | 'title'>>(bench.module, bench.exportName ?? 'run', null, {
    timeoutMs: bench.timeoutMs,
  });
  const durationMs = performance.now() - started;
  const result: BenchResult = outcome.result
    ? { id: bench.id, title: bench.title, ...outcome.result, durationMs }
    : { id: bench.id, title: bench.title, figures: [], ratios: [], notes: [], durationMs, error: outcome.error ?? 'no result' };
  if (outcome.result && !outcome.exitedByItself) {
    result.notes.push('the benchmark process did not exit by itself after answering (something was left open) and was killed');
  }
  // Other work on a shared machine skews absolute figures; the 1-minute load average says how much.
  result.notes.push(
    `load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${availableParallelism()} cores`,
  );
  results.push(result);
  process.stderr.write(
    `[bench] ${bench.id}: ${result.error ? `FAILED (${result.error.split('\n')[0]})` : 'done'} in ${(durationMs / 1000).toFixed(1)} s\n`,
  );
}

const cpu = cpus()[0]?.model ?? 'unknown';
const header = `Cohort benchmarks — ${startedAt.toISOString()} — node ${process.version}, ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
process.stdout.write(
  `\n${header}\nFigures are medians of repetitions; compare ratios across runs, not absolute figures.\n\n${formatTable(results)}\n\n`,
);
for (const r of results) {
  for (const note of r.notes) process.stdout.write(`  ${r.id}: ${note}\n`);
}

const out = new URL('../results/latest.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
const totalMs = results.reduce((n, r) => n + (r.durationMs ?? 0), 0);
writeFileSync(
  out,
  `${JSON.stringify({ startedAt: startedAt.toISOString(), node: process.version, platform: `${process.platform}-${process.arch}`, cores: availableParallelism(), cpu, totalMemBytes: totalmem(), filters, totalMs, results }, null, 2)}\n`,
);
process.stdout.write(`\nwrote ${out.pathname} (${(totalMs / 1000).toFixed(0)} s in total)\n`);
if (results.some((r) => r.error)) process.exitCode = 1;
