/** Field schemas shared by the message schemas (schemas.ts, secagg.ts). */
import { z } from 'zod';

export const clientId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'client ids use letters, digits and . _ : -');

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64 text of at most `maxBytes` bytes. */
export const base64 = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4)
    .regex(BASE64, 'expected base64');

/** base64 text of exactly `bytes` bytes. */
export const base64Bytes = (bytes: number, what: string) =>
  base64(bytes).refine((text) => Buffer.from(text, 'base64').length === bytes, `expected ${what}: ${bytes} bytes in base64`);

/** An ed25519 or X25519 public key. */
export const publicKey = base64Bytes(32, 'a public key');
/** A detached ed25519 signature. */
export const signature = base64Bytes(64, 'an ed25519 signature');

/** Binary (a socket.io attachment) of at most `maxBytes` bytes. */
export const binary = (maxBytes: number) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.byteLength <= maxBytes, `expected at most ${maxBytes} bytes of binary`);
