/**
 * The ledger's end checked against the signed head: the head's signature, whether the ledger ends
 * where the head says (TRUNCATED, EXTENDED, HEAD_MISMATCH), whether the head was signed mid-run
 * (a 'running' head is reported as TRUNCATED unless allowed), and — when the entries the head was
 * signed over are all present — whether the head's run fits the entry it points at, and whether the
 * model the head names is its run's last central release.
 */
import type { LedgerEntry } from './entry';
import { nameEntry, seqRange, shortHash } from './failures';
import type { LedgerFailure } from './failures';
import type { LedgerHead } from './head';
import { verifyLedgerHeadSignature } from './head';

function checkEnd(entries: readonly LedgerEntry[], head: LedgerHead): LedgerFailure | null {
  const lastLine = entries.length;
  const last = entries[lastLine - 1];
  if (!last) {
    if (head.lastSeq === 0) return null;
    return {
      seq: head.lastSeq,
      line: null,
      code: 'TRUNCATED',
      reason: `the ledger is empty, but the signed head says it ends at seq ${head.lastSeq} (truncated).`,
    };
  }
  if (last.seq < head.lastSeq) {
    const lost = head.lastSeq - last.seq;
    return {
      seq: last.seq,
      line: lastLine,
      code: 'TRUNCATED',
      reason: `${nameEntry(last.seq, lastLine)}: the ledger ends here, but the signed head says it ends at seq ${head.lastSeq}: ${seqRange(last.seq + 1, head.lastSeq)} (${lost} entr${lost === 1 ? 'y' : 'ies'}) removed from the end (truncated).`,
    };
  }
  if (last.seq > head.lastSeq) {
    const index = entries.findIndex((e) => e.seq > head.lastSeq);
    const extra = entries[index] as LedgerEntry;
    return {
      seq: extra.seq,
      line: index + 1,
      code: 'EXTENDED',
      reason: `${nameEntry(extra.seq, index + 1)}: comes after the signed head's last seq ${head.lastSeq}: entries were appended after the head was signed.`,
    };
  }
  if (last.hash !== head.lastHash) {
    return {
      seq: last.seq,
      line: lastLine,
      code: 'HEAD_MISMATCH',
      reason: `${nameEntry(last.seq, lastLine)}: its hash differs from the signed head's lastHash for seq ${head.lastSeq}.`,
    };
  }
  return null;
}

/** The head's run against the entries up to the head: the run it points at, and its last release. */
function checkRun(entries: readonly LedgerEntry[], head: LedgerHead): LedgerFailure[] {
  const failures: LedgerFailure[] = [];
  let atHead: { entry: LedgerEntry; line: number } | undefined;
  let runLast: { entry: LedgerEntry; line: number } | undefined;
  entries.forEach((entry, i) => {
    if (entry.seq > head.lastSeq) return;
    atHead = { entry, line: i + 1 };
    if (entry.runId === head.runId) runLast = { entry, line: i + 1 };
  });
  const run = JSON.stringify(head.runId);
  if (atHead && runLast && atHead.entry.runId !== head.runId) {
    const { entry, line } = atHead;
    failures.push({
      seq: entry.seq,
      line,
      code: 'HEAD_MISMATCH',
      reason: `${nameEntry(entry.seq, line)}: the signed head of run ${run} ends here, but this entry is run ${JSON.stringify(entry.runId)}'s, after run ${run}'s last entry (seq ${runLast.entry.seq}): a run's head cannot point past the run.`,
    });
  }
  if (runLast && runLast.entry.mechanism !== 'gaussian-local' && runLast.entry.modelSha256 !== head.modelSha256) {
    const { entry, line } = runLast;
    failures.push({
      seq: entry.seq,
      line,
      code: 'MODEL_MISMATCH',
      reason: `${nameEntry(entry.seq, line)}: run ${run}'s last release, of model ${shortHash(entry.modelSha256)}, but the signed head says the run holds model ${shortHash(head.modelSha256)}: the model a run holds is its last release.`,
    });
  }
  return failures;
}

/** Problems of the ledger's end against `head`; a 'running' head is TRUNCATED unless `allowRunningHead`. */
export function checkHead(
  entries: readonly LedgerEntry[],
  head: LedgerHead,
  publicKey: Uint8Array,
  allowRunningHead: boolean,
): LedgerFailure[] {
  const failures: LedgerFailure[] = [];
  if (!verifyLedgerHeadSignature(head, publicKey)) {
    failures.push({
      seq: head.lastSeq,
      line: null,
      code: 'HEAD_SIGNATURE_INVALID',
      reason: `signed head (last seq ${head.lastSeq}): its signature does not verify under the coordinator's public key.`,
    });
  }
  const end = checkEnd(entries, head);
  if (end) failures.push(end);
  if (head.status === 'running' && !allowRunningHead) {
    failures.push({
      seq: head.lastSeq,
      line: null,
      code: 'TRUNCATED',
      reason: `the signed head was signed while run ${JSON.stringify(head.runId)} was still running (after seq ${head.lastSeq}): a finished run has a final head, and entries after this one may have been removed.`,
    });
  }
  // The head's run is judged by the entries the head was signed over: only when they are all here.
  if (!end || end.code === 'EXTENDED') failures.push(...checkRun(entries, head));
  return failures;
}
