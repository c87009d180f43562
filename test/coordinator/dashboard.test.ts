import { describe, expect, it } from 'vitest';
import type { RoundReport } from '@cohort/coordinator';
import type { EvaluationRecord, RoundRecord } from '@cohort/coordinator';
import {
  dashboardRefusal,
  hostName,
  isLoopbackAddress,
  isSameOrigin,
  type AccessRequest,
} from '../../packages/coordinator/src/dashboard/dashboard-access';
import { buildDashboardPage } from '../../packages/coordinator/src/dashboard/dashboard-page';
import {
  DashboardHistory,
  dashboardPrivacy,
  dashboardRound,
  parseStage,
  storedRounds,
} from '../../packages/coordinator/src/dashboard/dashboard-state';

const metrics = {
  examples: 400,
  loss: 0.42,
  accuracy: 0.81,
  precision: 0.8,
  recall: 0.79,
  f1: 0.795,
  perClientAccuracy: { clients: 3, min: 0.6, max: 0.95, std: 0.1 },
};

function report(overrides: Partial<RoundReport> = {}): RoundReport {
  return {
    round: 3,
    population: 5,
    participation: {
      selected: 4,
      participants: 3,
      failures: [{ clientId: 'alice-phone', kind: 'timeout', reason: 'no answer within 20000 ms' }],
      bytesIn: 12_000,
      bytesOut: 16_000,
    },
    trainLoss: 0.5,
    trainAccuracy: 0.77,
    evaluation: metrics,
    durationMs: 850,
    privacy: null,
    ...overrides,
  };
}

describe('what the dashboard publishes of a round', () => {
  it('keeps the federation-level figures and drops every client id and single-client figure', () => {
    const published = dashboardRound(report());
    expect(published).toEqual({
      round: 3,
      accuracy: 0.81,
      loss: 0.42,
      trainAccuracy: 0.77,
      trainLoss: 0.5,
      durationMs: 850,
      participants: 3,
      bytesIn: 12_000,
      bytesOut: 16_000,
      epsilon: null,
    });
    const text = JSON.stringify(published);
    expect(text).not.toContain('alice-phone');
    // The spread of client accuracies (min and max are one client's figure) is not published either.
    expect(text).not.toContain('0.95');
  });

  it('under DP publishes ε and no participation: no counts, no bytes', () => {
    const dp = report({
      participation: null,
      trainLoss: null,
      trainAccuracy: null,
      privacy: { rdp: 1.25, pld: 1.1, delta: 1e-5, private: true },
    });
    expect(dashboardRound(dp)).toMatchObject({ participants: null, bytesIn: null, bytesOut: null, epsilon: 1.25, accuracy: 0.81 });
  });

  it('the initial evaluation (round 0) is a round with accuracy and loss only', () => {
    const initial = report({ round: 0, participation: null, trainLoss: null, trainAccuracy: null, durationMs: 0 });
    expect(dashboardRound(initial)).toMatchObject({ round: 0, accuracy: 0.81, participants: null, trainLoss: null });
  });

  it('rounds of a resumed run come from the store: committed ones only, ids reduced to a count, and none under DP', () => {
    const row = (round: number, status: 'committed' | 'failed'): RoundRecord => ({
      runId: 'r',
      round,
      attempt: 1,
      status,
      startedAt: '2025-01-01T00:00:00.000Z',
      durationMs: 100 * round,
      population: 3,
      selected: ['alice-phone', 'bob-laptop', 'carol-tablet'],
      participants: ['alice-phone', 'bob-laptop'],
      failures: [],
      trainLoss: 0.3,
      trainAccuracy: 0.9,
      bytesIn: 1000,
      bytesOut: 2000,
    });
    const evaluation = (round: number): EvaluationRecord => ({ runId: 'r', round, metrics, participants: ['alice-phone'], failures: [] });
    const rows = [row(1, 'failed'), row(1, 'committed'), row(2, 'committed')];
    const open = storedRounds(rows, [evaluation(0), evaluation(2)], false);
    expect(open.map((r) => [r.round, r.accuracy, r.participants, r.bytesIn])).toEqual([
      [0, 0.81, null, null],
      [1, null, 2, 1000],
      [2, 0.81, 2, 1000],
    ]);
    expect(JSON.stringify(open)).not.toMatch(/alice|bob|carol/);
    const dp = storedRounds(rows, [evaluation(2)], true);
    expect(dp.map((r) => [r.round, r.participants, r.bytesIn, r.bytesOut])).toEqual([
      [1, null, null, null],
      [2, null, null, null],
    ]);
  });

  it('the history keeps one entry per round, in round order', () => {
    const history = new DashboardHistory([dashboardRound(report({ round: 2 }))]);
    history.add(dashboardRound(report({ round: 1 })));
    history.add(dashboardRound(report({ round: 2, durationMs: 99 })));
    expect(history.rounds().map((r) => [r.round, r.durationMs])).toEqual([
      [1, 850],
      [2, 99],
    ]);
  });

  it('a stage event is published only as round, attempt and stage, and only when well formed', () => {
    expect(parseStage({ round: 4, attempt: 2, stage: 'collect', clients: ['alice-phone'] })).toEqual({
      round: 4,
      attempt: 2,
      stage: 'collect',
    });
    expect(parseStage({ round: 4, attempt: 0, stage: 'collect' })).toBeUndefined();
    expect(parseStage({ round: 1.5, attempt: 1, stage: 'collect' })).toBeUndefined();
    expect(parseStage({ round: 1, attempt: 1, stage: 'x'.repeat(65) })).toBeUndefined();
    expect(parseStage('collect')).toBeUndefined();
    expect(parseStage(null)).toBeUndefined();
  });

  it('states the DP settings a reader needs for ε, and whether the noise was seeded', () => {
    expect(dashboardPrivacy(undefined)).toBeNull();
    const dp = { mode: 'central' as const, clipNorm: 1, noiseMultiplier: 1, sampleRate: 0.5, delta: 1e-5, keyDir: '/k' };
    expect(dashboardPrivacy({ ...dp, budgetEpsilon: 8 })).toEqual({ mode: 'central', delta: 1e-5, budgetEpsilon: 8, private: true });
    expect(dashboardPrivacy({ ...dp, seed: 1 })).toMatchObject({ budgetEpsilon: null, private: false });
  });
});

describe('who may see the dashboard', () => {
  const local: AccessRequest = { remoteAddress: '127.0.0.1', host: '127.0.0.1:8080', origin: undefined, secure: false };

  it('recognises loopback addresses, including IPv4 mapped into IPv6, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of ['192.0.2.2', '10.0.0.1', '::ffff:192.0.2.2', 'fd00::2', '0.0.0.0', '::', '', undefined])
      expect(isLoopbackAddress(address), String(address)).toBe(false);
  });

  it('reads the host name of a Host header with or without a port', () => {
    expect(hostName('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName('localhost')).toBe('localhost');
  });

  it('answers this machine only, unless public', () => {
    expect(dashboardRefusal(local, false)).toBeUndefined();
    expect(dashboardRefusal({ ...local, remoteAddress: '::ffff:127.0.0.1', host: 'localhost:8080' }, false)).toBeUndefined();
    expect(dashboardRefusal({ ...local, remoteAddress: '192.0.2.7' }, false)).toMatch(/loopback/);
    expect(dashboardRefusal({ ...local, remoteAddress: undefined }, false)).toMatch(/loopback/);
    expect(dashboardRefusal({ ...local, remoteAddress: '192.0.2.7', host: 'coordinator.example:8080' }, true)).toBeUndefined();
  });

  it('refuses a loopback request for another host name (DNS rebinding), unless public', () => {
    const rebound = { ...local, host: 'attacker.example:8080', origin: 'http://attacker.example:8080' };
    expect(dashboardRefusal(rebound, false)).toMatch(/loopback host name/);
    expect(dashboardRefusal({ ...local, host: undefined }, false)).toMatch(/loopback host name/);
  });

  it("accepts a browser Origin only when it is the page's own, even when public", () => {
    const page = { ...local, origin: 'http://127.0.0.1:8080' };
    expect(isSameOrigin(page)).toBe(true);
    expect(dashboardRefusal(page, false)).toBeUndefined();
    expect(isSameOrigin({ ...page, secure: true })).toBe(false);
    expect(isSameOrigin({ ...page, origin: 'http://127.0.0.1:9090' })).toBe(false);
    expect(dashboardRefusal({ ...local, origin: 'http://evil.example' }, false)).toMatch(/origin/);
    expect(dashboardRefusal({ ...local, origin: 'http://evil.example' }, true)).toMatch(/origin/);
    expect(dashboardRefusal({ ...local, secure: true, origin: 'https://127.0.0.1:8080' }, false)).toBeUndefined();
  });
});

describe('the dashboard page', () => {
  it('is one self-contained document whose scripts only run by hash and which connects only back to the coordinator', () => {
    const { html, headers } = buildDashboardPage();
    const text = html.toString('utf8');
    const policy = headers['content-security-policy']!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
    const scripts = [...text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(3);
    expect(policy.match(/'sha256-/g)).toHaveLength(3);
    // Nothing is loaded from elsewhere: outside the scripts, no src or href but the empty data: icon; no source map.
    const markup = text.replace(/<script>[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');
    expect([...markup.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1])).toEqual(['data:,']);
    expect(text.includes('sourceMappingURL')).toBe(false);
  });
});
