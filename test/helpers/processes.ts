/** Runs the `cohort` command as real child processes, reading their pino JSON logs line by line. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const execFileAsync = promisify(execFile);

export const COHORT_BIN = fileURLToPath(new URL('../../packages/cli/bin/cohort.js', import.meta.url));

export interface CohortProcess {
  child: ChildProcess;
  /** Every line written to stderr so far. */
  lines: string[];
  stdout: () => string;
  /** Resolves with the first stderr line whose parsed `msg` matches. */
  waitForLog: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  exited: Promise<number | null>;
}

export function runCohort(args: string[], options: { cwd?: string } = {}): CohortProcess {
  const child = spawn(process.execPath, [COHORT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  let out = '';
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    const msg = messageOf(line);
    for (const w of [...watchers]) {
      if (w.pattern.test(msg)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stdout: () => out,
    exited,
    waitForLog: (pattern, timeoutMs = 60_000) => {
      const seen = lines.find((l) => pattern.test(messageOf(l)));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-10).join('\n')}`)),
          timeoutMs,
        );
        watchers.push({
          pattern,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

function messageOf(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
  } catch {
    return line;
  }
}

/**
 * The URL and port a `cohort coordinator` reports on stderr once it listens (`listening on URL`):
 * start it with `--port 0` and the system picks a free port, with no window for another process to
 * take it first.
 */
export async function listeningOn(coordinator: CohortProcess, timeoutMs?: number): Promise<{ url: string; port: number }> {
  const line = await coordinator.waitForLog(/^listening on https?:\/\/\S+$/, timeoutMs);
  const url = line.slice('listening on '.length);
  return { url, port: Number(new URL(url).port) };
}

/** Runs `cohort ARGS` to completion and returns its output and exit code (never throws on exit ≠ 0). */
export async function cohort(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [COHORT_BIN, ...args], { timeout: 120_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}
