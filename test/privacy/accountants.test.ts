import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountantFromJSON,
  calibrateNoiseMultiplier,
  createAccountant,
  PldAccountant,
  PrivacyError,
  RdpAccountant,
} from '@cohort/privacy';
import type { Accountant } from '@cohort/privacy';
import { ACCOUNTANT_KINDS } from '@cohort/privacy/accounting';
import { relativeError } from './reference-data';

const DELTA = 1e-5;

describe('RdpAccountant', () => {
  it('ε grows with the number of steps and falls with σ (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 10, noNaN: true }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        (sigma, q, steps, more) => {
          const base = new RdpAccountant().step({ noiseMultiplier: sigma, sampleRate: q }, steps).getEpsilon(DELTA);
          const longer = new RdpAccountant().step({ noiseMultiplier: sigma, sampleRate: q }, steps + more).getEpsilon(DELTA);
          const noisier = new RdpAccountant().step({ noiseMultiplier: sigma * 1.1, sampleRate: q }, steps).getEpsilon(DELTA);
          expect(longer).toBeGreaterThanOrEqual(base);
          expect(noisier).toBeLessThanOrEqual(base);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('composes by adding RDP: k calls of step() equal one step(…, k)', () => {
    const one = new RdpAccountant();
    for (let i = 0; i < 250; i++) one.step({ noiseMultiplier: 1.1, sampleRate: 0.01 });
    const batched = new RdpAccountant().step({ noiseMultiplier: 1.1, sampleRate: 0.01 }, 250);
    expect(relativeError(one.getEpsilon(DELTA), batched.getEpsilon(DELTA))).toBeLessThan(1e-12);
    expect(one.history).toEqual([{ noiseMultiplier: 1.1, sampleRate: 0.01, count: 250 }]);
  });

  it('getDelta(getEpsilon(δ)) = δ, and getEpsilon(getDelta(ε)) = ε', () => {
    const accountant = new RdpAccountant().step({ noiseMultiplier: 0.9, sampleRate: 0.02 }, 3000);
    const eps = accountant.getEpsilon(DELTA);
    expect(relativeError(accountant.getDelta(eps), DELTA)).toBeLessThan(1e-9);
    const delta = accountant.getDelta(2 * eps);
    expect(accountant.getEpsilon(delta)).toBeLessThanOrEqual(2 * eps * (1 + 1e-9));
  });

  it('round-trips through JSON with its orders, series and history', () => {
    const accountant = new RdpAccountant({ orders: [1.5, 2, 4, 8, 16, 32], fractionalSeries: 'absolute' })
      .step({ noiseMultiplier: 1.3, sampleRate: 0.05 }, 40)
      .step({ noiseMultiplier: 0.7, sampleRate: 0.001 }, 7)
      .step({ noiseMultiplier: 0.7, sampleRate: 0.001 }, 3);
    const restored = RdpAccountant.fromJSON(JSON.parse(JSON.stringify(accountant)));
    expect(restored.toJSON()).toEqual(accountant.toJSON());
    expect(restored.getRdp()).toEqual(accountant.getRdp());
    expect(restored.getEpsilon(DELTA)).toBe(accountant.getEpsilon(DELTA));
    expect(accountant.history).toHaveLength(2);
  });

  it('reports ε = ∞ without noise and ε = 0 when nobody is sampled', () => {
    expect(new RdpAccountant().step({ noiseMultiplier: 0, sampleRate: 0.5 }).getEpsilon(DELTA)).toBe(Infinity);
    expect(new RdpAccountant().step({ noiseMultiplier: 1, sampleRate: 0 }, 100).getEpsilon(DELTA)).toBe(0);
  });
});

describe('PldAccountant', () => {
  it('ε grows with the number of steps and falls with σ', () => {
    const eps = (sigma: number, steps: number): number =>
      new PldAccountant().step({ noiseMultiplier: sigma, sampleRate: 0.05 }, steps).getEpsilon(DELTA);
    const bySteps = [1, 10, 100, 1000].map((steps) => eps(1.5, steps));
    const bySigma = [1, 1.5, 3].map((sigma) => eps(sigma, 100));
    for (let i = 1; i < bySteps.length; i++) expect(bySteps[i]).toBeGreaterThan(bySteps[i - 1]!);
    for (let i = 1; i < bySigma.length; i++) expect(bySigma[i]).toBeLessThan(bySigma[i - 1]!);
  });

  it('round-trips through JSON (options and history) and gives the same figures', () => {
    const accountant = new PldAccountant({ valueDiscretizationInterval: 2e-4 })
      .step({ noiseMultiplier: 1.3, sampleRate: 0.05 }, 40)
      .step({ noiseMultiplier: 4, sampleRate: 1 }, 2);
    const state = JSON.parse(JSON.stringify(accountant.toJSON()));
    expect(state).toMatchObject({ kind: 'pld', version: 1, options: { valueDiscretizationInterval: 2e-4 } });
    const restored = PldAccountant.fromJSON(state);
    expect(restored.history).toEqual(accountant.history);
    expect(restored.getEpsilon(DELTA)).toBe(accountant.getEpsilon(DELTA));
    expect(restored.getDelta(1)).toBe(accountant.getDelta(1));
  });
});

describe('Accountant interface', () => {
  it('is implemented by both accountants: step, getEpsilon, getDelta, history, toJSON', () => {
    expect(ACCOUNTANT_KINDS).toEqual(['rdp', 'pld']);
    for (const kind of ACCOUNTANT_KINDS) {
      const accountant: Accountant = createAccountant(kind);
      expect(accountant).toBeInstanceOf(kind === 'rdp' ? RdpAccountant : PldAccountant);
      expect(accountant.kind).toBe(kind);
      expect(accountant.getEpsilon(DELTA)).toBe(0);
      expect(accountant.step({ noiseMultiplier: 1.2, sampleRate: 0.05 }, 30)).toBe(accountant);
      accountant.step({ noiseMultiplier: 1.2, sampleRate: 0.05 });
      expect(accountant.history).toEqual([{ noiseMultiplier: 1.2, sampleRate: 0.05, count: 31 }]);
      const epsilon = accountant.getEpsilon(DELTA);
      expect(epsilon).toBeGreaterThan(0);
      expect(relativeError(accountant.getDelta(epsilon), DELTA), kind).toBeLessThan(1e-6);
      expect(accountant.toJSON()).toMatchObject({ kind, version: 1 });
    }
  });

  it('createAccountant passes options; accountantFromJSON restores either kind', () => {
    const rdp = createAccountant('rdp', { orders: [2, 4, 8, 16, 32] }).step({ noiseMultiplier: 1, sampleRate: 0.1 }, 10);
    const pld = createAccountant('pld', { valueDiscretizationInterval: 2e-4 }).step({ noiseMultiplier: 1, sampleRate: 0.1 }, 10);
    expect((rdp as RdpAccountant).orders).toEqual([2, 4, 8, 16, 32]);
    expect((pld as PldAccountant).options.valueDiscretizationInterval).toBe(2e-4);
    for (const accountant of [rdp, pld]) {
      const restored = accountantFromJSON(JSON.parse(JSON.stringify(accountant)));
      expect(restored.kind).toBe(accountant.kind);
      expect(restored.toJSON()).toEqual(accountant.toJSON());
      expect(restored.getEpsilon(DELTA)).toBe(accountant.getEpsilon(DELTA));
    }
    expect(() => createAccountant('gdp' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => accountantFromJSON({ kind: 'gdp', version: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect(() => accountantFromJSON(null)).toThrow(/state\.kind must be one of rdp, pld/);
  });
});

describe('validation', () => {
  it('names the field and its range when a step or option is out of range', () => {
    const rdp = new RdpAccountant();
    expect(() => rdp.step({ noiseMultiplier: 1, sampleRate: 1.5 })).toThrow(
      /step\.sampleRate must be a finite number in \[0, 1\]; got 1\.5/,
    );
    expect(() => rdp.step({ noiseMultiplier: -2, sampleRate: 0.1 })).toThrow(/step\.noiseMultiplier must be a finite number ≥ 0/);
    expect(() => rdp.step({ noiseMultiplier: 1, sampleRate: 0.1 }, 0)).toThrow(/count must be an integer in \[1,/);
    expect(() => rdp.getEpsilon(0)).toThrow(/delta must be a finite number in \(0, 1\)/);
    expect(() => new PldAccountant({ valueDiscretizationInterval: 0 })).toThrow(/valueDiscretizationInterval must be/);
    expect(() => new RdpAccountant({ orders: [] })).toThrow(/orders must be a non-empty array/);
    try {
      rdp.step({ noiseMultiplier: 1, sampleRate: 2 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PrivacyError);
      expect((e as PrivacyError).toWire()).toEqual({ code: 'INVALID_ARGUMENT', message: (e as Error).message });
    }
  });

  it('refuses malformed saved states with INVALID_STATE', () => {
    const good = new RdpAccountant().step({ noiseMultiplier: 1, sampleRate: 0.1 }).toJSON();
    const cases: unknown[] = [
      null,
      { ...good, kind: 'pld' },
      { ...good, version: 2 },
      { ...good, history: 'nope' },
      { ...good, history: [{ noiseMultiplier: 1, sampleRate: 3, count: 1 }] },
      { ...good, history: [{ noiseMultiplier: 1, sampleRate: 0.1, count: 0.5 }] },
      { ...good, options: { orders: [0.5] } },
    ];
    for (const state of cases) {
      expect(() => RdpAccountant.fromJSON(state)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    }
    expect(() => PldAccountant.fromJSON(good)).toThrow(/state\.kind must be 'pld'/);
  });
});

describe('calibrateNoiseMultiplier', () => {
  it('RDP: returns (within tolerance) the smallest σ meeting the target ε', () => {
    const target = { targetEpsilon: 3, delta: DELTA, sampleRate: 0.01, steps: 2000 };
    const { noiseMultiplier, epsilon } = calibrateNoiseMultiplier({ ...target, tolerance: 1e-4 });
    const epsAt = (sigma: number): number => new RdpAccountant().step({ noiseMultiplier: sigma, sampleRate: 0.01 }, 2000).getEpsilon(DELTA);
    expect(epsilon).toBe(epsAt(noiseMultiplier));
    expect(epsilon).toBeLessThanOrEqual(3);
    expect(epsAt(noiseMultiplier * (1 - 2e-4))).toBeGreaterThan(3);
    expect(relativeError(epsilon, 3)).toBeLessThan(1e-2);
  });

  it('PLD: needs less noise than RDP for the same budget, and meets it', () => {
    const target = { targetEpsilon: 2, delta: DELTA, sampleRate: 0.02, steps: 200 };
    const pld = calibrateNoiseMultiplier({ ...target, accountant: () => new PldAccountant(), tolerance: 1e-3 });
    const rdp = calibrateNoiseMultiplier({ ...target, accountant: () => new RdpAccountant(), tolerance: 1e-3 });
    expect(pld.epsilon).toBeLessThanOrEqual(2);
    expect(relativeError(pld.epsilon, 2)).toBeLessThan(2e-2);
    expect(pld.noiseMultiplier).toBeLessThan(rdp.noiseMultiplier);
    const check = new PldAccountant().step({ noiseMultiplier: pld.noiseMultiplier, sampleRate: 0.02 }, 200);
    expect(check.getEpsilon(DELTA)).toBe(pld.epsilon);
  });

  it('uses RDP when no accountant is given, and any Accountant factory otherwise', () => {
    const target = { targetEpsilon: 2.5, delta: DELTA, sampleRate: 0.01, steps: 500 };
    expect(calibrateNoiseMultiplier(target)).toEqual(calibrateNoiseMultiplier({ ...target, accountant: () => new RdpAccountant() }));
    const made: Accountant[] = [];
    const viaFactory = calibrateNoiseMultiplier({
      ...target,
      accountant: () => {
        const accountant = createAccountant('rdp');
        made.push(accountant);
        return accountant;
      },
    });
    expect(viaFactory).toEqual(calibrateNoiseMultiplier(target));
    expect(made.length).toBeGreaterThan(5); // a fresh accountant for every candidate σ
    const used = new RdpAccountant().step({ noiseMultiplier: 1, sampleRate: 0.01 });
    expect(() => calibrateNoiseMultiplier({ ...target, accountant: () => used })).toThrow(/fresh accountant with an empty history/);
  });

  it('rejects impossible or malformed targets', () => {
    expect(() => calibrateNoiseMultiplier({ targetEpsilon: 0, delta: DELTA, sampleRate: 0.1, steps: 10 })).toThrow(
      /targetEpsilon must be a finite number > 0/,
    );
    expect(() => calibrateNoiseMultiplier({ targetEpsilon: 1, delta: DELTA, sampleRate: 0, steps: 10 })).toThrow(
      /sampleRate must be a finite number in \(0, 1\]/,
    );
  });
});
