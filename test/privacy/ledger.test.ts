import { createHash, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  createLedgerEntry,
  createLedgerHead,
  generateSigningKeyPair,
  parseLedgerHead,
  parseLedgerJsonl,
  PrivacyError,
  toJsonl,
  verifyLedger,
  ZERO_HASH,
} from '@cohort/privacy';
import type { LedgerEntry, LedgerFields, SigningKeyPair } from '@cohort/privacy';

const coordinator = generateSigningKeyPair();

function fields(round: number, overrides: Partial<LedgerFields> = {}): LedgerFields {
  return {
    runId: 'run-1',
    round,
    time: new Date(Date.UTC(2025, 0, 1, 12, round)).toISOString(),
    mechanism: 'gaussian-central',
    sampleRate: 0.01,
    noiseMultiplier: 1.1,
    clipNorm: 1,
    delta: 1e-5,
    expectedCohortSize: 10,
    actualCohortSize: 2,
    participants: [`p-${round}a`, `p-${round}b`],
    modelSha256: createHash('sha256').update(`model ${round}`).digest('hex'),
    epsilonClaimed: 0.1 * round,
    private: true,
    ...overrides,
  };
}

function buildLedger(n: number, keys: SigningKeyPair = coordinator): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (let round = 1; round <= n; round++) entries.push(createLedgerEntry(fields(round), entries[round - 2], keys.secretKey));
  return entries;
}

/** The ledger written to JSONL, edited as text lines (what an attacker with file access can do), and parsed back. */
function tamper(entries: LedgerEntry[], edit: (lines: string[]) => string[]): LedgerEntry[] {
  const lines = toJsonl(entries).trimEnd().split('\n');
  return parseLedgerJsonl(`${edit(lines).join('\n')}\n`);
}

const codes = (entries: LedgerEntry[], publicKey = coordinator.publicKey, head?: ReturnType<typeof createLedgerHead>) =>
  verifyLedger(entries, publicKey, head).failures.map((f) => [f.code, f.seq, f.line]);

describe('ledger entries', () => {
  it('hash the canonical JSON (keys sorted, no whitespace) and sign the hash bytes with ed25519', () => {
    expect(canonicalJson({ b: 1, a: [1e-7, 'x', 0.01], c: { z: true, y: null }, d: -0 })).toBe('{"a":[1e-7,"x",0.01],"b":1,"c":{"y":null,"z":true},"d":0}');
    expect(() => canonicalJson({ a: Infinity })).toThrow(PrivacyError);
    const [first, second] = buildLedger(2) as [LedgerEntry, LedgerEntry];
    const f = fields(1);
    // Written out by hand, independently of canonicalJson: every field but hash and signature, sorted.
    const canonical =
      `{"actualCohortSize":2,"clipNorm":1,"delta":0.00001,"epsilonClaimed":0.1,"expectedCohortSize":10,"mechanism":"gaussian-central",` +
      `"modelSha256":"${f.modelSha256}","noiseMultiplier":1.1,"participants":["p-1a","p-1b"],"prevHash":"${ZERO_HASH}","private":true,` +
      `"round":1,"runId":"run-1","sampleRate":0.01,"seq":1,"time":"${f.time}"}`;
    expect(first.hash).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(ZERO_HASH);
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(nacl.sign.detached.verify(Buffer.from(first.hash, 'hex'), Buffer.from(first.signature, 'base64'), coordinator.publicKey)).toBe(true);
  });

  it('round-trips through JSONL and verifies, with and without the signed head', () => {
    const entries = buildLedger(6);
    const text = toJsonl(entries);
    expect(text.split('\n')).toHaveLength(7);
    const parsed = parseLedgerJsonl(text);
    expect(parsed).toEqual(entries);
    const head = parseLedgerHead(JSON.stringify(createLedgerHead(entries, coordinator.secretKey)));
    expect(head).toMatchObject({ runId: 'run-1', lastSeq: 6, lastHash: entries[5]?.hash });
    expect(verifyLedger(parsed, coordinator.publicKey, head)).toEqual({ ok: true, entries: 6, failures: [] });
  });

  it('refuses misuse: bad key sizes, bad fields, another run', () => {
    expect(() => createLedgerEntry(fields(1), undefined, new Uint8Array(32))).toThrow(/bad secret key size/);
    expect(() => verifyLedger([], new Uint8Array(31))).toThrow(/bad public key size/);
    expect(() => createLedgerEntry(fields(1, { sampleRate: 1.5 }), undefined, coordinator.secretKey)).toThrow(/fields\.sampleRate must be a finite number in \[0, 1\]/);
    expect(() => createLedgerEntry(fields(1, { time: 'yesterday' }), undefined, coordinator.secretKey)).toThrow(/fields\.time/);
    const [first] = buildLedger(1) as [LedgerEntry];
    expect(() => createLedgerEntry(fields(2, { runId: 'run-2' }), first, coordinator.secretKey)).toThrow(/runId must equal/);
    expect(() => createLedgerHead([], coordinator.secretKey)).toThrow(PrivacyError);
  });

  it('names the line of a malformed JSONL entry', () => {
    const lines = toJsonl(buildLedger(3)).trimEnd().split('\n');
    const bad = JSON.parse(lines[1] as string) as Record<string, unknown>;
    bad['noiseMultiplier'] = 'lots';
    expect(() => parseLedgerJsonl([lines[0], JSON.stringify(bad), lines[2]].join('\n'))).toThrow(/^ledger line 2 \(seq 2\): entry\.noiseMultiplier must be a finite number/);
    expect(() => parseLedgerJsonl([lines[0], '{not json', lines[2]].join('\n'))).toThrow(/^ledger line 2: not valid JSON/);
    expect(() => parseLedgerJsonl([lines[0], '', lines[2]].join('\n'))).toThrow(/^ledger line 2: is empty/);
    const extra = { ...(JSON.parse(lines[2] as string) as object), note: 'hi' };
    expect(() => parseLedgerJsonl([lines[0], lines[1], JSON.stringify(extra)].join('\n'))).toThrow(/^ledger line 3 \(seq 3\): entry has an unknown field "note"/);
    expect(() => parseLedgerHead('{"runId":"r","lastSeq":0,"lastHash":"x","signature":""}')).toThrow(/ledger head: lastSeq/);
  });
});

describe('verifyLedger catches tampering, naming the entry and the reason', () => {
  const entries = buildLedger(5);
  const head = createLedgerHead(entries, coordinator.secretKey);

  it('a changed field (σ of one entry): hash mismatch', () => {
    const edited = tamper(entries, (lines) => lines.map((l, i) => (i === 2 ? l.replace('"noiseMultiplier":1.1', '"noiseMultiplier":3') : l)));
    expect(edited[2]?.noiseMultiplier).toBe(3);
    const { ok, failures } = verifyLedger(edited, coordinator.publicKey, head);
    expect(ok).toBe(false);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'HASH_MISMATCH', seq: 3, line: 3 });
    expect(failures[0]?.reason).toMatch(/^entry seq 3 \(line 3\): its fields do not match its hash: a field was changed/);
  });

  it('a changed field with the hash recomputed: the signature fails and the chain breaks at the next entry', () => {
    const edited = entries.map((e) => ({ ...e }));
    const victim = edited[2] as LedgerEntry;
    victim.noiseMultiplier = 3;
    const { hash: _hash, signature: _signature, ...hashed } = victim;
    victim.hash = createHash('sha256').update(canonicalJson(hashed)).digest('hex');
    expect(codes(edited)).toEqual([
      ['SIGNATURE_INVALID', 3, 3],
      ['CHAIN_BROKEN', 4, 4],
    ]);
  });

  it('a deleted entry: seq gap naming the missing seq', () => {
    const edited = tamper(entries, (lines) => lines.filter((_, i) => i !== 2));
    const { failures } = verifyLedger(edited, coordinator.publicKey, head);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([['SEQ_GAP', 4, 3]]);
    expect(failures[0]?.reason).toBe('entry seq 4 (line 3): follows seq 2 (line 2); seq 3 is missing from the ledger (deleted).');
  });

  it('an inserted entry signed with an attacker key, or unsigned', () => {
    const attacker = generateSigningKeyPair();
    const forged = createLedgerEntry(fields(3, { epsilonClaimed: 0 }), entries[1], attacker.secretKey);
    const inserted = [...entries.slice(0, 2), forged, ...entries.slice(2)];
    const { failures } = verifyLedger(inserted, coordinator.publicKey, head);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([
      ['SIGNATURE_INVALID', 3, 3],
      ['DUPLICATE_SEQ', 3, 4],
    ]);
    expect(failures[0]?.reason).toMatch(/^entry seq 3 \(line 3\): its signature does not verify/);
    expect(failures[1]?.reason).toMatch(/^entry seq 3 \(line 4\): repeats the seq of line 3: one of the two was inserted/);

    const unsigned = tamper(inserted, (lines) => lines.map((l, i) => (i === 2 ? JSON.stringify({ ...(JSON.parse(l) as object), signature: undefined }) : l)));
    expect(unsigned[2]?.signature).toBe('');
    expect(codes(unsigned)).toEqual([
      ['SIGNATURE_MISSING', 3, 3],
      ['DUPLICATE_SEQ', 3, 4],
    ]);

    const appended = [...entries, createLedgerEntry(fields(6), entries[4], attacker.secretKey)];
    expect(codes(appended, coordinator.publicKey, head)).toEqual([
      ['SIGNATURE_INVALID', 6, 6],
      ['EXTENDED', 6, 6],
    ]);
  });

  it('reordered entries', () => {
    const edited = tamper(entries, (lines) => [lines[0], lines[2], lines[1], lines[3], lines[4]] as string[]);
    const { failures } = verifyLedger(edited, coordinator.publicKey, head);
    expect(failures.every((f) => f.code === 'REORDERED')).toBe(true);
    expect(failures.map((f) => [f.seq, f.line])).toEqual([[3, 2], [2, 3], [4, 4]]);
    expect(failures[0]?.reason).toBe('entry seq 3 (line 2): follows seq 1 (line 1), but seq 2 is at line 3: entries are out of order.');
  });

  it('a forged signature on one entry', () => {
    const edited = entries.map((e, i) => (i === 1 ? { ...e, signature: randomBytes(64).toString('base64') } : e));
    expect(codes(edited, coordinator.publicKey, head)).toEqual([['SIGNATURE_INVALID', 2, 2]]);
    const garbage = entries.map((e, i) => (i === 1 ? { ...e, signature: 'not base64!' } : e));
    expect(codes(garbage)).toEqual([['SIGNATURE_INVALID', 2, 2]]);
  });

  it('the wrong public key: one failure, not one per entry', () => {
    const other = generateSigningKeyPair();
    const { failures } = verifyLedger(entries, other.publicKey, head);
    expect(failures.map((f) => f.code)).toEqual(['WRONG_PUBLIC_KEY', 'HEAD_SIGNATURE_INVALID']);
    expect(failures[0]?.reason).toMatch(/^entry seq 1 \(line 1\) and every other signed entry \(5 in all\): no signature verifies under the given public key/);
  });

  it('truncation (last entry removed) passes the chain but not the signed head', () => {
    const truncated = tamper(entries, (lines) => lines.slice(0, -1));
    expect(verifyLedger(truncated, coordinator.publicKey).ok).toBe(true);
    const { failures } = verifyLedger(truncated, coordinator.publicKey, head);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([['TRUNCATED', 4, 4]]);
    expect(failures[0]?.reason).toBe(
      'entry seq 4 (line 4): the ledger ends here, but the signed head says it ends at seq 5: seq 5 (1 entry) removed from the end (truncated).',
    );
    expect(codes([], coordinator.publicKey, head)).toEqual([['TRUNCATED', 5, null]]);
  });

  it('a tampered head: signature invalid; a head of another ledger: mismatch', () => {
    expect(codes(entries.slice(0, 4), coordinator.publicKey, { ...head, lastSeq: 4 })).toEqual([
      ['HEAD_SIGNATURE_INVALID', 4, null],
      ['HEAD_MISMATCH', 4, 4],
    ]);
    const otherRun: LedgerEntry[] = [];
    for (let round = 1; round <= 5; round++) otherRun.push(createLedgerEntry(fields(round, { runId: 'run-2' }), otherRun[round - 2], coordinator.secretKey));
    const { failures } = verifyLedger(otherRun, coordinator.publicKey, head);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([
      ['HEAD_MISMATCH', 5, null],
      ['HEAD_MISMATCH', 5, 5],
    ]);
    expect(failures[0]?.reason).toMatch(/it is for run "run-1", but the ledger is for run "run-2"/);
    expect(failures[1]?.reason).toMatch(/^entry seq 5 \(line 5\): its hash differs from the signed head's lastHash/);
  });

  it('entries deleted from the start, and an entry from another run', () => {
    expect(codes(entries.slice(2))).toEqual([['SEQ_GAP', 3, 1]]);
    expect(verifyLedger(entries.slice(2), coordinator.publicKey).failures[0]?.reason).toBe(
      'entry seq 3 (line 1): is the first entry; seqs 1–2 are missing from the ledger (deleted).',
    );
    const mixed = [...entries.slice(0, 2), createLedgerEntry(fields(3, { runId: 'run-2' }), { ...(entries[1] as LedgerEntry), runId: 'run-2' }, coordinator.secretKey)];
    expect(codes(mixed)).toEqual([['RUN_MISMATCH', 3, 3]]);
  });
});

describe('verifyLedger misuse', () => {
  it('refuses entries that did not come through the parser with a malformed shape, naming the line', () => {
    const entries = buildLedger(2);
    const bad = [entries[0], { ...entries[1], private: 1 }] as unknown as LedgerEntry[];
    expect(() => verifyLedger(bad, coordinator.publicKey)).toThrow(/^line 2: entries\[1\]\.private must be a boolean; got 1\./);
  });
});
