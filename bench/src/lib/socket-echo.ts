/**
 * The transport floor of a round: a bare socket.io server broadcasts a payload to N socket.io-client
 * connections (WebSocket transport, as Cohort clients use) and waits until each has sent back a
 * fresh buffer of the same size. No validation, no codec, no aggregation, no database. The clients
 * may run in the server's process (startEchoRig) or in another one (connectEchoClients there).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';

export interface EchoServer {
  url: string;
  /** One broadcast-and-collect exchange with every connected client; resolves when all have echoed. */
  exchange(payload: Uint8Array): Promise<void>;
  /** Resolves once `count` clients are connected. */
  connected(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A server and its clients in this one process. */
export type EchoRig = Pick<EchoServer, 'exchange' | 'close'>;

export async function startEchoServer(maxBytes: number): Promise<EchoServer> {
  const http = createServer();
  const server = new Server(http, { maxHttpBufferSize: 2 * maxBytes + 64 * 1024, serveClient: false });
  let pending = 0;
  let done: (() => void) | undefined;
  let onConnection: (() => void) | undefined;
  server.on('connection', (socket) => {
    socket.on('echo', (buffer: Buffer) => {
      if (buffer.byteLength > 0 && --pending === 0) done?.();
    });
    onConnection?.();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    exchange(payload) {
      pending = server.of('/').sockets.size;
      const finished = new Promise<void>((resolve) => (done = resolve));
      server.emit('payload', payload);
      return finished;
    },
    connected(count) {
      return new Promise<void>((resolve) => {
        const check = () => {
          if (server.of('/').sockets.size < count) return;
          onConnection = undefined;
          resolve();
        };
        onConnection = check;
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Opens `count` echoing clients to `url`; resolves when all are connected, with a function that closes them. */
export async function connectEchoClients(url: string, count: number): Promise<() => void> {
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from({ length: count }, () => {
      const socket = connect(url, { transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      socket.on('payload', (buffer: Buffer) => socket.emit('echo', new Uint8Array(buffer.byteLength)));
      return new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    }),
  );
  return () => {
    for (const socket of sockets) socket.disconnect();
  };
}

export async function startEchoRig(clients: number, maxBytes: number): Promise<EchoRig> {
  const server = await startEchoServer(maxBytes);
  const disconnect = await connectEchoClients(server.url, clients);
  return {
    exchange: (payload) => server.exchange(payload),
    async close() {
      disconnect();
      await server.close();
    },
  };
}
