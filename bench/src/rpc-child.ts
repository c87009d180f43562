/**
 * Entry of an RpcProcess: `rpc-child.ts MODULE_URL`. Serves { id, method, arg } requests by calling
 * the module's exports in turn. It ends by itself when the parent disconnects, normally or because
 * the parent died: the module's optional `shutdown` export is then called to release what it holds.
 */
import type { RpcRequest, RpcResponse } from './lib/rpc';

const moduleUrl = process.argv[2]!;
const module = (await import(moduleUrl)) as Record<string, unknown>;
let queue = Promise.resolve();

process.on('message', (request: RpcRequest) => {
  queue = queue.then(async () => {
    let response: RpcResponse;
    try {
      const fn = module[request.method];
      if (typeof fn !== 'function') throw new Error(`${moduleUrl} has no export ${request.method}`);
      response = { id: request.id, ok: true, result: await (fn as (arg: unknown) => unknown)(request.arg) };
    } catch (error) {
      response = { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    if (process.connected) process.send!(response);
  });
});
process.on('disconnect', () => {
  const shutdown = module.shutdown;
  if (typeof shutdown === 'function') queue = queue.then(() => shutdown()).catch(() => undefined);
  setTimeout(() => {
    process.stderr.write(`[bench] helper ${moduleUrl} left resources open: ${process.getActiveResourcesInfo().join(', ')}\n`);
  }, 3_000).unref();
});
