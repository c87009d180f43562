/**
 * engine.io's WebSocket server (its `wsEngine` option): ws's own, receiving each message of
 * POOLED_MESSAGE_BYTES or more into memory from a FramePool instead of memory allocated for it alone.
 *
 * ws offers no hook for this. Its WebSocketServer takes the WebSocket class to use (a subclass of
 * its own, documented), and each connection's frame parser (ws's Receiver) joins a payload's socket
 * reads in its `consume(n)`; the one change is where the joined bytes go. `consume`, `_buffers`,
 * `_bufferedBytes` and `_receiver` are ws internals, read as ws 8.23.0 has them (the version
 * @cohort/coordinator pins): under any other ws version, or a receiver of another shape, messages
 * are received as ws does it and `onUnsupported` is called once (the transport logs a warning). The
 * tests (test/coordinator/pooled-receiver.test.ts, test/e2e/pooled-frames.test.ts) fail then, so an
 * upgrade cannot drop the pool silently, and the override is re-read against the new ws before the
 * version here moves.
 */
import { createRequire } from 'node:module';
import WebSocket, { WebSocketServer, type ServerOptions } from 'ws';
import { type FramePool, POOLED_MESSAGE_BYTES } from './frame-pool';

/** The parts of ws's Receiver that `consume` uses: the socket reads not yet parsed, and their length. */
interface ReceiverInternals {
  _buffers: Buffer[];
  _bufferedBytes: number;
  consume(n: number): Buffer;
}

/** The ws whose Receiver.consume the override below was written against. */
const WS_VERSION = '8.23.0';
const installedWs: string = createRequire(import.meta.url)('ws/package.json').version;

/** Whether `receiver` is ws 8.23.0's Receiver, whose `consume` receiveIntoPool can take over. */
export function canReceiveIntoPool(receiver: unknown, wsVersion = installedWs): receiver is ReceiverInternals {
  const r = receiver as Partial<ReceiverInternals> | undefined;
  return wsVersion === WS_VERSION && typeof r?.consume === 'function' && Array.isArray(r._buffers) && typeof r._bufferedBytes === 'number';
}

/** Makes `receiver` join each payload of POOLED_MESSAGE_BYTES or more into memory from `pool`. */
export function receiveIntoPool(receiver: ReceiverInternals, pool: FramePool): void {
  const joinAlone = receiver.consume;
  receiver.consume = function (this: ReceiverInternals, n: number): Buffer {
    // A payload within one socket read is a view of it (no copy, no memory of its own): ws's way.
    if (n < POOLED_MESSAGE_BYTES || n <= this._buffers[0]!.length) return joinAlone.call(this, n);
    const joined = pool.take(n);
    this._bufferedBytes -= n;
    for (let at = 0; at < n; ) {
      const read = this._buffers[0]!;
      const wanted = n - at;
      if (read.length <= wanted) {
        joined.set(read, at);
        this._buffers.shift();
        at += read.length;
      } else {
        joined.set(read.subarray(0, wanted), at);
        this._buffers[0] = read.subarray(wanted);
        at = n;
      }
    }
    return joined;
  };
}

/** A ws WebSocketServer class whose connections receive large messages into `pool`. */
export function pooledWsEngine(pool: FramePool, onUnsupported: () => void): new (options: ServerOptions) => WebSocketServer {
  let warned = false;
  class PooledWebSocket extends WebSocket {
    setSocket(...args: unknown[]): void {
      Reflect.apply((WebSocket.prototype as unknown as { setSocket: (...a: unknown[]) => void }).setSocket, this, args);
      const receiver = (this as unknown as { _receiver?: unknown })._receiver;
      if (canReceiveIntoPool(receiver)) receiveIntoPool(receiver, pool);
      else if (!warned) {
        warned = true;
        onUnsupported();
      }
    }
  }
  return class PooledWebSocketServer extends WebSocketServer {
    constructor(options: ServerOptions) {
      super({ ...options, WebSocket: PooledWebSocket });
    }
  };
}
