/**
 * A TCP proxy on loopback that forwards to a target and keeps every byte it saw, both ways. Bytes a
 * client sends over a WebSocket are XOR-masked on the wire (RFC 6455 §5.3), so the client-to-server
 * stream is decoded frame by frame and its payloads recorded unmasked: a scan for plaintext would
 * otherwise pass without seeing anything. A compression extension would hide plaintext too, so a
 * negotiated one is refused.
 */
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
      const upstream = new ClientStreamDecoder((bytes) => this.chunks.push(bytes));
      inbound.on('data', (chunk: Buffer) => {
        upstream.push(chunk);
        outbound.write(chunk);
      });
      outbound.on('data', (chunk: Buffer) => {
        if (/sec-websocket-extensions/i.test(chunk.toString('latin1')))
          throw new Error('a WebSocket extension (compression) was negotiated: traffic would be unreadable');
        this.chunks.push(Buffer.from(chunk));
        inbound.write(chunk);
      });
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Everything captured so far (client payloads unmasked), as one buffer. */
  captured(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

/** Records the HTTP upgrade request as is, then each WebSocket frame's payload unmasked. */
class ClientStreamDecoder {
  private buffer = Buffer.alloc(0);
  private upgraded = false;

  constructor(private readonly record: (bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.record(this.buffer.subarray(0, end + 4));
      this.buffer = this.buffer.subarray(end + 4);
      this.upgraded = true;
    }
    for (let frame = this.nextFrame(); frame; frame = this.nextFrame()) this.record(frame);
  }

  private nextFrame(): Buffer | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const keyLength = masked ? 4 : 0;
    if (b.length < offset + keyLength + length) return undefined;
    const key = b.subarray(offset, offset + keyLength);
    const payload = Buffer.from(b.subarray(offset + keyLength, offset + keyLength + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
    this.buffer = b.subarray(offset + keyLength + length);
    return payload;
  }
}
