import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CsvRows } from '@cohort/client/data';
import type { MaskingReport } from '@cohort/privacy';
import { integer, resolveWithConfig } from '../options';

interface Flags {
  policy?: string;
  in?: string;
  out?: string;
  report?: string;
  keyFile: string;
  k?: number;
  json?: boolean;
}

/** Default location of the device masking key, shared with `cohort client` (its DATA_DIR/mask.key). */
export const DEFAULT_MASK_KEY_FILE = '.cohort-client/mask.key';

/** The report as text: counts only, like the report itself. */
function summary(report: MaskingReport, columnsOut: number, out: string): string {
  const lines = [`masked ${report.rowsIn} row${report.rowsIn === 1 ? '' : 's'} into ${out}: ${report.rowsOut} rows, ${columnsOut} columns`];
  for (const [column, c] of Object.entries(report.columns)) {
    const found = Object.entries(c.entities)
      .map(([type, n]) => `${type} ${n}`)
      .join(', ');
    const extra = [
      c.byDefault ? 'default' : '',
      c.unparseable > 0 ? `${c.unparseable} unreadable → *` : '',
      found ? `replaced ${found}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`  ${column}: ${c.operator} (${c.cells} cells${c.empty > 0 ? `, ${c.empty} empty` : ''}${extra ? `; ${extra}` : ''})`);
  }
  const k = report.kAnonymity;
  if (k !== null) {
    lines.push(
      `k-anonymity over ${k.quasiIdentifiers.join(', ')}: k = ${k.k}, smallest class ${k.smallestClassBefore ?? '—'} → ${k.rowsSuppressed} row${k.rowsSuppressed === 1 ? '' : 's'} suppressed, k achieved ${k.kAchieved ?? '— (no rows left)'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function maskCommand(): Command {
  return new Command('mask')
    .description('mask personal data in a CSV on this device: per-column operators from a policy, free-text PII detection, k-anonymity')
    .option('--policy <file>', 'masking policy (JSON): column operators, default for unlisted columns, quasi-identifiers and k')
    .option('--in <file>', 'CSV to mask (a header row, then records)')
    .option('--out <file>', 'where to write the masked CSV')
    .option('--report <file>', 'also write the masking report (JSON: counts only, never values)')
    .option(
      '--key-file <file>',
      'device-local masking key for pseudonyms (32 bytes, created with mode 0600 on first use)',
      DEFAULT_MASK_KEY_FILE,
    )
    .option('--k <k>', "minimum equivalence-class size over the policy's quasi-identifiers (overrides the policy's k)", integer(1))
    .option('--json', 'print the masking report as JSON on stdout')
    .option('--config <file>', 'JSON file whose keys mirror these flags')
    .action(async (_opts, command: Command) => {
      const flags = resolveWithConfig<Flags>(command);
      for (const [flag, value] of [
        ['--policy <file>', flags.policy],
        ['--in <file>', flags.in],
        ['--out <file>', flags.out],
      ] as const) {
        if (!value) command.error(`error: required option '${flag}' not specified (flag or config key)`);
      }
      const k = flags.k === undefined ? undefined : integer(1)(String(flags.k));
      const [{ maskRecords, parseMaskingPolicy, readOrCreateMaskingKey }, { readCsv, toCsv }] = await Promise.all([
        import('@cohort/privacy'),
        import('@cohort/client/data'),
      ]);
      const read = (path: string, what: string): string => {
        try {
          return readFileSync(path, 'utf8');
        } catch (error) {
          return command.error(`cannot read ${what} ${path}: ${(error as Error).message}`);
        }
      };
      const policy = parseMaskingPolicy(read(flags.policy as string, 'policy'));
      let table: CsvRows;
      try {
        table = readCsv(read(flags.in as string, 'CSV'), flags.in as string);
      } catch (error) {
        return command.error(`cannot read CSV: ${(error as Error).message}`);
      }
      const { header, rows } = table;
      const records = rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));

      const secretKey = readOrCreateMaskingKey(flags.keyFile);
      const mask = () => {
        try {
          return maskRecords(records, policy, { secretKey, columns: header, ...(k !== undefined ? { k } : {}) });
        } finally {
          secretKey.fill(0);
        }
      };
      const { columns, records: masked, report } = mask();
      writeFileSync(flags.out as string, toCsv(columns, masked));
      const reportJson = `${JSON.stringify(report, null, 2)}\n`;
      if (flags.report) writeFileSync(flags.report, reportJson);
      process.stdout.write(flags.json ? reportJson : summary(report, columns.length, flags.out as string));
    });
}
