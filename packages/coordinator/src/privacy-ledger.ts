/**
 * Appends the coordinator's signed ledger entries and exports the ledger (ledger.jsonl, the signed
 * head ledger-head.json and the public key coordinator.pub) where an auditor picks them up.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PUBLIC_KEY_FILE, createLedgerEntry, createLedgerHead, publicKeyToText, readOrCreateKeyPair, toJsonl, type LedgerEntry, type SigningKeyPair } from '@cohort/privacy';
import type { DpOptions } from './options';

export interface ReleaseFacts {
  runId: string;
  round: number;
  sampleRate: number;
  clipNorm: number;
  expectedCohortSize: number;
  actualCohortSize: number;
  participants: readonly string[];
  modelSha256: string;
  epsilonClaimed: number;
}

export class PrivacyLedger {
  private readonly keys: SigningKeyPair;

  constructor(private readonly dp: DpOptions, private entries: LedgerEntry[], private readonly exportPath: string | undefined) {
    this.keys = readOrCreateKeyPair(dp.keyDir);
  }

  get all(): readonly LedgerEntry[] {
    return this.entries;
  }

  /** A signed entry chained to the last one; it joins the ledger once the round commits. */
  next(facts: ReleaseFacts): LedgerEntry {
    return createLedgerEntry(
      {
        runId: facts.runId,
        round: facts.round,
        time: new Date().toISOString(),
        mechanism: this.dp.mode === 'central' ? 'gaussian-central' : 'gaussian-local',
        sampleRate: facts.sampleRate,
        noiseMultiplier: this.dp.noiseMultiplier,
        clipNorm: facts.clipNorm,
        delta: this.dp.delta,
        expectedCohortSize: facts.expectedCohortSize,
        actualCohortSize: facts.actualCohortSize,
        participants: facts.participants.map((id) => pseudonym(facts.runId, id)),
        modelSha256: facts.modelSha256,
        epsilonClaimed: facts.epsilonClaimed,
        private: this.dp.seed === undefined,
      },
      this.entries[this.entries.length - 1],
      this.keys.secretKey,
    );
  }

  committed(entry: LedgerEntry): void {
    this.entries = [...this.entries, entry];
    this.export();
  }

  /** Writes ledger.jsonl, ledger-head.json and coordinator.pub beside each other. */
  export(): void {
    if (!this.exportPath || this.entries.length === 0) return;
    const dir = dirname(this.exportPath);
    mkdirSync(dir, { recursive: true });
    writeFileSync(this.exportPath, toJsonl(this.entries));
    writeFileSync(join(dir, 'ledger-head.json'), `${JSON.stringify(createLedgerHead(this.entries, this.keys.secretKey), null, 2)}\n`);
    writeFileSync(join(dir, PUBLIC_KEY_FILE), `${publicKeyToText(this.keys.publicKey)}\n`);
  }
}

/** A participant id the ledger can show: stable within a run, unlinkable to the client id without it. */
function pseudonym(runId: string, clientId: string): string {
  return createHash('sha256').update(`${runId}\u0000${clientId}`).digest('hex').slice(0, 16);
}
