import { createHash, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  createLedgerEntry,
  createLedgerHead,
  generateSigningKeyPair,
  parseLedgerHead,
  parseLedgerJsonl,
  PrivacyError,
  toJsonl,
} from '@cohort/privacy';
import { canonicalJson, LEDGER_HEAD_FORMAT, verifyLedger, verifyLedgerHeadSignature, ZERO_HASH } from '@cohort/privacy/ledger';
import type { LedgerEntry, LedgerFields, LedgerHead, LedgerHeadFacts, SigningKeyPair } from '@cohort/privacy';

const coordinator = generateSigningKeyPair();
const modelOf = (name: string | number): string => createHash('sha256').update(`model ${name}`).digest('hex');

function fields(round: number, overrides: Partial<LedgerFields> = {}): LedgerFields {
  return {
    runId: 'run-1',
    round,
    attempt: 1,
    time: new Date(Date.UTC(2025, 0, 1, 12, round)).toISOString(),
    mechanism: 'gaussian-central',
    sampleRate: 0.01,
    noiseMultiplier: 1.1,
    clipNorm: 1,
    delta: 1e-5,
    population: 1000,
    expectedCohortSize: 10,
    modelSha256: modelOf(round),
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

/** Appends releases of `runId` (rounds 1…n) after `before`, continuing its seq and chain. */
function appendRun(before: LedgerEntry[], runId: string, n: number): LedgerEntry[] {
  const entries = [...before];
  for (let round = 1; round <= n; round++) {
    entries.push(
      createLedgerEntry(fields(round, { runId, modelSha256: modelOf(`${runId}/${round}`) }), entries.at(-1), coordinator.secretKey),
    );
  }
  return entries;
}

/** A final head of `entries`' last run, naming its last release's model unless overridden. */
function headOf(entries: readonly LedgerEntry[], overrides: Partial<LedgerHeadFacts> = {}, keys: SigningKeyPair = coordinator): LedgerHead {
  const last = entries.at(-1);
  const facts: LedgerHeadFacts = {
    runId: last?.runId ?? 'run-1',
    status: 'finished',
    time: '2025-01-02T00:00:00.000Z',
    modelSha256: last?.modelSha256 ?? modelOf('initial'),
    budgetEpsilon: 8,
    ...overrides,
  };
  return createLedgerHead(last, facts, keys.secretKey);
}

/** The ledger written to JSONL, edited as text lines (what an attacker with file access can do), and parsed back. */
function tamper(entries: LedgerEntry[], edit: (lines: string[]) => string[]): LedgerEntry[] {
  const lines = toJsonl(entries).trimEnd().split('\n');
  return parseLedgerJsonl(`${edit(lines).join('\n')}\n`);
}

const codes = (entries: LedgerEntry[], publicKey = coordinator.publicKey, head?: LedgerHead) =>
  verifyLedger(entries, publicKey, head).failures.map((f) => [f.code, f.seq, f.line]);

describe('ledger entries', () => {
  it('hash the canonical JSON (keys sorted, no whitespace) and sign the hash bytes with ed25519', () => {
    expect(canonicalJson({ b: 1, a: [1e-7, 'x', 0.01], c: { z: true, y: null }, d: -0 })).toBe(
      '{"a":[1e-7,"x",0.01],"b":1,"c":{"y":null,"z":true},"d":0}',
    );
    expect(() => canonicalJson({ a: Infinity })).toThrow(PrivacyError);
    const [first, second] = buildLedger(2) as [LedgerEntry, LedgerEntry];
    const f = fields(1);
    // Written out by hand, independently of canonicalJson: every field but hash and signature, sorted.
    const canonical =
      `{"attempt":1,"clipNorm":1,"delta":0.00001,"epsilonClaimed":0.1,"expectedCohortSize":10,"mechanism":"gaussian-central",` +
      `"modelSha256":"${f.modelSha256}","noiseMultiplier":1.1,"population":1000,"prevHash":"${ZERO_HASH}","private":true,` +
      `"round":1,"runId":"run-1","sampleRate":0.01,"seq":1,"time":"${f.time}"}`;
    expect(first.hash).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(ZERO_HASH);
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(nacl.sign.detached.verify(Buffer.from(first.hash, 'hex'), Buffer.from(first.signature, 'base64'), coordinator.publicKey)).toBe(
      true,
    );
  });

  it('disclose no participant ids and no realised cohort size', () => {
    const line = JSON.parse(toJsonl(buildLedger(1)).trim()) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      'seq',
      'runId',
      'round',
      'attempt',
      'time',
      'mechanism',
      'sampleRate',
      'noiseMultiplier',
      'clipNorm',
      'delta',
      'population',
      'expectedCohortSize',
      'modelSha256',
      'epsilonClaimed',
      'private',
      'prevHash',
      'hash',
      'signature',
    ]);
  });

  it('round-trips through JSONL and verifies, with and without the signed head', () => {
    const entries = buildLedger(6);
    const text = toJsonl(entries);
    expect(text.split('\n')).toHaveLength(7);
    const parsed = parseLedgerJsonl(text);
    expect(parsed).toEqual(entries);
    const head = parseLedgerHead(JSON.stringify(headOf(entries)));
    expect(head).toMatchObject({
      format: LEDGER_HEAD_FORMAT,
      runId: 'run-1',
      lastSeq: 6,
      lastHash: entries[5]?.hash,
      status: 'finished',
      time: '2025-01-02T00:00:00.000Z',
      modelSha256: modelOf(6),
      budgetEpsilon: 8,
    });
    expect(verifyLedger(parsed, coordinator.publicKey)).toEqual({ ok: true, entries: 6, failures: [] });
    expect(verifyLedger(parsed, coordinator.publicKey, head)).toEqual({ ok: true, entries: 6, failures: [] });
  });

  it('sign heads over the canonical JSON of every field but the signature, format included', () => {
    const entries = buildLedger(2);
    const head = headOf(entries, { budgetEpsilon: null, status: 'budget-exhausted' });
    const { signature, ...signed } = head;
    expect(Object.keys(signed).sort()).toEqual([
      'budgetEpsilon',
      'format',
      'lastHash',
      'lastSeq',
      'modelSha256',
      'runId',
      'status',
      'time',
    ]);
    const message = new TextEncoder().encode(canonicalJson(signed));
    expect(nacl.sign.detached.verify(message, Buffer.from(signature, 'base64'), coordinator.publicKey)).toBe(true);
    const edits: Partial<LedgerHead>[] = [
      { status: 'running' },
      { time: '2025-01-03T00:00:00.000Z' },
      { modelSha256: modelOf('other') },
      { budgetEpsilon: 100 },
    ];
    for (const edit of edits) expect(verifyLedgerHeadSignature({ ...head, ...edit }, coordinator.publicKey)).toBe(false);
    expect(verifyLedgerHeadSignature(head, coordinator.publicKey)).toBe(true);
  });

  it('continue seq and the chain across runs, and sign a head before any release', () => {
    const entries = appendRun(buildLedger(2), 'run-2', 2);
    expect(entries.map((e) => [e.seq, e.runId])).toEqual([
      [1, 'run-1'],
      [2, 'run-1'],
      [3, 'run-2'],
      [4, 'run-2'],
    ]);
    expect(entries[2]?.prevHash).toBe(entries[1]?.hash);
    expect(verifyLedger(entries, coordinator.publicKey, headOf(entries)).failures).toEqual([]);
    const empty = headOf([], { runId: 'run-0' });
    expect(empty).toMatchObject({ lastSeq: 0, lastHash: ZERO_HASH });
    expect(verifyLedger([], coordinator.publicKey, empty).failures).toEqual([]);
    // run-3 has started but released nothing yet: its head points at run-2's last entry.
    const started = createLedgerHead(
      entries.at(-1),
      { runId: 'run-3', status: 'stopped', time: '2025-01-03T00:00:00.000Z', modelSha256: modelOf('run-3'), budgetEpsilon: null },
      coordinator.secretKey,
    );
    expect(verifyLedger(entries, coordinator.publicKey, started).failures).toEqual([]);
  });

  it('refuses misuse: bad key sizes, bad fields, bad head facts', () => {
    expect(() => createLedgerEntry(fields(1), undefined, new Uint8Array(32))).toThrow(/bad secret key size/);
    expect(() => verifyLedger([], new Uint8Array(31))).toThrow(/bad public key size/);
    expect(() => createLedgerEntry(fields(1, { sampleRate: 1.5 }), undefined, coordinator.secretKey)).toThrow(
      /fields\.sampleRate must be a finite number in \[0, 1\]/,
    );
    expect(() => createLedgerEntry(fields(1, { time: 'yesterday' }), undefined, coordinator.secretKey)).toThrow(/fields\.time/);
    expect(() => createLedgerEntry(fields(1, { attempt: 0 }), undefined, coordinator.secretKey)).toThrow(
      /fields\.attempt must be an integer ≥ 1/,
    );
    expect(() => createLedgerEntry({ ...fields(1), participants: ['p'] } as LedgerFields, undefined, coordinator.secretKey)).toThrow(
      /unknown field "participants"/,
    );
    const entries = buildLedger(1);
    expect(() => headOf(entries, { status: 'done' as LedgerHeadFacts['status'] })).toThrow(
      /head\.status must be one of running, finished, budget-exhausted, failed, stopped/,
    );
    expect(() => headOf(entries, { budgetEpsilon: 0 })).toThrow(/head\.budgetEpsilon must be null or a finite number > 0/);
    expect(() => headOf(entries, { modelSha256: 'abc' })).toThrow(PrivacyError);
  });

  it('names the line of a malformed JSONL entry', () => {
    const lines = toJsonl(buildLedger(3)).trimEnd().split('\n');
    const bad = JSON.parse(lines[1] as string) as Record<string, unknown>;
    bad['noiseMultiplier'] = 'lots';
    expect(() => parseLedgerJsonl([lines[0], JSON.stringify(bad), lines[2]].join('\n'))).toThrow(
      /^ledger line 2 \(seq 2\): entry\.noiseMultiplier must be a finite number/,
    );
    expect(() => parseLedgerJsonl([lines[0], '{not json', lines[2]].join('\n'))).toThrow(/^ledger line 2: not valid JSON/);
    expect(() => parseLedgerJsonl([lines[0], '', lines[2]].join('\n'))).toThrow(/^ledger line 2: is empty/);
    const extra = { ...(JSON.parse(lines[2] as string) as object), note: 'hi' };
    expect(() => parseLedgerJsonl([lines[0], lines[1], JSON.stringify(extra)].join('\n'))).toThrow(
      /^ledger line 3 \(seq 3\): entry has an unknown field "note"/,
    );
    const old = { ...(JSON.parse(lines[0] as string) as object), participants: ['p-1a'], actualCohortSize: 2 };
    expect(() => parseLedgerJsonl(JSON.stringify(old))).toThrow(/^ledger line 1 \(seq 1\): entry has an unknown field "participants"/);

    const head = JSON.parse(JSON.stringify(headOf(buildLedger(1)))) as Record<string, unknown>;
    const parse = (edit: Record<string, unknown>) => () => parseLedgerHead(JSON.stringify({ ...head, ...edit }));
    expect(parse({ format: 'cohort-ledger-head/1' })).toThrow(
      /^ledger head\.format must be "cohort-ledger-head\/2"; got "cohort-ledger-head\/1"/,
    );
    expect(parse({ lastSeq: -1 })).toThrow(/^ledger head\.lastSeq must be an integer ≥ 0/);
    expect(parse({ lastSeq: 0 })).toThrow(/^ledger head\.lastHash must be 64 zeros when lastSeq is 0/);
    expect(parse({ status: 'paused' })).toThrow(/^ledger head\.status must be one of/);
    expect(parse({ note: 1 })).toThrow(/^ledger head has an unknown field "note"/);
    expect(() => parseLedgerHead('{"runId":')).toThrow(/^ledger head: not valid JSON/);
  });
});

describe('verifyLedger catches tampering, naming the entry and the reason', () => {
  const entries = buildLedger(5);
  const head = headOf(entries);

  it('a changed field (σ of one entry): hash mismatch', () => {
    const edited = tamper(entries, (lines) =>
      lines.map((l, i) => (i === 2 ? l.replace('"noiseMultiplier":1.1', '"noiseMultiplier":3') : l)),
    );
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

    const unsigned = tamper(inserted, (lines) =>
      lines.map((l, i) => (i === 2 ? JSON.stringify({ ...(JSON.parse(l) as object), signature: undefined }) : l)),
    );
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
    expect(failures.map((f) => [f.seq, f.line])).toEqual([
      [3, 2],
      [2, 3],
      [4, 4],
    ]);
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
    expect(failures[0]?.reason).toMatch(
      /^entry seq 1 \(line 1\) and every other signed entry \(5 in all\): no signature verifies under the given public key/,
    );
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
    const otherRun = appendRun([], 'run-2', 5);
    const { failures } = verifyLedger(otherRun, coordinator.publicKey, head);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([['HEAD_MISMATCH', 5, 5]]);
    expect(failures[0]?.reason).toMatch(/^entry seq 5 \(line 5\): its hash differs from the signed head's lastHash/);
  });

  it('entries deleted from the start', () => {
    expect(codes(entries.slice(2))).toEqual([['SEQ_GAP', 3, 1]]);
    expect(verifyLedger(entries.slice(2), coordinator.publicKey).failures[0]?.reason).toBe(
      'entry seq 3 (line 1): is the first entry; seqs 1–2 are missing from the ledger (deleted).',
    );
  });

  it('a run whose entries reappear after another run began, even signed and chained', () => {
    const spliced = appendRun(appendRun(buildLedger(2), 'run-2', 2), 'run-1', 1);
    const { failures } = verifyLedger(spliced, coordinator.publicKey);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([['RUN_INTERLEAVED', 5, 5]]);
    expect(failures[0]?.reason).toBe(
      `entry seq 5 (line 5): it is for run "run-1", whose entries gave way to run "run-2"'s after seq 2 (line 2): a run's entries are contiguous, so this one was moved or spliced in.`,
    );
  });

  it('a head signed while the run was still running: truncation unless allowed, even with the ledger cut back to it', () => {
    const stale = headOf(entries.slice(0, 3), { status: 'running' });
    const cut = tamper(entries, (lines) => lines.slice(0, 3));
    const { failures } = verifyLedger(cut, coordinator.publicKey, stale);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([['TRUNCATED', 3, null]]);
    expect(failures[0]?.reason).toBe(
      'the signed head was signed while run "run-1" was still running (after seq 3): a finished run has a final head, and entries after this one may have been removed.',
    );
    expect(verifyLedger(cut, coordinator.publicKey, stale, { allowRunningHead: true }).failures).toEqual([]);
    expect(codes(entries, coordinator.publicKey, stale)).toEqual([
      ['EXTENDED', 4, 4],
      ['TRUNCATED', 3, null],
    ]);
  });

  it("a head whose model is not its run's last central release", () => {
    const wrong = headOf(entries, { modelSha256: modelOf(3) });
    const { failures } = verifyLedger(entries, coordinator.publicKey, wrong);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([['MODEL_MISMATCH', 5, 5]]);
    expect(failures[0]?.reason).toMatch(
      /^entry seq 5 \(line 5\): run "run-1"'s last release, of model [0-9a-f]{12}…, but the signed head says the run holds model [0-9a-f]{12}…/,
    );
    // Local entries name the model sent out before the round: the head's model moves on after them.
    const local = [createLedgerEntry(fields(1, { mechanism: 'gaussian-local', sampleRate: 1 }), undefined, coordinator.secretKey)];
    expect(codes(local, coordinator.publicKey, headOf(local, { modelSha256: modelOf('after round 1') }))).toEqual([]);
  });

  it("a head of one run pointing at another run's entry", () => {
    const twoRuns = appendRun(buildLedger(3), 'run-2', 2);
    const forged = headOf(twoRuns, { runId: 'run-1', modelSha256: modelOf(3) });
    const { failures } = verifyLedger(twoRuns, coordinator.publicKey, forged);
    expect(failures.map((f) => [f.code, f.seq, f.line])).toEqual([['HEAD_MISMATCH', 5, 5]]);
    expect(failures[0]?.reason).toMatch(
      /^entry seq 5 \(line 5\): the signed head of run "run-1" ends here, but this entry is run "run-2"'s, after run "run-1"'s last entry \(seq 3\)/,
    );
  });
});

describe('verifyLedger misuse', () => {
  it('refuses entries that did not come through the parser with a malformed shape, naming the line', () => {
    const entries = buildLedger(2);
    const bad = [entries[0], { ...entries[1], private: 1 }] as unknown as LedgerEntry[];
    expect(() => verifyLedger(bad, coordinator.publicKey)).toThrow(/^line 2: entries\[1\]\.private must be a boolean; got 1\./);
  });
});
