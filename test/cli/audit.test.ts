import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createLedgerEntry,
  createLedgerHead,
  generateSigningKeyPair,
  publicKeyFingerprint,
  publicKeyToText,
  RdpAccountant,
  toJsonl,
} from '@cohort/privacy';
import type { LedgerEntry, LedgerHeadFacts, SigningKeyPair } from '@cohort/privacy';
import { cohort } from '../helpers/processes';

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
/** The weights.bin bytes of a run's model after a round. */
const weightsOf = (runId: string, round: number): Buffer => Buffer.from(`weights of ${runId} after round ${round}`);

interface RunSpec {
  runId: string;
  rounds: number;
  sampleRate?: number;
  noiseMultiplier?: number;
}

/** Honest releases of consecutive runs, chained in one ledger; claims are the combined RDP ε. */
function federation(keys: SigningKeyPair, runs: RunSpec[]): LedgerEntry[] {
  const accountant = new RdpAccountant();
  const entries: LedgerEntry[] = [];
  for (const { runId, rounds, sampleRate = 0.05, noiseMultiplier = 1.2 } of runs) {
    for (let round = 1; round <= rounds; round++) {
      accountant.step({ sampleRate, noiseMultiplier });
      const fields = {
        runId,
        round,
        attempt: 1,
        time: new Date(Date.UTC(2025, 2, 1, 9, entries.length)).toISOString(),
        mechanism: 'gaussian-central',
        sampleRate,
        noiseMultiplier,
        clipNorm: 1,
        delta: 1e-5,
        population: 100,
        expectedCohortSize: 100 * sampleRate,
        modelSha256: sha256(weightsOf(runId, round)),
        epsilonClaimed: accountant.getEpsilon(1e-5),
        private: true,
      };
      entries.push(createLedgerEntry(fields, entries.at(-1), keys.secretKey));
    }
  }
  return entries;
}

/** Writes a ledger, its public key and a head of its last run (final unless overridden) under `name`. */
function writeLedger(dir: string, name: string, keys: SigningKeyPair, entries: LedgerEntry[], facts: Partial<LedgerHeadFacts> = {}) {
  const last = entries.at(-1) as LedgerEntry;
  const head = createLedgerHead(
    last,
    {
      runId: last.runId,
      status: 'finished',
      time: '2025-03-02T00:00:00.000Z',
      modelSha256: last.modelSha256,
      budgetEpsilon: null,
      ...facts,
    },
    keys.secretKey,
  );
  const files = { ledger: join(dir, `${name}.jsonl`), key: join(dir, `${name}.pub`), head: join(dir, `${name}-head.json`) };
  writeFileSync(files.ledger, toJsonl(entries));
  writeFileSync(files.key, `${publicKeyToText(keys.publicKey)}\n`);
  writeFileSync(files.head, JSON.stringify(head));
  return files;
}

/** A model directory holding `weights` as weights.bin. */
function modelDir(dir: string, name: string, weights: Buffer): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, 'weights.bin'), weights);
  return path;
}

describe('cohort audit', () => {
  const keys = generateSigningKeyPair();
  let dir: string;
  let entries: LedgerEntry[];
  let files: ReturnType<typeof writeLedger>;
  let final: number;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-audit-'));
    entries = federation(keys, [{ runId: 'run-cli', rounds: 4 }]);
    files = writeLedger(dir, 'ledger', keys, entries);
    final = new RdpAccountant().step({ sampleRate: 0.05, noiseMultiplier: 1.2 }, 4).getEpsilon(1e-5);
  });

  it('exits 0 on a good ledger, printing the key fingerprint first, per-round ε by RDP and PLD, the combined ε and the verdict', async () => {
    const [ok, json] = await Promise.all([
      cohort('audit', files.ledger, '--public-key', files.key, '--head', files.head),
      cohort('audit', files.ledger, '--public-key', files.key, '--json'),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe(`Public key fingerprint: ${publicKeyFingerprint(keys.publicKey)}`);
    expect(ok.stdout).toMatch(/Ledger .*: 4 entries of run run-cli\n/);
    expect(ok.stdout).toMatch(/Signed head: run run-cli, finished at 2025-03-02T00:00:00.000Z, last seq 4/);
    expect(ok.stdout).toMatch(/Verification: chain, hashes and signatures intact, and the ledger ends at the signed head/);
    expect(ok.stdout).toMatch(/seq\s+line\s+run\s+round\s+attempt\s+stream\s+q\s+σ\s+claimed\s+RDP ε\s+PLD ε\s+private/);
    expect(ok.stdout).toMatch(/Combined ε \(every release of 1 run\): RDP [\d.]+ \(order [\d.]+\), PLD [\d.]+ over 4 releases/);
    expect(ok.stdout).toMatch(/Verdict: PASS\n$/);
    expect(json.code).toBe(0);
    const audit = JSON.parse(json.stdout) as {
      verdict: string;
      keyFingerprint: string;
      runs: string[];
      total: { epsilonRdp: number };
      rounds: { epsilonPld: number }[];
    };
    expect(audit.verdict).toBe('pass');
    expect(audit.keyFingerprint).toBe(publicKeyFingerprint(keys.publicKey));
    expect(audit.runs).toEqual(['run-cli']);
    expect(audit.total.epsilonRdp).toBeCloseTo(final, 10);
    expect(audit.rounds).toHaveLength(4);
    expect(audit.rounds.every((r) => r.epsilonPld > 0)).toBe(true);
  });

  it('exits non-zero on a tampered ledger, naming the entry and the reason on stderr', async () => {
    const lines = toJsonl(entries).trimEnd().split('\n');
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(
      tampered,
      `${lines.map((l, i) => (i === 2 ? l.replace('"noiseMultiplier":1.2', '"noiseMultiplier":4') : l)).join('\n')}\n`,
    );
    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, `${lines.slice(0, 3).join('\n')}\n`);
    const malformed = join(dir, 'malformed.jsonl');
    writeFileSync(malformed, `${lines[0]}\n{"seq":2}\n`);
    const [bad, cut, broken] = await Promise.all([
      cohort('audit', tampered, '--public-key', files.key),
      cohort('audit', truncated, '--public-key', files.key, '--head', files.head),
      cohort('audit', malformed, '--public-key', files.key),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/HASH_MISMATCH: entry seq 3 \(line 3\): its fields do not match its hash/);
    expect(bad.stdout).toMatch(/Verdict: FAIL/);
    expect(cut.code).not.toBe(0);
    expect(cut.stderr).toMatch(/TRUNCATED: entry seq 3 \(line 3\): the ledger ends here, but the signed head says it ends at seq 4/);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/ledger line 2 \(seq 2\): entry is missing the field/);
  });

  it('exits non-zero when the recomputed ε exceeds --budget-epsilon, or the key is wrong', async () => {
    const otherKey = join(dir, 'other.pub');
    writeFileSync(otherKey, publicKeyToText(generateSigningKeyPair().publicKey));
    const [over, wrong, missing] = await Promise.all([
      cohort('audit', files.ledger, '--public-key', files.key, '--budget-epsilon', String(final / 2), '--json'),
      cohort('audit', files.ledger, '--public-key', otherKey),
      cohort('audit', files.ledger),
    ]);
    expect(over.code).not.toBe(0);
    expect((JSON.parse(over.stdout) as { verdict: string }).verdict).toBe('fail');
    expect(over.stderr).toMatch(/BUDGET_EXCEEDED: entry seq \d \(line \d\): the combined ε by RDP/);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/WRONG_PUBLIC_KEY: entry seq 1 \(line 1\) and every other signed entry/);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--public-key/);
  });

  it('--expect-key catches a ledger and head re-signed throughout with another key, handed over with that key', async () => {
    const attacker = generateSigningKeyPair();
    const forged = writeLedger(dir, 'resigned', attacker, federation(attacker, [{ runId: 'run-cli', rounds: 4, noiseMultiplier: 5 }]));
    const fingerprint = publicKeyFingerprint(keys.publicKey);
    const [fooled, caught, genuine] = await Promise.all([
      cohort('audit', forged.ledger, '--public-key', forged.key, '--head', forged.head),
      cohort('audit', forged.ledger, '--public-key', forged.key, '--head', forged.head, '--expect-key', fingerprint),
      cohort('audit', files.ledger, '--public-key', files.key, '--head', files.head, '--expect-key', fingerprint),
    ]);
    expect(fooled.code).toBe(0);
    expect(caught.code).not.toBe(0);
    expect(caught.stderr).toContain(
      `KEY_FINGERPRINT_MISMATCH: the public key given has fingerprint ${publicKeyFingerprint(attacker.publicKey)}, but the auditor expected ${fingerprint}`,
    );
    expect(genuine.code).toBe(0);
  });

  it('a stale head signed mid-run, with the ledger cut back to it: TRUNCATED unless --allow-running-head', async () => {
    const stale = writeLedger(dir, 'stale', keys, entries.slice(0, 2), { status: 'running' });
    const [cut, allowed] = await Promise.all([
      cohort('audit', stale.ledger, '--public-key', files.key, '--head', stale.head),
      cohort('audit', stale.ledger, '--public-key', files.key, '--head', stale.head, '--allow-running-head'),
    ]);
    expect(cut.code).not.toBe(0);
    expect(cut.stderr).toContain(
      'TRUNCATED: the signed head was signed while run "run-cli" was still running (after seq 2): a finished run has a final head, and entries after this one may have been removed.',
    );
    expect(allowed.code).toBe(0);
  });

  it('--run-id catches the final head of another run, and a run swapped for another signed by the same key', async () => {
    const twoRuns = federation(keys, [
      { runId: 'run-a', rounds: 2 },
      { runId: 'run-b', rounds: 2 },
    ]);
    const staleA = writeLedger(dir, 'stale-a', keys, twoRuns.slice(0, 2));
    const swapped = writeLedger(dir, 'swapped', keys, federation(keys, [{ runId: 'run-swap', rounds: 4, noiseMultiplier: 9 }]));
    const [previous, swap, right] = await Promise.all([
      cohort('audit', staleA.ledger, '--public-key', files.key, '--head', staleA.head, '--run-id', 'run-b'),
      cohort('audit', swapped.ledger, '--public-key', files.key, '--head', swapped.head, '--run-id', 'run-cli'),
      cohort('audit', files.ledger, '--public-key', files.key, '--head', files.head, '--run-id', 'run-cli'),
    ]);
    expect(previous.code).not.toBe(0);
    expect(previous.stderr).toContain(
      'UNEXPECTED_RUN: signed head (last seq 2): it is for run "run-a", but the auditor expected run "run-b".',
    );
    expect(swap.code).not.toBe(0);
    expect(swap.stderr).toContain(
      'UNEXPECTED_RUN: signed head (last seq 4): it is for run "run-swap", but the auditor expected run "run-cli".',
    );
    expect(right.code).toBe(0);
  });

  it('--model checks DIR/weights.bin against the model the signed head names', async () => {
    const genuine = modelDir(dir, 'model', weightsOf('run-cli', 4));
    const tampered = modelDir(dir, 'tampered-model', Buffer.concat([weightsOf('run-cli', 4), Buffer.from([0])]));
    const [good, bad, absent, headless] = await Promise.all([
      cohort('audit', files.ledger, '--public-key', files.key, '--head', files.head, '--model', genuine),
      cohort('audit', files.ledger, '--public-key', files.key, '--head', files.head, '--model', tampered),
      cohort('audit', files.ledger, '--public-key', files.key, '--head', files.head, '--model', join(dir, 'no-such-model')),
      cohort('audit', files.ledger, '--public-key', files.key, '--model', genuine),
    ]);
    expect(good.code).toBe(0);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(
      /MODEL_MISMATCH: signed head \(last seq 4\): run "run-cli" holds model [0-9a-f]{12}…, but the weights handed to the auditor hash to [0-9a-f]{12}…/,
    );
    expect(absent.code).not.toBe(0);
    expect(absent.stderr).toMatch(/--model .*no-such-model: cannot read the model's weights .*weights\.bin/);
    expect(headless.code).not.toBe(0);
    expect(headless.stderr).toMatch(/HEAD_REQUIRED: /);
  });

  it('passes a ledger of several runs, checking the budget on their combined ε', async () => {
    const runs: RunSpec[] = [
      { runId: 'run-a', rounds: 3 },
      { runId: 'run-b', rounds: 3, sampleRate: 0.1, noiseMultiplier: 1 },
    ];
    const multi = writeLedger(dir, 'multi', keys, federation(keys, runs));
    const all = new RdpAccountant()
      .step({ sampleRate: 0.05, noiseMultiplier: 1.2 }, 3)
      .step({ sampleRate: 0.1, noiseMultiplier: 1 }, 3)
      .getEpsilon(1e-5);
    const runB = new RdpAccountant().step({ sampleRate: 0.1, noiseMultiplier: 1 }, 3).getEpsilon(1e-5);
    const [text, json, over] = await Promise.all([
      cohort('audit', multi.ledger, '--public-key', multi.key, '--head', multi.head, '--run-id', 'run-b'),
      cohort('audit', multi.ledger, '--public-key', multi.key, '--head', multi.head, '--json'),
      cohort('audit', multi.ledger, '--public-key', multi.key, '--head', multi.head, '--budget-epsilon', String((all + runB) / 2)),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Ledger .*: 6 entries of runs run-a, run-b\n/);
    expect(text.stdout).toMatch(/Combined ε \(every release of 2 runs\): RDP [\d.]+ \(order [\d.]+\), PLD [\d.]+ over 6 releases/);
    const audit = JSON.parse(json.stdout) as { verdict: string; runs: string[]; total: { epsilonRdp: number; releases: number } };
    expect(audit.verdict).toBe('pass');
    expect(audit.runs).toEqual(['run-a', 'run-b']);
    expect(audit.total.releases).toBe(6);
    expect(audit.total.epsilonRdp).toBeCloseTo(all, 10);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toMatch(
      /BUDGET_EXCEEDED: entry seq [4-6] \(line [4-6]\): the combined ε by RDP \(every release of every run so far\)/,
    );
  });
});
