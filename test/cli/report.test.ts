import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium, warnIfNoChromium } from '../helpers/browser';
import type { MetricsLine } from '@cohort/simulations';
import { cohort } from '../helpers/processes';

warnIfNoChromium("the report's browser test");

const HOSTILE = '</script><script>window.pwned = true</script>';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cohort-report-cli-'));
});

function config(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    dpResolved: null,
    dataset: 'synthetic-credit',
    model: 'mlp',
    clients: 4,
    rounds: 2,
    partition: 'iid',
    fraction: 1,
    seed: 0,
    workers: 1,
    out: 'runs/x',
    dp: { mode: 'off', clip: 1, delta: 0.00001 },
    ...overrides,
  };
}

function line(round: number, accuracy: number, dp: boolean): MetricsLine {
  return {
    round,
    population: 4,
    loss: 1 - accuracy,
    accuracy,
    precision: accuracy,
    recall: accuracy,
    f1: accuracy,
    train_loss: null,
    train_accuracy: null,
    duration_ms: round === 0 ? 0 : 1_200,
    ...(dp
      ? { epsilon_rdp: 3 * round, epsilon_pld: 2.5 * round, delta: 0.00001, private: true }
      : { bytes_in: 2e6, bytes_out: 3e6, per_client_accuracy: { clients: 4, min: accuracy - 0.1, max: accuracy + 0.1, std: 0.05 } }),
    fairness: {
      groups: {
        A: { examples: 60, accuracy, tpr: 0.7, fpr: 0.1, f1: 0.7, positive_rate: 0.3 },
        B: { examples: 40, accuracy: accuracy - 0.05, tpr: 0.6, fpr: 0.2, f1: 0.6, positive_rate: 0.2 },
      },
      demographic_parity_difference: 0.1,
      equal_opportunity_difference: 0.1,
    },
  };
}

function writeRun(name: string, runConfig: Record<string, unknown>, lines: MetricsLine[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(runConfig));
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return dir;
}

/** Two seeds of one experiment, a DP run with a budget, and a run whose config carries a </script>. */
function writeRuns(): string[] {
  const dp = {
    dpResolved: { mode: 'central', clipNorm: 1, noiseMultiplier: 1, sampleRate: 1, delta: 0.00001, budgetEpsilon: 8 },
    dp: { mode: 'central', clip: 1, delta: 0.00001, noiseMultiplier: 1, budgetEpsilon: 8 },
  };
  return [
    writeRun('seed-0', config({ seed: 0 }), [line(0, 0.5, false), line(1, 0.7, false), line(2, 0.8, false)]),
    writeRun('seed-1', config({ seed: 1 }), [line(0, 0.5, false), line(1, 0.8, false), line(2, 0.9, false)]),
    writeRun('dp', config(dp), [line(0, 0.5, true), line(1, 0.6, true), line(2, 0.65, true)]),
    writeRun('hostile', config({ partition: HOSTILE }), [line(0, 0.5, false), line(1, 0.55, false), line(2, 0.6, false)]),
  ];
}

describe('cohort report', () => {
  it('writes one HTML file from several run directories and says what it wrote', async () => {
    const out = join(root, 'nested', 'report.html');
    const { code, stdout, stderr } = await cohort('report', ...writeRuns(), '--out', out);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`report of 4 runs (3 series, 8 charts) written to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toContain('var uPlot=');
  });

  it('names what is missing when a path is not a run directory, and the file and line of a corrupt metrics line', async () => {
    const notRun = join(root, 'empty');
    mkdirSync(notRun, { recursive: true });
    const missing = await cohort('report', notRun, '--out', join(root, 'never.html'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${notRun} is not a run directory: config.json is missing.`);
    expect(missing.stderr).toContain('holds config.json and metrics.jsonl');

    const corrupt = writeRun('corrupt', config({}), [line(0, 0.5, false)]);
    writeFileSync(join(corrupt, 'metrics.jsonl'), `${JSON.stringify(line(0, 0.5, false))}\n{"round": 1, "accur\n`);
    const bad = await cohort('report', corrupt, '--out', join(root, 'never.html'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(corrupt, 'metrics.jsonl')} line 2 is not valid JSON`);
    expect(existsSync(join(root, 'never.html'))).toBe(false);
  });
});

describe.skipIf(!hasChromium)('the report in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws every chart offline, with nothing fetched and no script injected from a config value', async () => {
    const out = join(root, 'browser.html');
    expect((await cohort('report', ...writeRuns(), '--out', out)).code).toBe(0);
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const requests: string[] = [];
    const errors: string[] = [];
    // Anything but the report file itself is refused: a chart that needs the network stays blank.
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.request().url().startsWith('file:') ? route.continue() : route.abort();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(out).href);

    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(out).href]);
    expect(await page.evaluate(() => (globalThis as { pwned?: boolean }).pwned)).toBeUndefined();
    const charts = await page.locator('div.chart').evaluateAll((divs) =>
      divs.map((div) => {
        const canvas = div.querySelector('canvas');
        const pixels = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        // Axes and grid are grey or black; the series are drawn in colour.
        let coloured = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          const [r, g, b, a] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!, pixels[i + 3]!];
          if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
        }
        return { id: div.id, coloured, legend: div.querySelector('.u-legend')?.textContent ?? '' };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual([
      'chart-accuracy',
      'chart-loss',
      'chart-epsilon',
      'chart-group-accuracy',
      'chart-fairness-gaps',
      'chart-client-spread',
      'chart-duration',
      'chart-bytes',
    ]);
    for (const c of charts) expect(c.coloured, `${c.id} draws its series`).toBeGreaterThan(300);
    const accuracyLegend = charts[0]!.legend;
    expect(accuracyLegend).toContain('(mean of 2 seeds)');
    expect(accuracyLegend).toContain(`partition=${HOSTILE.slice(0, 31)}…`);
    expect(charts[2]!.legend).toContain('budget ε = 8');
    await page.close();
  });
});
