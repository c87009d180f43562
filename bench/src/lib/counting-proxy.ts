/**
 * A TCP relay on 127.0.0.1 that counts the bytes crossing it in each direction: what a client
 * really puts on the wire, framing included (HTTP upgrade, WebSocket and socket.io headers, acks).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class CountingProxy {
  /** Bytes from clients to the target. */
  up = 0;
  /** Bytes from the target to clients. */
  down = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {
    this.server = createServer((client) => this.relay(client));
  }

  /** Listens on a free loopback port and returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const target = connect(this.targetPort, this.targetHost);
    this.track(client);
    this.track(target);
    this.pipe(client, target, (n) => (this.up += n));
    this.pipe(target, client, (n) => (this.down += n));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  /** Forwards with backpressure, counting every chunk; a close on one side closes the other. */
  private pipe(from: Socket, to: Socket, count: (bytes: number) => void): void {
    from.on('data', (chunk: Buffer) => {
      count(chunk.length);
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
    from.on('end', () => to.end());
    from.on('close', () => to.destroy());
  }
}
