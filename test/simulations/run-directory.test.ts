/**
 * What a run directory promises about the files of earlier runs: --force moves them aside and never
 * overwrites an earlier run's (its ledger records privacy already spent), and a lock left by a
 * crashed process is taken over — also when the new process got the crashed one's pid.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryLock, RunDirectory } from '@cohort/simulations';

function runIn(dir: string, ledger: string): void {
  writeFileSync(join(dir, 'ledger.jsonl'), ledger);
  writeFileSync(join(dir, 'run.json'), '{"run_id":"x"}\n');
}

describe('a run directory', () => {
  it('moves a previous run aside under a new name each time, never over an earlier one', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cohort-rundir-')), 'run');
    const moved: string[] = [];
    for (const ledger of ['first\n', 'second\n', 'third\n']) {
      const dir = RunDirectory.open(out, { previousRun: 'replace', command: 'test' });
      if (dir.replacedTo) moved.push(dir.replacedTo);
      runIn(out, ledger);
      dir.close();
    }
    // Two replacements within the same second: two folders, each keeping its own ledger.
    expect(new Set(moved).size).toBe(2);
    expect(moved.map((m) => readFileSync(join(m, 'ledger.jsonl'), 'utf8'))).toEqual(['first\n', 'second\n']);
    expect(readdirSync(dirname(out)).filter((name) => name.startsWith(`${basename(out)}.replaced-`))).toHaveLength(2);
  });

  it("takes over a lock whose holder is gone, even one that holds this process's own pid (a restarted container's PID 1)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-lock-'));
    writeFileSync(
      join(dir, 'cohort.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), command: 'cohort coordinator', since: '2026-01-01T00:00:00Z' }),
    );
    const lock = DirectoryLock.acquire(dir, 'test');
    expect(JSON.parse(readFileSync(join(dir, 'cohort.lock'), 'utf8'))).toMatchObject({ pid: process.pid, command: 'test' });
    lock.release();
    expect(existsSync(join(dir, 'cohort.lock'))).toBe(false);
  });

  it('refuses a second lock on a directory this process already holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-lock-'));
    const held = DirectoryLock.acquire(dir, 'first');
    expect(() => DirectoryLock.acquire(dir, 'second')).toThrow(new RegExp(`in use by process ${process.pid} \\(first`));
    held.release();
    DirectoryLock.acquire(dir, 'third').release();
  });

  it('refuses a lock held by another live process, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-lock-'));
    // This test's parent process is alive and is not this process.
    writeFileSync(
      join(dir, 'cohort.lock'),
      JSON.stringify({ pid: process.ppid, host: hostname(), command: 'cohort simulate', since: 'now' }),
    );
    expect(() => DirectoryLock.acquire(dir, 'test')).toThrow(new RegExp(`in use by process ${process.ppid} \\(cohort simulate`));
  });
});
