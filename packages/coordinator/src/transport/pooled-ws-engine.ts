/**
 * engine.io's WebSocket server (its `wsEngine` option): ws's own, receiving each message of
 * POOLED_MESSAGE_BYTES or more into memory from a FramePool instead of memory allocated for it alone.
 *
 * ws offers no hook for this. Its WebSocketServer takes the WebSocket class to use (a subclass of
 * its own, documented), and each connection's frame parser (ws's Receiver) joins a payload's socket
 * reads in its `consume(n)`; the one change is where the joined bytes go. `consume`, `_buffers`,
 * `_bufferedBytes` and `_receiver` are ws internals (8.23), so the shape is checked on each
 * connection: if a ws release changes it, messages are received as ws does it, and `onUnsupported`
 * is called once (the transport logs it) — nothing breaks, the pool just stays empty. A test
 * (test/e2e/pooled-frames.test.ts) fails then, so an upgrade cannot drop the pool silently.
 */
import WebSocket, { WebSocketServer, type ServerOptions } from 'ws';
import { type FramePool, POOLED_MESSAGE_BYTES } from './frame-pool';

/** The parts of ws's Receiver that `consume` uses: the socket reads not yet parsed, and their length. */
interface ReceiverInternals {
  _buffers: Buffer[];
  _bufferedBytes: number;
  consume(n: number): Buffer;
}

function isReceiver(receiver: unknown): receiver is ReceiverInternals {
  const r = receiver as Partial<ReceiverInternals> | undefined;
  return typeof r?.consume === 'function' && Array.isArray(r._buffers) && typeof r._bufferedBytes === 'number';
}

/** Makes `receiver` join each payload of POOLED_MESSAGE_BYTES or more into memory from `pool`. */
function receiveIntoPool(receiver: ReceiverInternals, pool: FramePool): void {
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
      if (isReceiver(receiver)) receiveIntoPool(receiver, pool);
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
