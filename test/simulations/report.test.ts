import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricsLine } from '@cohort/simulations';
import { type Chart, type ReportData, writeReport } from '@cohort/simulations/report';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cohort-report-'));
});

/** config.json as `cohort simulate` writes it, without DP. */
function baseConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dpResolved: null,
    dataset: 'synthetic',
    model: 'mlp',
    clients: 4,
    rounds: 3,
    partition: 'iid',
    fraction: 1,
    minClients: 2,
    localEpochs: 1,
    batchSize: 10,
    lr: 0.1,
    seed: 0,
    evalEvery: 1,
    workers: 2,
    roundTimeoutMs: 300000,
    out: 'runs/x',
    dp: { mode: 'off', clip: 1, delta: 0.00001 },
    groupBias: 0,
    canaries: 0,
    numFeatures: 8,
    numClasses: 2,
    trainExamples: 800,
    testExamples: 200,
    ...overrides,
  };
}

function dpConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return baseConfig({
    dpResolved: { mode: 'central', clipNorm: 1, noiseMultiplier: 1.1, sampleRate: 0.5, delta: 0.00001, budgetEpsilon: 12 },
    dp: { mode: 'central', clip: 1, delta: 0.00001, noiseMultiplier: 1.1, budgetEpsilon: 12 },
    fraction: 0.5,
    ...overrides,
  });
}

/** A metrics line of a round without DP: accuracy `acc`, with participation, bytes and per-client spread. */
function openLine(round: number, acc: number): MetricsLine {
  return {
    round,
    population: round === 0 ? 0 : 4,
    ...(round === 0 ? {} : { selected: 4, participants: 4, failures: 0, failure_reasons: [], bytes_in: 4_000_000, bytes_out: 5_000_000 }),
    loss: 1 - acc,
    accuracy: acc,
    precision: acc,
    recall: acc,
    f1: acc,
    train_loss: null,
    train_accuracy: null,
    duration_ms: round === 0 ? 0 : 1_500 * round,
    per_client_accuracy: { clients: 4, min: acc - 0.1, max: acc + 0.05, std: 0.04 },
  };
}

/** A metrics line of a DP round: no participation, bytes or per-client figures; ε; group metrics. */
function dpLine(round: number, acc: number, options: { private?: boolean } = {}): MetricsLine {
  return {
    round,
    population: round === 0 ? 0 : 4,
    loss: 1 - acc,
    accuracy: acc,
    precision: acc,
    recall: acc,
    f1: acc,
    train_loss: null,
    train_accuracy: null,
    duration_ms: round === 0 ? 0 : 900,
    ...(round === 0 ? {} : { epsilon_rdp: 2 * round, epsilon_pld: 1.8 * round, delta: 0.00001, private: options.private ?? true }),
    fairness: {
      groups: {
        A: { examples: 120, accuracy: acc + 0.02, tpr: 0.7, fpr: 0.1, f1: 0.7, positive_rate: 0.3 },
        B: { examples: 80, accuracy: acc - 0.03, tpr: 0.6, fpr: 0.12, f1: 0.65, positive_rate: 0.25 },
      },
      demographic_parity_difference: 0.05,
      equal_opportunity_difference: 0.1,
    },
  };
}

/** Writes a run directory the way RunDirectory does; `summary: false` leaves it unfinished. */
function writeRun(name: string, config: Record<string, unknown>, lines: MetricsLine[], options: { summary?: boolean } = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const last = lines.at(-1)!;
  if (options.summary !== false)
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({
        status: 'finished',
        reason: `completed ${last.round} rounds`,
        rounds_completed: last.round,
        duration_ms: 4_200,
        final: { loss: last.loss, accuracy: last.accuracy, round: last.round },
        privacy: last.epsilon_rdp === undefined ? null : { rdp: last.epsilon_rdp, pld: last.epsilon_pld, delta: last.delta },
      }),
    );
  return dir;
}

function report(name: string, runDirs: string[]): { html: string; data: ReportData } {
  const out = join(root, 'reports', `${name}.html`);
  writeReport(runDirs, out);
  const html = readFileSync(out, 'utf8');
  const json = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html);
  expect(json, 'the report embeds its data as JSON').not.toBeNull();
  return { html, data: JSON.parse(json![1]!) as ReportData };
}

function chart(data: ReportData, id: string): Chart {
  const found = data.charts.find((c) => c.id === id);
  expect(found, `chart ${id}`).toBeDefined();
  return found!;
}

/** The HTML of `<section id="ID">`. */
function section(html: string, id: string): string {
  const match = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  expect(match, `section ${id}`).not.toBeNull();
  return match![1]!;
}

const SECTIONS = ['learning', 'privacy', 'fairness', 'clients', 'cost'];

describe('cohort report', () => {
  it('opens offline: no URL a browser would fetch, uPlot and the data inlined', () => {
    const { html } = report('offline', [
      writeRun(
        'offline',
        baseConfig(),
        [0.5, 0.7, 0.8, 0.85].map((a, r) => openLine(r, a)),
      ),
    ]);
    expect(html).not.toMatch(/<(script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\b(src|href|srcset|action|poster)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain('var uPlot=');
    expect(html).toContain('.uplot');
  });

  it('draws accuracy, loss, per-client spread, duration and bytes of a run without DP, and says it has no DP', () => {
    const accuracies = [0.5, 0.7, 0.8, 0.85];
    const { html, data } = report('open', [
      writeRun(
        'open',
        baseConfig(),
        accuracies.map((a, r) => openLine(r, a)),
      ),
    ]);
    expect(chart(data, 'accuracy').x).toEqual([0, 1, 2, 3]);
    expect(chart(data, 'accuracy').series.map((s) => s.values)).toEqual([accuracies]);
    expect(chart(data, 'loss').series[0]!.values).toEqual(accuracies.map((a) => 1 - a));
    const spread = chart(data, 'client-spread');
    expect(spread.series.map((s) => s.values)).toEqual([accuracies.map((a) => a - 0.1), accuracies.map((a) => a + 0.05)]);
    expect(spread.bands).toEqual([expect.objectContaining({ upper: 1, lower: 0 })]);
    // Round 0 only evaluates: the cost charts start at round 1.
    expect(chart(data, 'duration').x).toEqual([1, 2, 3]);
    expect(chart(data, 'duration').series[0]!.values).toEqual([1.5, 3, 4.5]);
    expect(chart(data, 'bytes').series.map((s) => s.values)).toEqual([
      [4, 4, 4],
      [5, 5, 5],
    ]);
    expect(section(html, 'privacy')).toContain('No DP in these runs');
    expect(section(html, 'privacy')).not.toContain('class="chart"');
    expect(section(html, 'fairness')).toContain('No per-group metrics in these runs');
    for (const id of ['accuracy', 'loss', 'client-spread', 'duration', 'bytes'])
      expect(html).toContain(`<div class="chart" id="chart-${id}">`);
  });

  it('overlays runs, labelled by what differs in their config, with a chart in every section', () => {
    const open = writeRun(
      'cmp-open',
      baseConfig(),
      [0.5, 0.7, 0.8, 0.85].map((a, r) => openLine(r, a)),
    );
    const dp = writeRun(
      'cmp-dp',
      dpConfig(),
      [0.5, 0.6, 0.65, 0.7].map((a, r) => dpLine(r, a)),
    );
    // The report counts the published ledger's releases; what they say is `cohort audit`'s to check.
    writeFileSync(join(dp, 'ledger.jsonl'), '{"seq":1}\n{"seq":2}\n{"seq":3}\n');
    const { html, data } = report('compare', [open, dp]);
    const labels = chart(data, 'accuracy').series.map((s) => s.label);
    expect(labels).toEqual(['fraction=1 · dp.mode=off', 'fraction=0.5 · dp.mode=central · dp.noiseMultiplier=1.1 · dp.budgetEpsilon=12']);
    for (const id of SECTIONS) expect(section(html, id), `section ${id}`).toContain('<div class="chart"');
    for (const c of data.charts) expect(html).toContain(`id="chart-${c.id}"`);
    // The header: each run's configuration and final figures.
    const runs = section(html, 'runs');
    expect(runs).toContain('central: σ 1.1, C 1, q 0.5, δ 0.00001; ledger.jsonl: 3 releases');
    expect(runs).toContain('<td>0.85</td>');
    expect(runs).toContain('<td>6 / 5.4</td>');
    expect(runs).toContain('<td>no DP</td>');
    expect(section(html, 'privacy')).toContain(`No DP in: ${labels[0]}`);
  });

  it('draws ε by RDP and PLD against the budget line, and flags seeded noise as not private', () => {
    const dp = writeRun('eps-dp', dpConfig({ dp: { mode: 'central', clip: 1, delta: 0.00001, noiseMultiplier: 1.1, seed: 7 } }), [
      dpLine(0, 0.5),
      dpLine(1, 0.6, { private: false }),
      dpLine(2, 0.62, { private: false }),
    ]);
    const { html, data } = report('epsilon', [dp]);
    const epsilon = chart(data, 'epsilon');
    expect(epsilon.x).toEqual([1, 2]);
    expect(epsilon.yLabel).toBe('ε at δ = 0.00001');
    expect(epsilon.series.map((s) => [s.label, s.values])).toEqual([
      ['RDP', [2, 4]],
      ['PLD', [1.8, 3.6]],
      ['budget ε = 12', [12, 12]],
    ]);
    expect(section(html, 'privacy')).toContain('DP noise was seeded (--dp-seed)');
    expect(section(html, 'runs')).toContain('seeded noise: NOT private');
    const groups = chart(data, 'group-accuracy').series.map((s) => s.label);
    expect(groups).toEqual(['group A', 'group B']);
    expect(section(html, 'clients')).toContain('a DP run does not publish it');
    expect(section(html, 'cost')).toContain('Bytes per round are not published under DP');
  });

  it('draws runs that differ only in seed as their mean ± sample std, and keeps other differences apart', () => {
    const seeds = [
      [0.5, 0.6, 0.7],
      [0.5, 0.7, 0.8],
      [0.5, 0.8, 0.9],
    ].map((accs, seed) =>
      writeRun(
        `seed-${seed}`,
        baseConfig({ seed, out: `runs/seed-${seed}`, workers: seed + 1 }),
        accs.map((a, r) => openLine(r, a)),
      ),
    );
    const otherLr = writeRun(
      'lr-0.05',
      baseConfig({ lr: 0.05, seed: 9 }),
      [0.5, 0.55, 0.6].map((a, r) => openLine(r, a)),
    );
    const { html, data } = report('seeds', [...seeds, otherLr]);
    const accuracy = chart(data, 'accuracy');
    expect(accuracy.series.map((s) => s.label)).toEqual([
      'lr=0.1 (mean of 3 seeds)',
      'lr=0.1 (mean of 3 seeds) +1 std',
      'lr=0.1 (mean of 3 seeds) −1 std',
      'lr=0.05',
    ]);
    const [mean, upper, lower, other] = accuracy.series.map((s) => s.values);
    expect(mean![1]).toBeCloseTo(0.7, 12);
    expect(mean![2]).toBeCloseTo(0.8, 12);
    // Sample std of {0.6, 0.7, 0.8} and of {0.7, 0.8, 0.9} is 0.1; of three equal values, 0.
    expect(upper![1]! - mean![1]!).toBeCloseTo(0.1, 12);
    expect(mean![2]! - lower![2]!).toBeCloseTo(0.1, 12);
    expect(upper![0]).toBeCloseTo(0.5, 12);
    expect(accuracy.bands).toEqual([expect.objectContaining({ upper: 1, lower: 2 })]);
    expect(other).toEqual([0.5, 0.55, 0.6]);
    expect(section(html, 'runs')).toContain('differ only in <code>seed</code>');
    expect(section(html, 'runs').match(/<tr><td>/g)).toHaveLength(4);
  });

  it('reads config.json as `cohort simulate` records it (its flags): seeds grouped across operational flags, the target ε drawn', () => {
    const flags = (overrides: Record<string, unknown>) => {
      const { dp: _dp, dpResolved: _resolved, out: _out, ...rest } = baseConfig();
      return { ...rest, roundTimeout: 300, logLevel: 'warn', strategy: 'fedavg', clip: 1, delta: 0.00001, ...overrides };
    };
    const dp = {
      dp: 'central',
      targetEpsilon: 5,
      budgetEpsilon: 9,
      dpResolved: { mode: 'central', clipNorm: 1, noiseMultiplier: 0.9, sampleRate: 1, delta: 0.00001, budgetEpsilon: 9 },
    };
    const runs = [
      writeRun('flags-0', flags({ ...dp, seed: 0 }), [dpLine(0, 0.5), dpLine(1, 0.6), dpLine(2, 0.7)]),
      writeRun('flags-1', flags({ ...dp, seed: 1, roundTimeout: 600, logLevel: 'debug', json: true }), [
        dpLine(0, 0.5),
        dpLine(1, 0.7),
        dpLine(2, 0.8),
      ]),
      writeRun('flags-off', flags({ dp: 'off', dpResolved: null }), [openLine(0, 0.5), openLine(1, 0.8), openLine(2, 0.9)]),
    ];
    const { html, data } = report('flags', runs);
    expect(
      chart(data, 'accuracy')
        .series.filter((s) => !s.label.endsWith(' std'))
        .map((s) => s.label),
    ).toEqual(['dp=central · targetEpsilon=5 · budgetEpsilon=9 (mean of 2 seeds)', 'dp=off']);
    const levels = chart(data, 'epsilon').series.filter((s) => s.label.includes('ε ='));
    expect(levels.map((s) => [s.label, s.values[0]])).toEqual([
      ['budget ε = 9', 9],
      ['target ε = 5 (planned rounds)', 5],
    ]);
    expect(section(html, 'runs')).toContain('central: σ 0.9, C 1, q 1, δ 0.00001');
  });

  it('escapes strings from the run directory: a </script> in config.json cannot break out', () => {
    const hostile = '</script><script>window.pwned = 1</script><img src=x onerror=alert(1)>';
    const a = writeRun('escape-a', baseConfig({ dataset: hostile }), [openLine(0, 0.5), openLine(1, 0.6)]);
    const b = writeRun('escape-b', baseConfig(), [openLine(0, 0.5), openLine(1, 0.7)]);
    const { html, data } = report('escape', [a, b]);
    expect(html).not.toContain('window.pwned = 1</script>');
    expect(html).not.toContain('<img src=x');
    // Exactly the report's three scripts: the data, uPlot, and the one that draws the charts.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(section(html, 'runs')).toContain('&lt;/script&gt;&lt;script&gt;window.pwned = 1');
    // The data still carries the label as written, for the page to show as text.
    expect(chart(data, 'accuracy').series[0]!.label).toBe(`dataset=${hostile.slice(0, 31)}…`);
  });

  it('shows the last recorded figures of a run that has not finished', () => {
    const dir = writeRun('unfinished', baseConfig(), [openLine(0, 0.5), openLine(1, 0.66)], { summary: false });
    const { html } = report('unfinished', [dir]);
    expect(section(html, 'runs')).toContain('unfinished (no summary.json)');
    expect(section(html, 'runs')).toContain('<td>0.66</td>');
    expect(section(html, 'runs')).toContain('<td>1 of 3</td>');
  });

  it('refuses a path that is not a run directory, naming the missing file and what a run directory holds', () => {
    const out = join(root, 'reports', 'never.html');
    const empty = join(root, 'not-a-run');
    mkdirSync(empty, { recursive: true });
    expect(() => writeReport([empty], out)).toThrow(
      /not-a-run is not a run directory: config\.json is missing\. A run directory .* holds config\.json and metrics\.jsonl/,
    );
    writeFileSync(join(empty, 'config.json'), '{}');
    expect(() => writeReport([empty], out)).toThrow(/metrics\.jsonl is missing/);
    expect(() => writeReport([join(root, 'nowhere')], out)).toThrow(/nowhere is not a run directory: it does not exist/);
    expect(() => writeReport([], out)).toThrow(/at least one run directory/);
  });

  it('names the file and line of a corrupt metrics line', () => {
    const dir = writeRun('corrupt', baseConfig(), [openLine(0, 0.5), openLine(1, 0.6)]);
    const file = join(dir, 'metrics.jsonl');
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"round": 2, "accuracy": 0.7\n`);
    expect(() => writeReport([dir], join(root, 'reports', 'corrupt.html'))).toThrow(
      expect.objectContaining({ code: 'INVALID_DATA', message: expect.stringContaining(`${file} line 3 is not valid JSON`) }),
    );
    writeFileSync(file, `${JSON.stringify(openLine(0, 0.5))}\n["not", "a", "line"]\n`);
    expect(() => writeReport([dir], join(root, 'reports', 'corrupt.html'))).toThrow(`${file} line 2 is not a metrics line`);
  });
});
