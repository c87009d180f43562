/**
 * What the auditor learnt from somewhere other than the files it is handed, checked against them.
 * A ledger, its head and a public key that all agree prove only that whoever holds that key signed
 * them; these checks tie them to the coordinator, the run and the model the auditor cares about:
 *
 * - the key's fingerprint (KEY_FINGERPRINT_MISMATCH): a ledger re-signed throughout with another
 *   key, handed over with that key, verifies perfectly otherwise;
 * - the run (UNEXPECTED_RUN): another run signed by the same key, or the final head of an earlier
 *   run with the ledger cut back to it, verifies perfectly otherwise;
 * - the released model (MODEL_MISMATCH, or HEAD_REQUIRED without a head): the head names the model
 *   the run holds, so the weights handed over must hash to it.
 */
import { PrivacyError } from '../errors';
import { HEX_SHA256 } from './canonical';
import type { LedgerEntry } from './entry';
import { nameEntry, shortHash } from './failures';
import type { LedgerFailure } from './failures';
import type { LedgerHead } from './head';

export interface Expectations {
  /** `SHA256:…` fingerprint the public key must have (see `publicKeyFingerprint`). */
  expectKeyFingerprint?: string;
  /** The run the ledger must end with: the head's run, or without a head the last entry's. */
  runId?: string;
  /** sha256 hex of the released weights (weights.bin) the auditor was handed. */
  modelSha256?: string;
}

/** KEY_FINGERPRINT_MISMATCH unless `keyFingerprint` is the expected one (or none is expected). */
export function checkKeyFingerprint(keyFingerprint: string, expected: string | undefined): LedgerFailure[] {
  if (expected === undefined || expected === keyFingerprint) return [];
  return [
    {
      seq: null,
      line: null,
      code: 'KEY_FINGERPRINT_MISMATCH',
      reason: `the public key given has fingerprint ${keyFingerprint}, but the auditor expected ${expected}: it is not the coordinator's key, so signatures under it prove nothing.`,
    },
  ];
}

function checkRun(entries: readonly LedgerEntry[], head: LedgerHead | undefined, expected: string): LedgerFailure | null {
  const want = JSON.stringify(expected);
  if (head) {
    if (head.runId === expected) return null;
    return {
      seq: head.lastSeq,
      line: null,
      code: 'UNEXPECTED_RUN',
      reason: `signed head (last seq ${head.lastSeq}): it is for run ${JSON.stringify(head.runId)}, but the auditor expected run ${want}.`,
    };
  }
  const line = entries.length;
  const last = entries[line - 1];
  if (!last)
    return {
      seq: null,
      line: null,
      code: 'UNEXPECTED_RUN',
      reason: `the ledger has no entries and no signed head was given, so nothing shows it is run ${want}'s.`,
    };
  if (last.runId === expected) return null;
  return {
    seq: last.seq,
    line,
    code: 'UNEXPECTED_RUN',
    reason: `${nameEntry(last.seq, line)}: the ledger ends with run ${JSON.stringify(last.runId)}, but the auditor expected run ${want}.`,
  };
}

function checkModel(head: LedgerHead | undefined, modelSha256: string): LedgerFailure | null {
  if (!head) {
    return {
      seq: null,
      line: null,
      code: 'HEAD_REQUIRED',
      reason: `the released model (sha256 ${shortHash(modelSha256)}) can only be checked against the run's signed head, and none was given.`,
    };
  }
  if (head.modelSha256 === modelSha256) return null;
  return {
    seq: head.lastSeq,
    line: null,
    code: 'MODEL_MISMATCH',
    reason: `signed head (last seq ${head.lastSeq}): run ${JSON.stringify(head.runId)} holds model ${shortHash(head.modelSha256)}, but the weights handed to the auditor hash to ${shortHash(modelSha256)}: they are not this run's model.`,
  };
}

/** Failures of the run and model expectations (the key's are `checkKeyFingerprint`'s). */
export function checkRunAndModel(entries: readonly LedgerEntry[], head: LedgerHead | undefined, expect: Expectations): LedgerFailure[] {
  if (expect.modelSha256 !== undefined && !HEX_SHA256.test(expect.modelSha256)) {
    throw new PrivacyError('INVALID_ARGUMENT', `modelSha256 must be 64 lowercase hex digits; got ${JSON.stringify(expect.modelSha256)}.`);
  }
  const failures: LedgerFailure[] = [];
  const run = expect.runId === undefined ? null : checkRun(entries, head, expect.runId);
  if (run) failures.push(run);
  const model = expect.modelSha256 === undefined ? null : checkModel(head, expect.modelSha256);
  if (model) failures.push(model);
  return failures;
}
