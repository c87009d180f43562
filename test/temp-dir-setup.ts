/**
 * Every test run gets a temporary directory of its own (TMPDIR, which os.tmpdir() and the `cohort`
 * processes the tests spawn read), removed when the run ends: what a test leaves behind in it does
 * not pile up on the machine across runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
