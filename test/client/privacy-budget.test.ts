import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientError, PrivacyBudget, checkDpInstruction } from '@cohort/client';
import { RdpAccountant } from '@cohort/privacy';
import { tempDir } from '../helpers/federation';

const DELTA = 1e-5;

function epsilonOf(steps: number[]): number {
  const accountant = new RdpAccountant();
  for (const z of steps) accountant.step({ noiseMultiplier: z, sampleRate: 1 });
  return accountant.getEpsilon(DELTA);
}

function fileReleases(path: string): number {
  return (JSON.parse(readFileSync(path, 'utf8')) as { releases: number }).releases;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ClientError);
    return (error as ClientError).code;
  }
  return undefined;
}

describe('client privacy budget', () => {
  it('accounts releases exactly as a fresh RDP accountant at sampleRate 1', () => {
    const budget = new PrivacyBudget({ epsilon: 100, delta: DELTA, statePath: join(tempDir(), 'budget.json') });
    expect(budget.spent).toEqual({ epsilon: 0, delta: DELTA, releases: 0, budgetEpsilon: 100 });
    const steps = [2, 2, 3, 0.8, 2];
    steps.forEach((z, i) => {
      expect(budget.epsilonAfter(z)).toBeCloseTo(epsilonOf(steps.slice(0, i + 1)), 12);
      const spent = budget.reserve(z);
      expect(spent.releases).toBe(i + 1);
      expect(spent.epsilon).toBeCloseTo(epsilonOf(steps.slice(0, i + 1)), 12);
    });
  });

  it('allows the release that stays within the budget and refuses the one that would cross it', () => {
    const z = 4;
    const [at3, at4] = [epsilonOf([z, z, z]), epsilonOf([z, z, z, z])];
    const statePath = join(tempDir(), 'budget.json');
    const budget = new PrivacyBudget({ epsilon: (at3 + at4) / 2, delta: DELTA, statePath });
    for (let i = 0; i < 3; i++) budget.reserve(z);
    expect(budget.spent.epsilon).toBeCloseTo(at3, 12);
    expect(codeOf(() => budget.check(z))).toBe('PRIVACY_BUDGET');
    expect(() => budget.reserve(z)).toThrow(/^client privacy budget exhausted: ε would reach [\d.]+ > budget [\d.]+ at δ 0\.00001/);
    // Nothing was spent by the refusal, in memory or on disk, and it keeps refusing.
    expect(budget.spent.releases).toBe(3);
    expect(fileReleases(statePath)).toBe(3);
    expect(codeOf(() => budget.reserve(z))).toBe('PRIVACY_BUDGET');
    // A release with more noise may still fit.
    expect(codeOf(() => budget.reserve(1000))).toBeUndefined();
  });

  it('has the new count on disk when reserve() returns, and leaves no temporary file', () => {
    const dir = tempDir();
    const statePath = join(dir, 'nested', 'budget.json');
    const budget = new PrivacyBudget({ epsilon: 50, delta: DELTA, statePath });
    expect(existsSync(statePath)).toBe(false);
    for (let n = 1; n <= 4; n++) {
      budget.reserve(2);
      expect(fileReleases(statePath)).toBe(n);
    }
    expect(readdirSync(join(dir, 'nested'))).toEqual(['budget.json']);
  });

  it('continues from the state file after a restart', () => {
    const statePath = join(tempDir(), 'budget.json');
    const first = new PrivacyBudget({ epsilon: 50, delta: DELTA, statePath });
    first.reserve(2);
    first.reserve(3);
    const second = new PrivacyBudget({ epsilon: 50, delta: DELTA, statePath });
    expect(second.spent).toEqual(first.spent);
    second.reserve(2);
    expect(second.spent.epsilon).toBeCloseTo(epsilonOf([2, 3, 2]), 12);
  });

  it('refuses a corrupt state file instead of starting from zero', () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    new PrivacyBudget({ epsilon: 50, delta: DELTA, statePath: good }).reserve(2);
    const state = JSON.parse(readFileSync(good, 'utf8')) as Record<string, unknown>;
    const corruptions: Record<string, string> = {
      empty: '',
      truncated: readFileSync(good, 'utf8').slice(0, 40),
      foreign: JSON.stringify({ hello: 'world' }),
      miscounted: JSON.stringify({ ...state, releases: 0 }),
      badHistory: JSON.stringify({
        ...state,
        accountant: { kind: 'rdp', version: 1, options: {}, history: [{ noiseMultiplier: -1, sampleRate: 1, count: 1 }] },
      }),
    };
    for (const [name, text] of Object.entries(corruptions)) {
      const statePath = join(dir, `${name}.json`);
      writeFileSync(statePath, text);
      expect(() => new PrivacyBudget({ epsilon: 50, delta: DELTA, statePath }), name).toThrow(/is corrupt .*refusing to start from zero/);
      expect(
        codeOf(() => new PrivacyBudget({ epsilon: 50, delta: DELTA, statePath })),
        name,
      ).toBe('CORRUPT_STATE');
    }
  });

  it('spends nothing when the release cannot be recorded', () => {
    const dir = tempDir();
    const budget = new PrivacyBudget({ epsilon: 50, delta: DELTA, statePath: join(dir, 'sub', 'budget.json') });
    writeFileSync(join(dir, 'sub'), 'a file where the state directory should be');
    expect(codeOf(() => budget.reserve(2))).toBe('STATE_IO');
    expect(budget.spent.releases).toBe(0);
  });

  it('rejects invalid options with the field named', () => {
    const statePath = join(tempDir(), 'budget.json');
    expect(() => new PrivacyBudget({ epsilon: 0, delta: DELTA, statePath })).toThrow(
      /privacyBudget\.epsilon must be a finite number > 0, got 0/,
    );
    expect(() => new PrivacyBudget({ epsilon: 1, delta: 1, statePath })).toThrow(/privacyBudget\.delta must be in \(0, 1\), got 1/);
    expect(() => new PrivacyBudget({ epsilon: 1, delta: DELTA, statePath: '' })).toThrow(/privacyBudget\.statePath/);
  });
});

describe('dp instructions a client refuses', () => {
  const local = { clipNorm: 1, noiseStdDev: 2 };
  it('refuses seeded noise unless allowed', () => {
    const seeded = { ...local, noiseSeed: 7 };
    expect(() => checkDpInstruction(seeded, { allowSeededNoise: false, requireLocalNoise: false })).toThrow(
      /^the coordinator asked for seeded, reproducible noise, which gives no privacy; refusing/,
    );
    expect(() => checkDpInstruction(seeded, { allowSeededNoise: true, requireLocalNoise: true })).not.toThrow();
  });

  it('with a budget, refuses updates that would leave without local noise', () => {
    const policy = { allowSeededNoise: false, requireLocalNoise: true };
    expect(() => checkDpInstruction(undefined, policy)).toThrow(/without differential privacy/);
    expect(() => checkDpInstruction({ clipNorm: 1, noiseStdDev: 0 }, policy)).toThrow(/without local noise/);
    expect(() => checkDpInstruction(local, policy)).not.toThrow();
    expect(() => checkDpInstruction(undefined, { ...policy, requireLocalNoise: false })).not.toThrow();
  });
});
