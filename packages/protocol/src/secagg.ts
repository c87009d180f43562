/**
 * The messages of secure aggregation's stages (Bonawitz et al. 2017; SecAgg+ of Bell et al. 2020):
 * the coordinator sends `secagg:request` to each client of the round and the client answers in the
 * acknowledgement. Keys and signatures travel as base64, ciphertexts and the masked vector as binary.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { base64, base64Bytes, binary, clientId, publicKey, signature } from './fields';
import { PROTOCOL_VERSION } from './version';

const MAX_PEERS = 255;

export const secAggAdvertisementSchema = z.strictObject({
  clientId,
  encryptionKey: publicKey,
  maskingKey: publicKey,
  /** ed25519 over advertisementBytes; '' from a client without a device identity. */
  signature: z.union([z.literal(''), signature]),
  /** The advertiser's device signing key as the coordinator knows it (forwarded to its neighbours). */
  signingKey: publicKey.optional(),
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

/** A device's signature of its answer (`secAggAnswerBytes`); required from a client that proved a key. */
const answerSignature = { signature: signature.optional() };

/** A client's answer to each stage, or its refusal. */
export const secAggResponseSchemas = {
  /** Its `signature` is the advertisement's own (over advertisementBytes), which already binds the answer. */
  advertise: secAggAdvertisementSchema.omit({ clientId: true, signingKey: true }),
  'share-keys': z.strictObject({ shares: z.array(encryptedShareSchema).max(MAX_PEERS), ...answerSignature }),
  /** The masked input: little-endian uint32 words. */
  'masked-input': z.strictObject({ masked: binary(4 * 2 ** 26), ...answerSignature }),
  /**
   * The shares it reveals, sealed to the coordinator's X25519 key (so that a proxy that terminates TLS
   * cannot read them): the plaintext is the canonical JSON of { selfMaskShares, maskingKeyShares },
   * each a record from neighbour id to a base64 share.
   */
  unmask: z.strictObject({
    sealed: z.strictObject({ ephemeralKey: publicKey, nonce: base64Bytes(12, 'a 12-byte nonce') }),
    ciphertext: binary(256 * 2 * MAX_PEERS + 4096),
    ...answerSignature,
  }),
} as const;

/** The revealed shares inside a sealed unmask answer. */
export const unmaskSharesSchema = z.strictObject({
  selfMaskShares: z.record(clientId, base64(256)),
  maskingKeyShares: z.record(clientId, base64(256)),
});

/**
 * Canonical JSON: object keys sorted, binary as base64 — the same bytes whichever side builds or
 * parses the value.
 */
export function canonicalJson(value: unknown): string {
  const normal = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (Array.isArray(v)) return v.map(normal);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, normal((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(normal(value));
}

/** What a device signs for a stage answer: the run, round, stage, its id and the SHA-256 of the answer's canonical JSON (signature left out). */
export function secAggAnswerBytes(runId: string, round: number, stage: SecAggStage, clientId: string, answer: object): Uint8Array {
  const { signature: _signature, ...body } = answer as { signature?: unknown };
  const digest = createHash('sha256').update(canonicalJson(body)).digest('hex');
  return new Uint8Array(
    createHash('sha256')
      .update(`cohort-secagg-answer-v1\0`)
      .update(JSON.stringify([runId, round, stage, clientId, digest]))
      .digest(),
  );
}

/** What a sealed unmask answer is bound to. */
export function unmaskAssociatedData(runId: string, round: number, clientId: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(['cohort-unmask-v1', runId, round, clientId]));
}

export const secAggRefusalSchema = z.strictObject({ error: z.string().max(1000) });

export type SecAggStage = keyof typeof secAggResponseSchemas;
export const SECAGG_STAGES = ['advertise', 'share-keys', 'masked-input', 'unmask'] as const satisfies readonly SecAggStage[];
export type SecAggRequest = z.infer<typeof secAggRequestSchema>;
export type SecAggResponse<S extends SecAggStage> = z.infer<(typeof secAggResponseSchemas)[S]>;
export type SecAggRefusal = z.infer<typeof secAggRefusalSchema>;
