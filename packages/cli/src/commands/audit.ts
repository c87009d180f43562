import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import type { AuditOptions, LedgerAudit, LedgerFailure, LedgerHead } from '@cohort/privacy';
import { checkEmpirical, describeEmpirical } from '../empirical-check';
import { positive, resolveWithConfig } from '../options';
import { openUnit } from './accountant';

interface Flags {
  publicKey?: string;
  head?: string;
  expectKey?: string;
  runId?: string;
  model?: string;
  allowRunningHead?: boolean;
  requireEnrolled?: boolean;
  empirical?: string;
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
    .option(
      '--expect-key <fingerprint>',
      "fail unless the public key has this fingerprint (SHA256:…, learnt from the coordinator's operator, not from the files)",
    )
    .option('--run-id <id>', "fail unless the ledger is this run's (the head's run, or without --head the last entry's)")
    .option('--model <dir>', 'fail unless DIR/weights.bin is the model the signed head names (needs --head)')
    .option(
      '--empirical <file>',
      "a run's privacy-audit.json (default: the one beside the ledger, if any): its lower bound must not exceed the ledger's ε",
    )
    .option('--require-enrolled', 'fail unless every release records updates signed by enrolled device keys (coordinator run with --enrol)')
    .option('--allow-running-head', 'accept a head signed while its run was still running (otherwise reported as truncation)')
    .option('--budget-epsilon <e>', "fail if the combined ε of every run exceeds this budget (default: the signed head's budget)", positive)
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
      const head = flags.head ? parseLedgerHead(read(flags.head, 'head')) : undefined;
      const options: AuditOptions = {
        publicKey,
        ...(head ? { head } : {}),
        ...(flags.expectKey !== undefined ? { expectKeyFingerprint: String(flags.expectKey).trim() } : {}),
        ...(flags.runId !== undefined ? { runId: String(flags.runId) } : {}),
        ...(flags.model !== undefined ? { modelSha256: weightsSha256(command, flags.model) } : {}),
        ...(flags.allowRunningHead ? { allowRunningHead: true } : {}),
        ...(flags.requireEnrolled ? { requireEnrolledKeys: true } : {}),
        ...(flags.budgetEpsilon !== undefined ? { budgetEpsilon: Number(flags.budgetEpsilon) } : {}),
        ...(flags.delta !== undefined ? { delta: Number(flags.delta) } : {}),
      };
      const audit = auditLedger(entries, options);
      const empiricalPath = flags.empirical ?? besideLedger(ledgerPath);
      const empirical =
        empiricalPath && audit.total
          ? await checkEmpirical(empiricalPath, audit.delta, { rdp: audit.total.epsilonRdp, pld: audit.total.epsilonPld }).catch(
              (error: Error) => command.error(error.message),
            )
          : undefined;
      if (flags.json)
        process.stdout.write(
          `${JSON.stringify({ ...audit, empirical: empirical ?? null }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`,
        );
      else process.stdout.write(`${report(ledgerPath, audit, head)}${empirical ? `\n${describeEmpirical(empirical)}\n` : ''}`);
      const reasons = [...audit.reasons, ...(empirical?.reasons ?? [])];
      if (reasons.length > 0) {
        process.stderr.write(`cohort audit: FAIL\n${reasons.map((r) => `  ${r}\n`).join('')}`);
        process.exitCode = 1;
      }
    });
}

/** privacy-audit.json beside the ledger, when a simulation with canaries wrote one. */
function besideLedger(ledgerPath: string): string | undefined {
  const path = join(dirname(ledgerPath), 'privacy-audit.json');
  return existsSync(path) ? path : undefined;
}

/** sha256 hex of DIR/weights.bin; a missing or unreadable file ends the command with an error. */
function weightsSha256(command: Command, dir: string): string {
  const path = join(dir, 'weights.bin');
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (error) {
    return command.error(`--model ${dir}: cannot read the model's weights ${path}: ${(error as Error).message}`);
  }
}

function fmt(value: number | null): string {
  if (value === null) return '—';
  return Number.isFinite(value) ? value.toPrecision(6) : '∞';
}

function listFailures(title: string, failures: readonly LedgerFailure[]): string {
  if (failures.length === 0) return '';
  const shown = failures
    .slice(0, LISTED)
    .map((f) => `  ${f.code}: ${f.reason}\n`)
    .join('');
  const more = failures.length > LISTED ? `  … and ${failures.length - LISTED} more\n` : '';
  return `${title} (${failures.length}):\n${shown}${more}`;
}

function headLine(head: LedgerHead | undefined): string {
  if (!head) return 'Signed head: none given (entries removed from the end cannot be detected)';
  const budget = head.budgetEpsilon === null ? 'no budget' : `budget ε ${head.budgetEpsilon}`;
  return `Signed head: run ${head.runId}, ${head.status} at ${head.time}, last seq ${head.lastSeq}, model sha256 ${head.modelSha256}, ${budget}`;
}

function report(path: string, audit: LedgerAudit, head: LedgerHead | undefined): string {
  const runs = audit.runs.length === 0 ? '' : ` of run${audit.runs.length === 1 ? '' : 's'} ${audit.runs.join(', ')}`;
  const lines: string[] = [
    `Public key fingerprint: ${audit.keyFingerprint}`,
    `Ledger ${path}: ${audit.entries} entr${audit.entries === 1 ? 'y' : 'ies'}${runs}`,
    headLine(head),
    audit.ok
      ? `Verification: chain, hashes and signatures intact${head ? ', and the ledger ends at the signed head' : ''}`
      : `Verification: ${audit.failures.length} failure${audit.failures.length === 1 ? '' : 's'}`,
  ];
  lines.push('', `ε at δ = ${audit.delta}, recomputed from the recorded q and σ over every release of every run (claims not trusted):`);
  const flagged = new Map<number, string[]>();
  for (const f of [...audit.failures, ...audit.findings])
    if (f.line !== null) flagged.set(f.line, [...(flagged.get(f.line) ?? []), f.code]);
  const header = ['seq', 'line', 'run', 'round', 'attempt', 'stream', 'q', 'σ', 'claimed', 'RDP ε', 'PLD ε', 'private', 'flags'];
  const rows = audit.rounds.map((r) => [
    String(r.seq),
    String(r.line),
    r.runId,
    String(r.round),
    String(r.attempt),
    r.stream,
    String(r.sampleRate),
    String(r.noiseMultiplier),
    fmt(r.epsilonClaimed),
    fmt(r.epsilonRdp),
    fmt(r.epsilonPld),
    r.private ? 'yes' : 'NO',
    (flagged.get(r.line) ?? []).join(','),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  for (const row of [header, ...rows]) lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ')}`.trimEnd());
  lines.push('');
  if (audit.total)
    lines.push(
      `Combined ε (every release of ${audit.runs.length} run${audit.runs.length === 1 ? '' : 's'}): RDP ${fmt(audit.total.epsilonRdp)} (order ${audit.total.rdpOrder}), PLD ${fmt(audit.total.epsilonPld)} over ${audit.total.releases} releases`,
    );
  if (audit.central)
    lines.push(
      `  of which central: RDP ${fmt(audit.central.epsilonRdp)}, PLD ${fmt(audit.central.epsilonPld)} over ${audit.central.releases} releases`,
    );
  if (audit.perClient)
    lines.push(
      `  of which per-client (local DP): RDP ${fmt(audit.perClient.epsilonRdp)}, PLD ${fmt(audit.perClient.epsilonPld)} over ${audit.perClient.releases} releases`,
    );
  const { enrolledKeys, open, unrecorded } = audit.updateAuthentication;
  lines.push(
    `Updates authenticated: by enrolled device keys in ${enrolledKeys} release${enrolledKeys === 1 ? '' : 's'}, open enrolment in ${open}, not recorded in ${unrecorded}`,
  );
  if (audit.budgetEpsilon !== null)
    lines.push(
      `Budget ε ≤ ${audit.budgetEpsilon} (combined, by RDP): ${audit.findings.some((f) => f.code === 'BUDGET_EXCEEDED') ? 'EXCEEDED' : 'within'}`,
    );
  const text = `${lines.join('\n')}\n\n${listFailures('Verification failures', audit.failures)}${listFailures('Findings', audit.findings)}`;
  return `${text}${text.endsWith('\n\n') ? '' : '\n'}Verdict: ${audit.verdict.toUpperCase()}\n`;
}
