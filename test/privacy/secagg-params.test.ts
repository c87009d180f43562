/**
 * Parameters of secure aggregation: planSecAgg's (k, t) pinned for n = 10, 100, 500 and re-derived by an
 * independent implementation of its formula (exact hypergeometric tails in bigint arithmetic, instead of
 * the planner's floating-point recurrence), its refusals, the no-wrap bound, and the neighbourhood graph.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkNoWrap, neighbourGraph, planSecAgg, type SecAggParams } from '@cohort/privacy/secagg';

const SIGMA = 40n;
const ETA = 20n;

function binomial(a: number, b: number): bigint {
  if (b < 0 || b > a) return 0n;
  let r = 1n;
  for (let i = 0; i < b; i++) r = (r * BigInt(a - i)) / BigInt(i + 1);
  return r;
}

/** tails[x] = C(N, k) · P[H(N, K, k) ≥ x] for x = 0…k + 1, exactly. */
function upperTails(N: number, K: number, k: number): bigint[] {
  const terms = Array.from({ length: k + 1 }, (_, y) => binomial(K, y) * binomial(N - K, k - y));
  const tails = new Array<bigint>(k + 2).fill(0n);
  for (let x = k; x >= 0; x--) tails[x] = (tails[x + 1] as bigint) + (terms[x] as bigint);
  return tails;
}

/** For each t in 2…k, whether (k, t) meets the planner's three conditions for n clients, checked exactly. */
function conditions(n: number, k: number, gamma: number, d: number) {
  const C = Math.floor(gamma * n + 1e-12);
  const D = Math.floor(d * n + 1e-12);
  const B = C + D;
  // (i) n(n − k − 1)/2 · C(n − k, B − k)/C(n, B) < 2^−(σ+1): two runs of k/2 corrupt-or-dropped clients.
  const connected = B < k || BigInt(n * (n - k - 1)) * binomial(n - k, B - k) * 2n ** (SIGMA + 1n) < 2n * binomial(n, B);
  // (ii) n · P[H(n − 1, C, k) ≥ t] ≤ 2^−(σ+1) and n · P[H(n − 1, S − 1, k) < t] ≤ 2^−η, with γk < t ≤ ⌊(1 − d)k⌋.
  const total = binomial(n - 1, k);
  const corrupt = upperTails(n - 1, C, k);
  const surviving = upperTails(n - 1, n - D - 1, k);
  return (t: number) => ({
    connected,
    secure: BigInt(n) * (corrupt[t] as bigint) * 2n ** (SIGMA + 1n) <= total,
    correct: BigInt(n) * (total - (surviving[t] as bigint)) * 2n ** ETA <= total && t <= Math.floor((1 - d) * k + 1e-12) && t > gamma * k,
  });
}

const base = { clipNorm: 1, modelLength: 1000 };

describe('planSecAgg', () => {
  it('pins (k, t) for n = 10, 100, 500 with the default fractions (d = 0.3, γ = 0.1)', () => {
    const plans = [10, 100, 500].map((clients) => planSecAgg({ ...base, clients }));
    expect(plans.map((p) => [p.neighbours, p.threshold])).toEqual([
      [6, 2],
      [34, 11],
      [76, 31],
    ]);
    const full = [10, 100].map((clients) => planSecAgg({ ...base, clients, fullGraph: true }));
    expect(full.map((p) => [p.neighbours, p.threshold])).toEqual([
      [9, 2],
      [99, 11],
    ]);
    for (const p of [...plans, ...full]) {
      expect(p.threshold).toBeGreaterThan(0.1 * p.neighbours); // γk < t
      expect(p.threshold).toBeLessThanOrEqual(0.7 * p.neighbours); // t ≤ (1 − d)k
    }
  });

  it('returns the smallest even k whose (k, t) meets the formula, as an independent exact computation confirms', () => {
    for (const [clients, gamma, d] of [
      [100, 0.1, 0.3],
      [500, 0.1, 0.3],
      [300, 0.05, 0.1],
      [1000, 0.2, 0.2],
    ] as const) {
      const { neighbours: k, threshold: t } = planSecAgg({ ...base, clients, corruptionFraction: gamma, dropoutFraction: d });
      expect(k % 2).toBe(0);
      const atK = conditions(clients, k, gamma, d);
      expect(atK(t)).toEqual({ connected: true, secure: true, correct: true });
      // The threshold is the smallest secure one, and no smaller even k admits any threshold.
      if (t > 2) expect(atK(t - 1).secure).toBe(false);
      for (let smaller = 2; smaller < k; smaller += 2) {
        const check = conditions(clients, smaller, gamma, d);
        const feasible = Array.from({ length: smaller - 1 }, (_, i) => check(i + 2)).some((c) => c.connected && c.secure && c.correct);
        expect(feasible, `k = ${smaller} should not qualify for n = ${clients}`).toBe(false);
      }
    }
  });

  it('grows k like log n for SecAgg+ while the full graph grows like n', () => {
    const ks = [1e3, 1e4, 1e5, 1e6].map((clients) => planSecAgg({ ...base, clients }).neighbours);
    for (let i = 1; i < ks.length; i++) expect(ks[i]).toBeGreaterThanOrEqual(ks[i - 1] as number);
    // Each tenfold increase of n adds a bounded amount (≈ 2·log2(10)/log2(1/(γ + d)) ≈ 15 at most), far from ×10.
    for (let i = 1; i < ks.length; i++) expect((ks[i] as number) - (ks[i - 1] as number)).toBeLessThan(25);
    expect(ks[3]).toBeLessThan(255);
    expect(planSecAgg({ ...base, clients: 200, fullGraph: true }).neighbours).toBe(199);
  });

  it('names its refusals', () => {
    expect(() => planSecAgg({ ...base, clients: 300, fullGraph: true })).toThrow(
      /299 neighbours per client, more than the 255 Shamir shares/,
    );
    expect(() => planSecAgg({ ...base, clients: 1000, bits: 8 })).toThrow(/bits 8 are too few for 1000 clients.*use at least 12 bits/);
    expect(() => planSecAgg({ ...base, clients: 1000, corruptionFraction: 0.4, dropoutFraction: 0.5 })).toThrow(
      /no SecAgg\+ neighbourhood k ≤ 254 is safe/,
    );
    expect(() => planSecAgg({ ...base, clients: 20, fullGraph: true, corruptionFraction: 0.5, dropoutFraction: 0.5 })).toThrow(
      /no threshold t with γk < t ≤ \(1 − d\)k/,
    );
    expect(() => planSecAgg({ ...base, clients: 2 })).toThrow(/clients must be an integer in \[3/);
    expect(() => planSecAgg({ ...base, clients: 10, dropoutFraction: 1 })).toThrow(/dropoutFraction/);
    expect(() => planSecAgg({ ...base, clients: 10, bits: 33 })).toThrow(/bits/);
  });

  it('chooses the finest scale that cannot wrap, for n and not for 2n', () => {
    for (const [clients, bits] of [
      [10, 32],
      [500, 32],
      [100, 16],
    ] as const) {
      const params = planSecAgg({ clients, clipNorm: 2.5, modelLength: 10, bits });
      expect(() => checkNoWrap(params, clients)).not.toThrow();
      expect(() => checkNoWrap(params, 2 * clients)).toThrow(/could wrap mod 2\^/);
      expect(clients * (Math.ceil(params.scale * 2.5) + 1)).toBeLessThan(2 ** (bits - 1));
      // One more quantisation level per clip norm (scale + 1/C) could wrap.
      expect(clients * (Math.ceil(params.scale * 2.5) + 2)).toBeGreaterThanOrEqual(2 ** (bits - 1));
    }
  });
});

describe('checkNoWrap', () => {
  const params: SecAggParams = { bits: 16, scale: 100, clipNorm: 1, modelLength: 4, neighbours: 4, threshold: 2 };
  it('accepts n·(⌈scale·C⌉ + 1) < 2^(b−1) and refuses equality', () => {
    // ⌈100 · 1⌉ + 1 = 101; 2^15 = 32768; 324 · 101 = 32724 < 32768 ≤ 325 · 101 = 32825.
    expect(() => checkNoWrap(params, 324)).not.toThrow();
    expect(() => checkNoWrap(params, 325)).toThrow(/325 × \(⌈scale·clipNorm⌉ \+ 1\) = 32825 ≥ 2\^15/);
  });
});

describe('neighbourGraph', () => {
  const ids = Array.from({ length: 50 }, (_, i) => `c${String(i).padStart(2, '0')}`);

  it('is symmetric and k-regular, deterministic in the seed, and different for another seed', () => {
    const seed = randomBytes(32);
    for (const k of [2, 7, 10]) {
      const graph = neighbourGraph(ids, k, seed);
      expect([...graph.keys()].sort()).toEqual(ids);
      for (const [id, list] of graph) {
        expect(list).toHaveLength(k);
        expect(new Set(list).size).toBe(k);
        expect(list).not.toContain(id);
        expect(list).toEqual([...list].sort());
        for (const other of list) expect(graph.get(other)).toContain(id);
      }
      expect(neighbourGraph(ids, k, Uint8Array.from(seed))).toEqual(graph);
      expect(neighbourGraph(ids, k, randomBytes(32))).not.toEqual(graph);
    }
  });

  it('is a ring over a permutation: the neighbour sets of H(k, n) are those of a cycle', () => {
    const graph = neighbourGraph(ids, 4, randomBytes(32));
    // In H(4, n) a client shares exactly two neighbours with each of its two ring neighbours (one with the others): follow them.
    const start = ids[0] as string;
    const order = [start];
    const visited = new Set(order);
    while (order.length < ids.length) {
      const here = order[order.length - 1] as string;
      const nextId = (graph.get(here) as string[]).find(
        (v) => !visited.has(v) && (graph.get(v) as string[]).filter((w) => graph.get(here)?.includes(w)).length === 2,
      );
      if (nextId === undefined) break;
      order.push(nextId);
      visited.add(nextId);
    }
    expect(order).toHaveLength(ids.length);
  });

  it('is the full graph for k = n − 1, and refuses bad input', () => {
    const graph = neighbourGraph(ids.slice(0, 7), 6, randomBytes(32));
    for (const [id, list] of graph) expect(list).toEqual(ids.slice(0, 7).filter((v) => v !== id));
    expect(() => neighbourGraph(['b', 'a'], 1, randomBytes(32))).toThrow(/sorted and distinct/);
    expect(() => neighbourGraph(['a', 'a', 'b'], 1, randomBytes(32))).toThrow(/sorted and distinct/);
    expect(() => neighbourGraph(ids, 3, randomBytes(16))).toThrow(/32 bytes/);
    expect(() => neighbourGraph(ids.slice(0, 5), 3, randomBytes(32))).toThrow(/both odd/);
    expect(() => neighbourGraph(ids.slice(0, 5), 5, randomBytes(32))).toThrow(/neighbours must be an integer in \[1, 4\]/);
  });
});
