import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinatorError, type CoordinatorOptions, type DpOptions } from '@cohort/coordinator';
import { auditLedger, parseLedgerHead, parseLedgerJsonl, publicKeyFromText, RdpAccountant } from '@cohort/privacy';
import { startCoordinator, syntheticData, tempDir, waitUntil, zeroUpdateClient, type RawClient } from '../helpers/federation';

const dataset = syntheticData(6);

/** One federation = one data directory: its database, its published ledger, its private key. */
function federation() {
  const dir = tempDir();
  const dp: DpOptions = {
    mode: 'central',
    clipNorm: 1,
    noiseMultiplier: 4,
    sampleRate: 1,
    delta: 1e-5,
    budgetEpsilon: 3,
    keyDir: join(dir, 'keys'),
  };
  const options = { dbPath: join(dir, 'coordinator.db'), ledgerPath: join(dir, 'public', 'ledger.jsonl'), evalEvery: 0, minClients: 2, dp };
  const read = () => readFileSync(options.ledgerPath, 'utf8');
  return { dir, dp, options, read };
}

describe('a privacy budget that belongs to the federation', () => {
  let raw: RawClient[] = [];
  afterEach(() => raw.forEach((c) => c.close()));

  async function run(options: Partial<CoordinatorOptions>, stopAfter?: number) {
    const started = await startCoordinator(dataset, options);
    raw = ['a', 'b', 'c'].map((id) => zeroUpdateClient(started.url, id));
    try {
      await waitUntil(() => raw.every((c) => c.description !== undefined));
      if (stopAfter !== undefined) started.coordinator.on('round', (r) => r.round === stopAfter && void started.coordinator.close());
      return await started.coordinator.runRounds();
    } finally {
      raw.forEach((c) => c.close());
      await started.coordinator.close();
    }
  }

  async function refusal(options: Partial<CoordinatorOptions>): Promise<CoordinatorError> {
    const error = await startCoordinator(dataset, options).then(
      async ({ coordinator }) => {
        await coordinator.close();
        throw new Error('the coordinator started');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CoordinatorError);
    return error as CoordinatorError;
  }

  it('continues the accountant and the ledger across runs, stops at the budget, then refuses to start a run', async () => {
    const f = federation();
    const first = await run({ ...f.options, rounds: 2 });
    expect(first.status).toBe('finished');
    const afterFirst = f.read();

    const second = await run({ ...f.options, rounds: 50 });
    expect(second.status).toBe('budget-exhausted');
    const entries = parseLedgerJsonl(f.read());
    // The ledger is appended across runs, never rewritten: the first run's lines are still its first lines.
    expect(f.read().startsWith(afterFirst)).toBe(true);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(new Set(entries.map((e) => e.runId))).toEqual(new Set([first.runId, second.runId]));
    const reference = new RdpAccountant();
    reference.step({ noiseMultiplier: 4, sampleRate: 1 }, entries.length);
    expect(second.privacy!.rdp).toBeCloseTo(reference.getEpsilon(1e-5), 10);
    expect(second.privacy!.rdp).toBeLessThanOrEqual(3);
    expect(entries.at(-1)!.epsilonClaimed).toBeCloseTo(reference.getEpsilon(1e-5), 10);

    const head = parseLedgerHead(readFileSync(join(f.dir, 'public', 'ledger-head.json'), 'utf8'));
    expect(head).toMatchObject({
      runId: second.runId,
      status: 'budget-exhausted',
      lastSeq: entries.length,
      modelSha256: second.modelSha256,
      budgetEpsilon: 3,
    });
    const publicKey = publicKeyFromText(readFileSync(join(f.dir, 'public', 'coordinator.pub'), 'utf8'));
    const audit = auditLedger(entries, { publicKey, head, budgetEpsilon: 3, runId: second.runId });
    expect(audit.reasons).toEqual([]);

    const refused = await refusal({ ...f.options, rounds: 5 });
    expect(refused.code).toBe('BUDGET_EXHAUSTED');
    expect(refused.message).toMatch(
      /refusing to start a new run: the federation's privacy budget ε = 3 \(δ = 0\.00001\) cannot fit another round: ε spent so far [\d.]+ over \d+ releases, one more .* would reach [\d.]+/,
    );
    expect(parseLedgerJsonl(f.read())).toEqual(entries);
  }, 90_000);

  it('refuses to resume a run under other DP settings, or without DP, naming the difference', async () => {
    const f = federation();
    expect((await run({ ...f.options, rounds: 4 }, 1)).status).toBe('stopped');
    const changed = await refusal({ ...f.options, rounds: 4, dp: { ...f.dp, noiseMultiplier: 1.5, budgetEpsilon: 10 } });
    expect(changed.code).toBe('SETTINGS_MISMATCH');
    expect(changed.message).toMatch(/noiseMultiplier: 4 → 1\.5; budgetEpsilon: 3 → 10/);
    const { dp: _dp, ...withoutDp } = f.options;
    const off = await refusal({ ...withoutDp, rounds: 4 });
    expect(off.code).toBe('SETTINGS_MISMATCH');
    expect(off.message).toMatch(/dp: central → off/);
    // The genuine settings resume where the run stopped.
    const resumed = await run({ ...f.options, rounds: 4 });
    expect(resumed.status).toBe('finished');
    expect(parseLedgerJsonl(f.read()).map((e) => e.round)).toEqual([1, 2, 3, 4]);
    // A finished federation's next run must keep DP: its models would otherwise void the releases.
    const noDp = await refusal({ ...withoutDp, rounds: 1 });
    expect(noDp.code).toBe('PRIVACY_REQUIRED');
  }, 90_000);

  it('refuses to start afresh beside a ledger whose database is missing or older than the ledger', async () => {
    const f = federation();
    await run({ ...f.options, rounds: 3 }, 1);
    const snapshot = join(f.dir, 'after-round-1.db');
    copyFileSync(f.options.dbPath, snapshot);
    await run({ ...f.options, rounds: 3 });
    const published = f.read();

    // An older copy of the database: the ledger records releases it lacks.
    rmSync(`${f.options.dbPath}-wal`, { force: true });
    rmSync(`${f.options.dbPath}-shm`, { force: true });
    copyFileSync(snapshot, f.options.dbPath);
    const older = await refusal({ ...f.options, rounds: 3 });
    expect(older.code).toBe('STORE_CORRUPT');
    expect(older.message).toMatch(/records 3 privacy releases but the coordinator's database only 1/);

    // No database at all.
    rmSync(f.options.dbPath);
    const missing = await refusal({ ...f.options, rounds: 3 });
    expect(missing.code).toBe('STORE_CORRUPT');
    expect(missing.message).toMatch(/the database .* is missing: starting afresh would reset the federation's privacy budget/);
    expect(f.read()).toBe(published);
  }, 90_000);
});
