/**
 * The transport floor of a round: a bare socket.io server broadcasts a payload to N socket.io-client
 * connections (WebSocket transport, as Cohort clients use) and waits until each has sent back a
 * fresh buffer of the same size. No validation, no codec, no aggregation, no database.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';

export interface EchoRig {
  /** One broadcast-and-collect exchange; resolves when all clients have echoed. */
  exchange(payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function startEchoRig(clients: number, maxBytes: number): Promise<EchoRig> {
  const http = createServer();
  const server = new Server(http, { maxHttpBufferSize: 2 * maxBytes + 64 * 1024, serveClient: false });
  let pending = 0;
  let done: (() => void) | undefined;
  server.on('connection', (socket) => {
    socket.on('echo', (buffer: Buffer) => {
      if (buffer.byteLength > 0 && --pending === 0) done?.();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from({ length: clients }, () => {
      const socket = connect(url, { transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      socket.on('payload', (buffer: Buffer) => socket.emit('echo', new Uint8Array(buffer.byteLength)));
      return new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    }),
  );
  return {
    exchange(payload) {
      pending = clients;
      const finished = new Promise<void>((resolve) => (done = resolve));
      server.emit('payload', payload);
      return finished;
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
