/**
 * The pooled join against ws's own Receiver: the same frames, cut into socket reads at random, must
 * give the same messages, byte for byte, whether a payload lands in pooled memory or ws's own.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handBack, lentMemoryOf } from '../../packages/coordinator/src/lent-memory';
import { FramePool, POOLED_MESSAGE_BYTES } from '../../packages/coordinator/src/transport/frame-pool';
import { canReceiveIntoPool, receiveIntoPool } from '../../packages/coordinator/src/transport/pooled-ws-engine';

interface WsReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
const ws = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: object) => WsReceiver;
  Sender: { frame(data: Buffer, options: object): Buffer[] };
};

/** A client's masked binary frame of `payload` (ws's own framing, the payload left as it is). */
const frameOf = (payload: Buffer) =>
  Buffer.concat(ws.Sender.frame(payload, { fin: true, rsv1: false, opcode: 2, mask: true, readOnly: true }));

function payloadOf(bytes: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 131 + seed * 7919) & 0xff;
  return out;
}

/** Feeds `stream` to a server-side receiver in reads of the given sizes (cycled); returns the messages as they came. */
function receive(stream: Buffer, reads: number[], pool?: FramePool): Buffer[] {
  const receiver = new ws.Receiver({ isServer: true, binaryType: 'nodebuffer' });
  if (pool) {
    expect(canReceiveIntoPool(receiver)).toBe(true);
    receiveIntoPool(receiver as never, pool);
  }
  const messages: Buffer[] = [];
  receiver.on('error', (error) => {
    throw error;
  });
  receiver.on('message', (data) => messages.push(data));
  for (let at = 0, i = 0; at < stream.length; i++) {
    const n = reads[i % reads.length]!;
    // A socket read is memory of its own.
    receiver.write(Buffer.from(stream.subarray(at, at + n)));
    at += n;
  }
  return messages;
}

/** Whether a message is in lent memory (which is its own, from byte 0). */
const isLent = (m: Buffer) => m.byteOffset === 0 && lentMemoryOf([new Float32Array(m.buffer, 0, m.byteLength >> 2)]) !== undefined;

const SIZES = [100, POOLED_MESSAGE_BYTES - 1, POOLED_MESSAGE_BYTES, POOLED_MESSAGE_BYTES + 1, 300_001, 70_000, 1 << 20];
const PAYLOADS = new Map(SIZES.map((n, i) => [n, payloadOf(n, i)]));

describe('receiving into pooled memory', () => {
  it("gives ws's messages byte for byte, however the frames are cut into reads, each large one spanning reads in lent memory", () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(SIZES, { minLength: 2 }),
        fc.array(fc.integer({ min: 7, max: 96 * 1024 }), { minLength: 1, maxLength: 6 }),
        (chosen, reads) => {
          const payloads = chosen.map((n) => PAYLOADS.get(n)!);
          const stream = Buffer.concat(payloads.map(frameOf));
          const pool = new FramePool();
          const stock = receive(stream, reads);
          const pooled = receive(stream, reads, pool);
          expect(pooled.length).toBe(payloads.length);
          pooled.forEach((message, i) => {
            expect(message.equals(payloads[i]!)).toBe(true);
            expect(message.equals(stock[i]!)).toBe(true);
          });
          const lent = pooled.filter(isLent);
          expect(lent.length).toBe(pool.allocated + pool.reused);
          // Every payload of the pooled size or more spans reads here (each read is at most 96 KiB).
          expect(lent.length).toBe(chosen.filter((n) => n >= POOLED_MESSAGE_BYTES).length);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('receives into memory handed back, overwriting every byte of the message before', () => {
    const pool = new FramePool();
    const first = receive(frameOf(payloadOf(1 << 20, 1)), [65_536], pool)[0]!;
    handBack(first.buffer as ArrayBuffer);
    const second = receive(frameOf(payloadOf(1 << 20, 2)), [65_536], pool)[0]!;
    expect(second.buffer).toBe(first.buffer);
    expect(second.equals(payloadOf(1 << 20, 2))).toBe(true);
  });

  it('leaves a receiver alone under another ws version, or of another shape', () => {
    const receiver = new ws.Receiver({ isServer: true });
    expect(canReceiveIntoPool(receiver)).toBe(true);
    expect(canReceiveIntoPool(receiver, '8.24.0')).toBe(false);
    expect(canReceiveIntoPool({ consume: () => Buffer.alloc(0), _buffers: [] })).toBe(false);
    expect(canReceiveIntoPool(undefined)).toBe(false);
  });
});
