/**
 * The messages of secure aggregation's stages (Bonawitz et al. 2017; SecAgg+ of Bell et al. 2020):
 * the coordinator sends `secagg:request` to each client of the round and the client answers in the
 * acknowledgement. Keys and signatures travel as base64, ciphertexts and the masked vector as binary.
 */
import { z } from 'zod';
import { PROTOCOL_VERSION } from './version';

const MAX_PEERS = 255;
const clientId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64 = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4)
    .regex(BASE64, 'expected base64');
const key = base64(32).refine((text) => Buffer.from(text, 'base64').length === 32, 'expected a 32-byte key');
const binary = (maxBytes: number) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.byteLength <= maxBytes, `expected at most ${maxBytes} bytes of binary`);

export const secAggAdvertisementSchema = z.strictObject({
  clientId,
  encryptionKey: key,
  maskingKey: key,
  /** ed25519 over advertisementBytes; '' from a client without a device identity. */
  signature: z.union([z.literal(''), base64(64)]),
  /** The advertiser's device signing key as the coordinator knows it (forwarded to its neighbours). */
  signingKey: key.optional(),
});

export const encryptedShareSchema = z.strictObject({ from: clientId, to: clientId, ciphertext: binary(4096) });

const head = { protocolVersion: z.literal(PROTOCOL_VERSION), runId: z.string().min(1).max(128), round: z.number().int().min(1) };

export const secAggRequestSchema = z.discriminatedUnion('stage', [
  z.strictObject({ ...head, stage: z.literal('advertise') }),
  z.strictObject({ ...head, stage: z.literal('share-keys'), neighbours: z.array(secAggAdvertisementSchema).max(MAX_PEERS) }),
  z.strictObject({
    ...head,
    stage: z.literal('masked-input'),
    shares: z.array(encryptedShareSchema).max(MAX_PEERS),
    survivors: z.array(clientId).max(MAX_PEERS),
  }),
  z.strictObject({
    ...head,
    stage: z.literal('unmask'),
    dropped: z.array(clientId).max(MAX_PEERS),
    survived: z.array(clientId).max(MAX_PEERS),
  }),
]);

/** A client's answer to each stage, or its refusal. */
export const secAggResponseSchemas = {
  advertise: secAggAdvertisementSchema.omit({ clientId: true, signingKey: true }),
  'share-keys': z.strictObject({ shares: z.array(encryptedShareSchema).max(MAX_PEERS) }),
  /** The masked input: little-endian uint32 words. */
  'masked-input': z.strictObject({ masked: binary(4 * 2 ** 26) }),
  unmask: z.strictObject({
    selfMaskShares: z.record(clientId, binary(256)),
    maskingKeyShares: z.record(clientId, binary(256)),
  }),
} as const;

export const secAggRefusalSchema = z.strictObject({ error: z.string().max(1000) });

export type SecAggStage = keyof typeof secAggResponseSchemas;
export const SECAGG_STAGES = ['advertise', 'share-keys', 'masked-input', 'unmask'] as const satisfies readonly SecAggStage[];
export type SecAggRequest = z.infer<typeof secAggRequestSchema>;
export type SecAggResponse<S extends SecAggStage> = z.infer<(typeof secAggResponseSchemas)[S]>;
export type SecAggRefusal = z.infer<typeof secAggRefusalSchema>;
