import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cohort } from '../helpers/processes';
import { col, loadCsv, relativeError } from '../privacy/reference-data';

// dp_accounting 0.6.0 reference: q = 0.01, σ = 1.1, 1000 steps, δ = 1e-5.
const row = loadCsv('dp-epsilon.csv').find((r) => r['q'] === 0.01 && r['sigma'] === 1.1 && r['steps'] === 1000 && r['delta'] === 1e-5);
if (!row) throw new Error('reference row q=0.01, sigma=1.1, steps=1000 missing from dp-epsilon.csv');
const base = ['accountant', '--sample-rate', '0.01', '--steps', '1000', '--delta', '1e-5'];

describe('cohort accountant', () => {
  it('prints ε by RDP matching dp_accounting, and by PLD', async () => {
    const rdp = await cohort(...base, '--noise-multiplier', '1.1', '--json');
    expect(rdp.code).toBe(0);
    const out = JSON.parse(rdp.stdout) as { epsilon: number; delta: number; method: string };
    expect(out.method).toBe('rdp');
    expect(out.delta).toBe(1e-5);
    expect(relativeError(out.epsilon, col(row, 'eps_rdp_dp_accounting'))).toBeLessThan(1e-3);

    const pld = await cohort(...base, '--noise-multiplier', '1.1', '--method', 'pld', '--json');
    const pldOut = JSON.parse(pld.stdout) as { epsilon: number; method: string };
    expect(pldOut.method).toBe('pld');
    expect(relativeError(pldOut.epsilon, col(row, 'eps_pld_dp_accounting'))).toBeLessThan(1e-2);

    const text = await cohort(...base, '--noise-multiplier', '1.1');
    expect(text.stdout).toMatch(/^ε = 1\.71177 at δ = 0\.00001 over 1000 steps at q = 0\.01, σ = 1\.1 \(rdp\)$/m);
  });

  it('calibrates σ for a target ε', async () => {
    const run = await cohort(...base, '--target-epsilon', String(col(row, 'eps_rdp_dp_accounting')), '--json');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { noiseMultiplier: number; epsilon: number };
    expect(relativeError(out.noiseMultiplier, 1.1)).toBeLessThan(2e-3);
    expect(out.epsilon).toBeLessThanOrEqual(col(row, 'eps_rdp_dp_accounting'));
  });

  it('calibrates with the accountant --method names: PLD needs less noise than RDP for the same ε', async () => {
    const args = ['accountant', '--sample-rate', '0.02', '--steps', '100', '--delta', '1e-5', '--target-epsilon', '2', '--json'];
    const [rdp, pld] = await Promise.all([cohort(...args), cohort(...args, '--method', 'pld')]);
    expect(rdp.code).toBe(0);
    expect(pld.code).toBe(0);
    const r = JSON.parse(rdp.stdout) as { noiseMultiplier: number; epsilon: number; method: string };
    const p = JSON.parse(pld.stdout) as { noiseMultiplier: number; epsilon: number; method: string };
    expect([r.method, p.method]).toEqual(['rdp', 'pld']);
    expect(p.epsilon).toBeLessThanOrEqual(2);
    expect(p.noiseMultiplier).toBeLessThan(r.noiseMultiplier);
  });

  it('validates its flags, naming them', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['accountant', '--sample-rate', '0', '--noise-multiplier', '1', '--steps', '1', '--delta', '1e-5'],
        /--sample-rate.*expected a number in \(0, 1\]/,
      ],
      [
        ['accountant', '--sample-rate', '0.1', '--noise-multiplier', '-1', '--steps', '1', '--delta', '1e-5'],
        /--noise-multiplier.*expected a positive number/,
      ],
      [
        ['accountant', '--sample-rate', '0.1', '--noise-multiplier', '1', '--steps', '2.5', '--delta', '1e-5'],
        /--steps.*expected an integer/,
      ],
      [
        ['accountant', '--sample-rate', '0.1', '--noise-multiplier', '1', '--steps', '3', '--delta', '1'],
        /--delta.*expected a number in \(0, 1\)/,
      ],
      [['accountant', '--sample-rate', '0.1', '--noise-multiplier', '1', '--steps', '3'], /required option '--delta'/],
      [
        ['accountant', '--sample-rate', '0.1', '--steps', '3', '--delta', '1e-5'],
        /exactly one of --noise-multiplier .* and --target-epsilon/,
      ],
      [
        ['accountant', '--sample-rate', '0.1', '--noise-multiplier', '1', '--target-epsilon', '2', '--steps', '3', '--delta', '1e-5'],
        /exactly one of/,
      ],
      [
        ['accountant', '--sample-rate', '0.1', '--noise-multiplier', '1', '--steps', '3', '--delta', '1e-5', '--method', 'gdp'],
        /--method.*Allowed choices are rdp, pld/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => cohort(...args)));
    runs.forEach((run, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr, args.join(' ')).toMatch(message);
    });
  });

  it('reads --config JSON whose keys mirror the flags, flags winning, and checks its values too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-accountant-'));
    const config = join(dir, 'dp.json');
    writeFileSync(config, JSON.stringify({ 'sample-rate': 0.01, noiseMultiplier: 1.1, steps: 10, delta: 1e-5, method: 'rdp' }));
    const run = await cohort('accountant', '--config', config, '--steps', '1000', '--json');
    expect(run.code).toBe(0);
    expect(relativeError((JSON.parse(run.stdout) as { epsilon: number }).epsilon, col(row, 'eps_rdp_dp_accounting'))).toBeLessThan(1e-3);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ sampleRate: 2, noiseMultiplier: 1.1, steps: 10, delta: 1e-5 }));
    const rejected = await cohort('accountant', '--config', bad);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toMatch(/bad\.json: "[\w-]+" \(--sample-rate\): expected a number in \(0, 1\], got "2"/);
  });
});
