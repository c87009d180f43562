import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Store, type Coordinator, type DpOptions } from '@cohort/coordinator';
import { startCoordinator, syntheticData, tempDir, waitUntil, zeroUpdateClient, type RawClient } from '../helpers/federation';

const dataset = syntheticData(5);

/** Runs `rounds` DP rounds over `n` instant zero-update clients; returns what each client was asked and what the store recorded. */
async function sampledFederation(dp: Omit<DpOptions, 'keyDir'>, n: number, rounds: number) {
  const dir = tempDir();
  const dbPath = join(dir, 'state.db');
  const started = await startCoordinator(dataset, {
    rounds,
    minClients: 2,
    evalEvery: 0,
    dbPath,
    ledgerPath: join(dir, 'ledger.jsonl'),
    dp: { ...dp, keyDir: join(dir, 'keys') },
  });
  const clients = Array.from({ length: n }, (_, i) => zeroUpdateClient(started.url, `site-${i}`));
  try {
    await waitUntil(() => clients.every((c) => c.description !== undefined));
    const outcome = await started.coordinator.runRounds();
    await started.coordinator.close();
    const store = new Store(dbPath);
    const attempts = store.rounds(outcome.runId);
    const ledger = store.ledger();
    store.close();
    return { outcome, attempts, ledger, clients };
  } finally {
    clients.forEach((c) => c.close());
    await started.coordinator.close();
  }
}

describe('sampling under differential privacy', () => {
  let coordinator: Coordinator | undefined;
  let raw: RawClient[] = [];
  afterEach(async () => {
    raw.forEach((c) => c.close());
    await coordinator?.close();
  });

  it('commits every Poisson draw as it falls: empty draws are rounds with no participants, broadcast to nobody, and inclusion stays q', async () => {
    const q = 0.2;
    const n = 10;
    const rounds = 30;
    // Seeded so that the draws are reproducible; this seed's draws include empty ones.
    const { outcome, attempts, ledger, clients } = await sampledFederation(
      { mode: 'central', clipNorm: 1, noiseMultiplier: 1, sampleRate: q, delta: 1e-5, seed: 11 },
      n,
      rounds,
    );
    expect(outcome.status).toBe('finished');

    // One attempt per round, never redrawn because of its own size, each one released and accounted.
    expect(attempts.map((a) => [a.round, a.attempt, a.status])).toEqual(Array.from({ length: rounds }, (_, i) => [i + 1, 1, 'committed']));
    expect(ledger.map((e) => e.round)).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));

    // Exactly the sampled clients were asked to train, round by round, including empty draws.
    expect(attempts.some((a) => a.selected.length === 0)).toBe(true);
    for (const attempt of attempts) {
      const asked = clients
        .filter((c) => c.fitRounds.includes(attempt.round))
        .map((c) => c.clientId)
        .sort();
      expect(asked, `round ${attempt.round}`).toEqual([...attempt.selected].sort());
    }

    // Inclusion is Poisson(q): 300 Bernoulli(0.2) trials have sd 0.023; redrawing small cohorts pushed it to 0.28.
    const included = attempts.reduce((sum, a) => sum + a.selected.length, 0) / (n * rounds);
    expect(Math.abs(included - q)).toBeLessThan(3 * Math.sqrt((q * (1 - q)) / (n * rounds)));
  }, 60_000);

  it('local DP accounts each attempt before it is broadcast, including rounds nobody was drawn for', async () => {
    const { outcome, attempts, ledger } = await sampledFederation(
      { mode: 'local', clipNorm: 1, noiseMultiplier: 2, sampleRate: 0.2, delta: 1e-5, seed: 11 },
      10,
      8,
    );
    expect(outcome.status).toBe('finished');
    expect(attempts.every((a) => a.status === 'committed')).toBe(true);
    expect(ledger.map((e) => [e.round, e.attempt, e.mechanism, e.sampleRate])).toEqual(
      Array.from({ length: 8 }, (_, i) => [i + 1, 1, 'gaussian-local', 1]),
    );
  }, 60_000);

  it('never broadcasts an empty cohort, with or without DP (socket.io would address every client)', async () => {
    const started = await startCoordinator(dataset, {
      rounds: 1,
      minClients: 2,
      evalEvery: 0,
      roundTimeoutMs: 2_000,
      maxRoundAttempts: 1,
      strategy: { ...nullStrategy() },
    });
    coordinator = started.coordinator;
    const clients = ['a', 'b', 'c'].map((id) => zeroUpdateClient(started.url, id));
    raw = clients;
    await waitUntil(() => clients.every((c) => c.description !== undefined));
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('failed');
    expect(clients.map((c) => c.fitRounds)).toEqual([[], [], []]);
  }, 30_000);
});

/** A strategy that samples nobody: the attempt must fail without a single round:start. */
function nullStrategy() {
  return {
    name: 'NobodySampled',
    configureFit: () => ({ clients: [] }),
    applyDelta: () => {
      throw new Error('nothing to apply');
    },
    aggregateFit: () => {
      throw new Error('nothing to aggregate');
    },
    configureEvaluate: () => [],
    aggregateEvaluate: () => {
      throw new Error('nothing to evaluate');
    },
  };
}
