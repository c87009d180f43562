import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLedgerEntry, createLedgerHead, generateSigningKeyPair, publicKeyToText, RdpAccountant, toJsonl } from '@cohort/privacy';
import type { LedgerEntry } from '@cohort/privacy';
import { cohort } from '../helpers/processes';


/** A 4-round ledger of an honest coordinator, its public key file and its signed head. */
function writeRun(dir: string) {
  const keys = generateSigningKeyPair();
  const accountant = new RdpAccountant();
  const entries: LedgerEntry[] = [];
  for (let round = 1; round <= 4; round++) {
    accountant.step({ sampleRate: 0.05, noiseMultiplier: 1.2 });
    const fields = {
      runId: 'run-cli',
      round,
      time: new Date(Date.UTC(2025, 2, 1, 9, round)).toISOString(),
      mechanism: 'gaussian-central',
      sampleRate: 0.05,
      noiseMultiplier: 1.2,
      clipNorm: 1,
      delta: 1e-5,
      expectedCohortSize: 5,
      actualCohortSize: 2,
      participants: ['a', 'b'],
      modelSha256: createHash('sha256').update(`m${round}`).digest('hex'),
      epsilonClaimed: accountant.getEpsilon(1e-5),
      private: true,
    };
    entries.push(createLedgerEntry(fields, entries[round - 2], keys.secretKey));
  }
  const files = { ledger: join(dir, 'ledger.jsonl'), key: join(dir, 'coordinator.pub'), head: join(dir, 'head.json') };
  writeFileSync(files.ledger, toJsonl(entries));
  writeFileSync(files.key, `${publicKeyToText(keys.publicKey)}\n`);
  writeFileSync(files.head, JSON.stringify(createLedgerHead(entries, keys.secretKey)));
  return { entries, files, final: accountant.getEpsilon(1e-5) };
}

describe('cohort audit', () => {
  let dir: string;
  let run: ReturnType<typeof writeRun>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-audit-'));
    run = writeRun(dir);
  });

  it('exits 0 on a good ledger, printing per-round ε by RDP and PLD and the verdict', async () => {
    const ok = await cohort('audit', run.files.ledger, '--public-key', run.files.key, '--head', run.files.head);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Verification: chain, hashes and signatures intact, and the ledger ends at the signed head/);
    expect(ok.stdout).toMatch(/seq\s+line\s+round\s+stream\s+q\s+σ\s+claimed\s+RDP ε\s+PLD ε\s+private/);
    expect(ok.stdout).toMatch(/Final central ε: RDP [\d.]+ \(order [\d.]+\), PLD [\d.]+ over 4 releases/);
    expect(ok.stdout).toMatch(/Verdict: PASS\n$/);
    const json = await cohort('audit', run.files.ledger, '--public-key', run.files.key, '--json');
    expect(json.code).toBe(0);
    const audit = JSON.parse(json.stdout) as { verdict: string; central: { epsilonRdp: number }; rounds: { epsilonPld: number }[] };
    expect(audit.verdict).toBe('pass');
    expect(audit.central.epsilonRdp).toBeCloseTo(run.final, 10);
    expect(audit.rounds).toHaveLength(4);
    expect(audit.rounds.every((r) => r.epsilonPld > 0)).toBe(true);
  });

  it('exits non-zero on a tampered ledger, naming the entry and the reason on stderr', async () => {
    const lines = toJsonl(run.entries).trimEnd().split('\n');
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, `${lines.map((l, i) => (i === 2 ? l.replace('"noiseMultiplier":1.2', '"noiseMultiplier":4') : l)).join('\n')}\n`);
    const bad = await cohort('audit', tampered, '--public-key', run.files.key);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/HASH_MISMATCH: entry seq 3 \(line 3\): its fields do not match its hash/);
    expect(bad.stdout).toMatch(/Verdict: FAIL/);

    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, `${lines.slice(0, 3).join('\n')}\n`);
    const cut = await cohort('audit', truncated, '--public-key', run.files.key, '--head', run.files.head);
    expect(cut.code).not.toBe(0);
    expect(cut.stderr).toMatch(/TRUNCATED: entry seq 3 \(line 3\): the ledger ends here, but the signed head says it ends at seq 4/);

    const malformed = join(dir, 'malformed.jsonl');
    writeFileSync(malformed, `${lines[0]}\n{"seq":2}\n`);
    const broken = await cohort('audit', malformed, '--public-key', run.files.key);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/ledger line 2 \(seq 2\): entry is missing the field/);
  });

  it('exits non-zero when the recomputed ε exceeds --budget-epsilon, or the key is wrong', async () => {
    const over = await cohort('audit', run.files.ledger, '--public-key', run.files.key, '--budget-epsilon', String(run.final / 2), '--json');
    expect(over.code).not.toBe(0);
    expect((JSON.parse(over.stdout) as { verdict: string }).verdict).toBe('fail');
    expect(over.stderr).toMatch(/BUDGET_EXCEEDED: entry seq \d \(line \d\): the central ε by RDP reaches/);

    const otherKey = join(dir, 'other.pub');
    writeFileSync(otherKey, publicKeyToText(generateSigningKeyPair().publicKey));
    const wrong = await cohort('audit', run.files.ledger, '--public-key', otherKey);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/WRONG_PUBLIC_KEY: entry seq 1 \(line 1\) and every other signed entry/);

    const missing = await cohort('audit', run.files.ledger);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--public-key/);
  });
});
