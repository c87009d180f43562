import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { LedgerAudit, LedgerFailure } from '@cohort/privacy';
import { positive, resolveWithConfig } from '../options';
import { openUnit } from './accountant';

interface Flags {
  publicKey?: string;
  head?: string;
  budgetEpsilon?: number;
  delta?: number;
  json?: boolean;
}

/** Most failures or findings listed one by one in the text report; the rest are counted. */
const LISTED = 20;

export function auditCommand(): Command {
  return new Command('audit')
    .description('verify a ledger.jsonl (hash chain, signatures, signed head) and recompute its ε independently; exit 0 only on a pass')
    .argument('<ledger>', 'ledger.jsonl exported by the coordinator or a simulation')
    .option('--public-key <file>', "the coordinator's public key (base64 text, e.g. coordinator.pub)")
    .option('--head <file>', 'the signed head published with the run (catches entries removed from the end)')
    .option('--budget-epsilon <e>', 'fail if the recomputed ε exceeds this budget', positive)
    .option('--delta <d>', "δ at which ε is reported (default: the entries' delta)", openUnit)
    .option('--json', 'print the full audit as JSON on stdout')
    .option('--config <file>', 'JSON file whose keys mirror these flags')
    .action(async (ledgerPath: string, _opts, command: Command) => {
      const flags = resolveWithConfig<Flags>(command);
      if (!flags.publicKey) command.error("error: required option '--public-key <file>' not specified (flag or config key)");
      const { auditLedger, parseLedgerHead, parseLedgerJsonl, publicKeyFromText } = await import('@cohort/privacy');
      const read = (path: string, what: string): string => {
        try {
          return readFileSync(path, 'utf8');
        } catch (error) {
          return command.error(`cannot read ${what} ${path}: ${(error as Error).message}`);
        }
      };
      const entries = parseLedgerJsonl(read(ledgerPath, 'ledger'));
      const publicKey = publicKeyFromText(read(flags.publicKey, 'public key'));
      const audit = auditLedger(entries, {
        publicKey,
        ...(flags.head ? { head: parseLedgerHead(read(flags.head, 'head')) } : {}),
        ...(flags.budgetEpsilon !== undefined ? { budgetEpsilon: Number(flags.budgetEpsilon) } : {}),
        ...(flags.delta !== undefined ? { delta: Number(flags.delta) } : {}),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(audit, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
      else process.stdout.write(report(ledgerPath, audit, entries[0]?.runId, Boolean(flags.head)));
      if (audit.verdict !== 'pass') {
        process.stderr.write(`cohort audit: FAIL\n${audit.reasons.map((r) => `  ${r}\n`).join('')}`);
        process.exitCode = 1;
      }
    });
}

function fmt(value: number | null): string {
  if (value === null) return '—';
  return Number.isFinite(value) ? value.toPrecision(6) : '∞';
}

function listFailures(title: string, failures: readonly LedgerFailure[]): string {
  if (failures.length === 0) return '';
  const shown = failures.slice(0, LISTED).map((f) => `  ${f.code}: ${f.reason}\n`).join('');
  const more = failures.length > LISTED ? `  … and ${failures.length - LISTED} more\n` : '';
  return `${title} (${failures.length}):\n${shown}${more}`;
}

function report(path: string, audit: LedgerAudit, runId: string | undefined, withHead: boolean): string {
  const lines: string[] = [`Ledger ${path}: ${audit.entries} entr${audit.entries === 1 ? 'y' : 'ies'}${runId === undefined ? '' : ` of run ${runId}`}`];
  lines.push(
    audit.ok
      ? `Verification: chain, hashes and signatures intact${withHead ? ', and the ledger ends at the signed head' : ' (no --head given: entries removed from the end cannot be detected)'}`
      : `Verification: ${audit.failures.length} failure${audit.failures.length === 1 ? '' : 's'}`,
  );
  lines.push('', `ε at δ = ${audit.delta}, recomputed from the recorded q and σ (claims not trusted):`);
  const flagged = new Map<number, string[]>();
  for (const f of [...audit.failures, ...audit.findings]) if (f.line !== null) flagged.set(f.line, [...(flagged.get(f.line) ?? []), f.code]);
  const header = ['seq', 'line', 'round', 'stream', 'q', 'σ', 'claimed', 'RDP ε', 'PLD ε', 'private', 'flags'];
  const rows = audit.rounds.map((r) => [
    String(r.seq), String(r.line), String(r.round), r.stream, String(r.sampleRate), String(r.noiseMultiplier),
    fmt(r.epsilonClaimed), fmt(r.epsilonRdp), fmt(r.epsilonPld), r.private ? 'yes' : 'NO', (flagged.get(r.line) ?? []).join(','),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  for (const row of [header, ...rows]) lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ')}`.trimEnd());
  if (audit.central) lines.push('', `Final central ε: RDP ${fmt(audit.central.epsilonRdp)} (order ${audit.central.rdpOrder}), PLD ${fmt(audit.central.epsilonPld)} over ${audit.central.releases} releases`);
  if (audit.perClient) lines.push(`${audit.central ? '' : '\n'}Final per-client ε (local DP): RDP ${fmt(audit.perClient.epsilonRdp)} (order ${audit.perClient.rdpOrder}), PLD ${fmt(audit.perClient.epsilonPld)} over ${audit.perClient.releases} releases`);
  if (audit.budgetEpsilon !== null) lines.push(`Budget ε ≤ ${audit.budgetEpsilon}: ${audit.findings.some((f) => f.code === 'BUDGET_EXCEEDED') ? 'EXCEEDED' : 'within'}`);
  const text = `${lines.join('\n')}\n\n${listFailures('Verification failures', audit.failures)}${listFailures('Findings', audit.findings)}`;
  return `${text}${text.endsWith('\n\n') ? '' : '\n'}Verdict: ${audit.verdict.toUpperCase()}\n`;
}
