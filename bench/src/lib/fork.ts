/**
 * Runs one exported function in a fresh Node process (TypeScript through tsx, `--expose-gc`), so
 * that each measurement starts from a clean heap, a clean tfjs backend and a clean RSS. The child
 * must exit by itself once it has answered: one that does not has left a server, socket, timer or
 * worker open, which is reported rather than hidden.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD_ENTRY = fileURLToPath(new URL('../child.ts', import.meta.url));

export interface ChildOptions {
  /** Kill the child if it has not answered by then, in milliseconds. */
  timeoutMs: number;
  /** How long the child may take to exit after answering, in milliseconds. @default 10000 */
  exitGraceMs?: number;
}

export interface ChildOutcome<T> {
  result?: T;
  error?: string;
  /** False when the child had to be killed after answering (open handles) or on timeout. */
  exitedByItself: boolean;
  timedOut: boolean;
}

export type ChildReply<T> = { ok: true; result: T } | { ok: false; error: string };

/** Node flags of every benchmark process. */
export const CHILD_EXEC_ARGV = ['--import', 'tsx', '--expose-gc'];

/**
 * Calls `exportName(arg)` from the module at `moduleUrl` in a child process and resolves with what
 * it returned. The child's stdout goes to this process's stderr, keeping stdout for the results.
 */
export function runInChild<T>(moduleUrl: URL, exportName: string, arg: unknown, options: ChildOptions): Promise<ChildOutcome<T>> {
  const child = fork(CHILD_ENTRY, [moduleUrl.href, exportName, JSON.stringify(arg ?? null)], {
    execArgv: CHILD_EXEC_ARGV,
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  return new Promise((resolve) => {
    let reply: ChildReply<T> | undefined;
    let timedOut = false;
    let killedAfterReply = false;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    let grace: NodeJS.Timeout | undefined;
    child.on('message', (message: ChildReply<T>) => {
      reply = message;
      clearTimeout(deadline);
      grace = setTimeout(() => {
        killedAfterReply = true;
        kill();
      }, options.exitGraceMs ?? 10_000);
    });
    child.on('error', (error) => {
      reply ??= { ok: false, error: `could not start the benchmark process: ${error.message}` };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (grace) clearTimeout(grace);
      const exitedByItself = !timedOut && !killedAfterReply;
      if (reply?.ok) {
        resolve({ result: reply.result, exitedByItself, timedOut });
      } else {
        const why =
          reply?.error ??
          (timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${signal ?? `code ${code}`} before answering`);
        resolve({ error: why, exitedByItself, timedOut });
      }
    });
  });
}
