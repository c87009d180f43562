import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LocalTrainer,
  createClient,
  selectRows,
  type ClientOptions,
  type CohortClient,
  type Examples,
  type PrivacyEvent,
  type RoundDone,
} from '@cohort/client';
import { Store, type DpOptions, type RoundRecord } from '@cohort/coordinator';
import { RdpAccountant } from '@cohort/privacy';
import { createRng, featureValues, partition, type Dataset } from '@cohort/simulations';
import { quiet, startCoordinator, syntheticData, tempDir, waitUntil } from '../helpers/federation';

const DELTA = 1e-5;
const Z = 4;

function epsilonAfter(releases: number, z = Z): number {
  return new RdpAccountant().step({ noiseMultiplier: z, sampleRate: 1 }, releases).getEpsilon(DELTA);
}

/** A budget that admits exactly `k` releases at noise multiplier Z. */
function budgetFor(k: number): number {
  return (epsilonAfter(k) + epsilonAfter(k + 1)) / 2;
}

/** A real client on shard `index` of `shards`, recording what it did. */
class Observed {
  readonly rounds: RoundDone[] = [];
  readonly privacy: PrivacyEvent[] = [];
  readonly client: CohortClient;

  constructor(url: string, dataset: Dataset, index: number, shards: number, options: Partial<ClientOptions> & { clientId: string }) {
    const rng = createRng(7);
    const trainParts = partition(dataset.train.y, shards, 'iid', rng.fork('train'));
    const evalParts = partition(dataset.test.y, shards, 'iid', rng.fork('eval'));
    const table = (split: Dataset['train']): Examples => ({
      x: featureValues(split, dataset.numFeatures),
      y: split.y,
      count: split.count,
      numFeatures: dataset.numFeatures,
    });
    this.client = createClient({
      serverUrl: url,
      trainer: new LocalTrainer({
        train: selectRows(table(dataset.train), trainParts[index]!),
        evaluation: selectRows(table(dataset.test), evalParts[index]!),
      }),
      logger: quiet,
      ...options,
    });
    this.client.on('round', (r) => this.rounds.push(r));
    this.client.on('privacy', (p) => this.privacy.push(p));
  }

  /** Rounds whose fit update the coordinator received and accepted. */
  get updatesSent(): number[] {
    return this.rounds.filter((r) => r.task === 'fit' && r.accepted).map((r) => r.round);
  }

  roundsWith(status: PrivacyEvent['status']): number[] {
    return this.privacy.filter((p) => p.status === status).map((p) => p.round);
  }
}

function localDp(dir: string, extra: Partial<DpOptions> = {}): { dp: DpOptions; ledgerPath: string } {
  return {
    dp: { mode: 'local', clipNorm: 1, noiseMultiplier: Z, sampleRate: 1, delta: DELTA, keyDir: join(dir, 'keys'), ...extra },
    ledgerPath: join(dir, 'ledger.jsonl'),
  };
}

/**
 * Runs a federation of the given clients (all connected before the first round) to its end. Under DP
 * the coordinator publishes no participation facts, so its own records are read from its database.
 */
async function run(dataset: Dataset, options: Parameters<typeof startCoordinator>[1], makeClients: (url: string) => Observed[]) {
  const dbPath = join(tempDir(), 'coordinator.db');
  const { coordinator, url } = await startCoordinator(dataset, { minClients: 2, dbPath, ...options });
  const clients = makeClients(url);
  let runId: string;
  try {
    await waitUntil(() => clients.every((c) => c.client.connected));
    const outcome = await coordinator.runRounds();
    expect(outcome.status).toBe('finished');
    runId = outcome.runId;
    // Each client sees its last acknowledgement before run:end, which closes it.
    await Promise.all(clients.map((c) => c.client.finished));
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
    await coordinator.close();
  }
  const store = new Store(dbPath);
  const rounds = store.rounds(runId);
  store.close();
  return { clients, rounds };
}

function failureOf(rounds: RoundRecord[], round: number, clientId: string) {
  const committed = rounds.filter((r) => r.round === round && r.status === 'committed');
  expect(committed).toHaveLength(1);
  return committed[0]!.failures.find((f) => f.clientId === clientId);
}

function persisted(statePath: string): { releases: number } {
  return JSON.parse(readFileSync(statePath, 'utf8')) as { releases: number };
}

describe('a client keeps its own privacy budget under local DP', () => {
  it('sends exactly k updates, then refuses fits with round:error and still evaluates', async () => {
    const dataset = syntheticData(5);
    const dir = tempDir();
    const statePath = join(dir, 'client', 'privacy-budget.json');
    const k = 2;
    const onDisk: { round: number; releases: number; acknowledged: boolean }[] = [];
    const { rounds, clients } = await run(dataset, { rounds: 4, evalEvery: 2, ...localDp(dir) }, (url) => {
      const budgeted = new Observed(url, dataset, 0, 3, {
        clientId: 'budgeted',
        privacyBudget: { epsilon: budgetFor(k), delta: DELTA, statePath },
      });
      budgeted.client.on('privacy', ({ round, status }) => {
        if (status === 'released')
          onDisk.push({ round, releases: persisted(statePath).releases, acknowledged: budgeted.updatesSent.includes(round) });
      });
      return [
        budgeted,
        new Observed(url, dataset, 1, 3, { clientId: 'plain-1' }),
        new Observed(url, dataset, 2, 3, { clientId: 'plain-2' }),
      ];
    });
    const budgeted = clients[0]!;

    expect(budgeted.updatesSent).toEqual([1, 2]);
    expect(budgeted.roundsWith('released')).toEqual([1, 2]);
    // When a release is announced, before its update is sent, the file already holds it.
    expect(onDisk).toEqual([
      { round: 1, releases: 1, acknowledged: false },
      { round: 2, releases: 2, acknowledged: false },
    ]);
    expect(budgeted.roundsWith('refused')).toEqual([3, 4]);
    for (const refusal of budgeted.privacy.filter((p) => p.status === 'refused')) {
      expect(refusal.reason).toMatch(/^client privacy budget exhausted: ε would reach [\d.]+ > budget [\d.]+ at δ 0\.00001/);
    }
    for (const round of [3, 4]) {
      expect(failureOf(rounds, round, 'budgeted')).toMatchObject({
        kind: 'client-error',
        reason: expect.stringMatching(/client privacy budget exhausted/),
      });
    }
    // It stayed connected: it answered the evaluation after its refused round 4.
    expect(budgeted.rounds.filter((r) => r.task === 'evaluate' && r.accepted).map((r) => r.round)).toContain(4);
    // Plain clients are unaffected.
    expect(clients[1]!.updatesSent).toEqual([1, 2, 3, 4]);

    const spent = budgeted.client.privacySpent!;
    expect(spent.releases).toBe(k);
    expect(spent.epsilon).toBeCloseTo(epsilonAfter(k), 12);
    expect(persisted(statePath).releases).toBe(k);
  }, 60_000);

  it('continues from its state file after a restart, across coordinators', async () => {
    const dataset = syntheticData(6);
    const statePath = join(tempDir(), 'privacy-budget.json');
    const budget = { epsilon: budgetFor(3), delta: DELTA, statePath };
    const federation = (budgetedClient: string) => (url: string) => [
      new Observed(url, dataset, 0, 3, { clientId: budgetedClient, privacyBudget: budget }),
      new Observed(url, dataset, 1, 3, { clientId: 'plain-1' }),
      new Observed(url, dataset, 2, 3, { clientId: 'plain-2' }),
    ];

    const dirA = tempDir();
    const first = await run(dataset, { rounds: 2, evalEvery: 0, ...localDp(dirA) }, federation('budgeted'));
    expect(first.clients[0]!.updatesSent).toEqual([1, 2]);
    expect(persisted(statePath).releases).toBe(2);

    // A new process, as after a restart: the spent budget comes from the file, not from zero.
    const dirB = tempDir();
    let restarted: Observed | undefined;
    const second = await run(dataset, { rounds: 2, evalEvery: 0, ...localDp(dirB) }, (url) => {
      const clients = federation('budgeted')(url);
      restarted = clients[0]!;
      expect(restarted.client.privacySpent).toEqual({ epsilon: epsilonAfter(2), delta: DELTA, releases: 2, budgetEpsilon: budget.epsilon });
      return clients;
    });
    expect(second.clients[0]).toBe(restarted);
    expect(restarted!.updatesSent).toEqual([1]);
    expect(restarted!.roundsWith('refused')).toEqual([2]);
    expect(failureOf(second.rounds, 2, 'budgeted')?.kind).toBe('client-error');
    expect(restarted!.client.privacySpent!.epsilon).toBeCloseTo(epsilonAfter(3), 12);
    expect(persisted(statePath).releases).toBe(3);
  }, 60_000);

  it('refuses seeded noise unless allowSeededNoise, and a budgeted client refuses central DP', async () => {
    const dataset = syntheticData(7);
    const dir = tempDir();
    const seeded = await run(dataset, { rounds: 1, evalEvery: 0, ...localDp(dir, { seed: 11 }) }, (url) => [
      new Observed(url, dataset, 0, 3, { clientId: 'careful' }),
      new Observed(url, dataset, 1, 3, { clientId: 'sim-1', allowSeededNoise: true }),
      new Observed(url, dataset, 2, 3, { clientId: 'sim-2', allowSeededNoise: true }),
    ]);
    const [careful, sim] = seeded.clients;
    expect(careful!.updatesSent).toEqual([]);
    expect(careful!.privacy).toEqual([
      {
        round: 1,
        status: 'refused',
        reason: expect.stringMatching(/^the coordinator asked for seeded, reproducible noise, which gives no privacy; refusing/),
      },
    ]);
    expect(failureOf(seeded.rounds, 1, 'careful')).toMatchObject({
      kind: 'client-error',
      reason: expect.stringMatching(/seeded, reproducible noise/),
    });
    expect(sim!.updatesSent).toEqual([1]);

    const centralDir = tempDir();
    const statePath = join(centralDir, 'privacy-budget.json');
    const central = await run(
      dataset,
      { rounds: 1, evalEvery: 0, dp: { ...localDp(centralDir).dp, mode: 'central' }, ledgerPath: join(centralDir, 'ledger.jsonl') },
      (url) => [
        new Observed(url, dataset, 0, 3, { clientId: 'budgeted', privacyBudget: { epsilon: 10, delta: DELTA, statePath } }),
        new Observed(url, dataset, 1, 3, { clientId: 'plain-1' }),
        new Observed(url, dataset, 2, 3, { clientId: 'plain-2' }),
      ],
    );
    const budgeted = central.clients[0]!;
    expect(budgeted.updatesSent).toEqual([]);
    expect(budgeted.roundsWith('refused')).toEqual([1]);
    expect(budgeted.privacy[0]!.reason).toMatch(/without local noise/);
    expect(failureOf(central.rounds, 1, 'budgeted')?.kind).toBe('client-error');
    expect(budgeted.client.privacySpent!.releases).toBe(0);
  }, 60_000);
});
