/** A TCP proxy on loopback that forwards to a target and keeps every byte it saw, both ways. */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class RecordingProxy {
  readonly chunks: Buffer[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly targetPort: number) {}

  /** Listens on `port` (0: any free one) and resolves with the port. */
  async listen(port = 0): Promise<number> {
    this.server = createServer((inbound) => {
      const outbound = connect(this.targetPort, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      inbound.on('data', (chunk: Buffer) => {
        this.chunks.push(Buffer.from(chunk));
        outbound.write(chunk);
      });
      outbound.on('data', (chunk: Buffer) => {
        this.chunks.push(Buffer.from(chunk));
        inbound.write(chunk);
      });
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Everything captured so far, as one buffer. */
  captured(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
