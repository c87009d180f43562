/**
 * Entry of a benchmark process: `child.ts MODULE_URL EXPORT JSON_ARG`. Calls the export, sends its
 * result to the parent over IPC, then lets the process end by itself. If something is still open a
 * few seconds later, it names the open resources on stderr (the parent then kills it).
 */
import type { ChildReply } from './lib/fork';

const [moduleUrl, exportName, rawArg] = process.argv.slice(2);
let answered = false;

// If the parent dies first, do not linger as an orphan.
process.on('disconnect', () => {
  if (!answered) process.exit(1);
});

async function main(): Promise<ChildReply<unknown>> {
  try {
    const module = (await import(moduleUrl!)) as Record<string, unknown>;
    const fn = module[exportName!];
    if (typeof fn !== 'function') return { ok: false, error: `${moduleUrl} has no export ${exportName}` };
    return { ok: true, result: await (fn as (arg: unknown) => Promise<unknown>)(JSON.parse(rawArg ?? 'null')) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

const reply = await main();
answered = true;
process.send!(reply, () => {
  process.disconnect();
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stderr.write(`[bench] ${exportName} in ${moduleUrl} left resources open: ${open.join(', ')}\n`);
  }, 3_000).unref();
});
