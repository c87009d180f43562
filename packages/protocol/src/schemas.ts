/** One zod schema per message. Every incoming message is parsed in full, never trusted by its tag. */
import { z } from 'zod';
import { DTYPES } from './codec';
import { COMPRESSIONS } from './compression';
import { base64Bytes, clientId, publicKey, signature } from './fields';
import { PROTOCOL_VERSION } from './version';
import { ProtocolError, REJECTION_CODES } from './errors';

const MAX_RANK = 8;
const MAX_MANIFEST_ENTRIES = 4096;

const protocolVersion = z.number().int();
const runId = z.string().min(1).max(128);
const round = z.number().int().min(0);
const count = z.number().int().min(0);

export const manifestEntrySchema = z.strictObject({
  name: z.string().min(1).max(256),
  shape: z.array(z.number().int().min(0)).max(MAX_RANK),
  dtype: z.enum(DTYPES),
  offset: z.number().int().min(0),
});

const manifest = z.array(manifestEntrySchema).max(MAX_MANIFEST_ENTRIES);
const payload = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected a binary payload');

/** What a client says when it connects: with a signing key, it must then prove it (auth:challenge). */
export const handshakeSchema = z.strictObject({ protocolVersion, clientId, signingKey: publicKey.optional() });

/** The coordinator's fresh challenge to a client that presented a signing key. */
export const authChallengeSchema = z.strictObject({
  protocolVersion,
  nonce: base64Bytes(32, 'a 32-byte nonce'),
  /** The coordinator's X25519 key: updates are sealed to it, and the proof covers it. */
  coordinatorKey: publicKey,
});

/** The client's answer to a challenge: its signature of `handshakeProofBytes`. */
export const authProofSchema = z.strictObject({ signature });

/** What the coordinator tells a client before it disconnects it. */
export const authRefusalSchema = z.strictObject({ protocolVersion, code: z.enum(REJECTION_CODES), message: z.string().max(1000) });

/** How an update's payload was sealed to the coordinator's key (see @cohort/privacy/identity). */
export const sealSchema = z.strictObject({ ephemeralKey: publicKey, nonce: base64Bytes(12, 'a 12-byte nonce') });

/** What a client must do to its update before sending it when differential privacy is on. */
export const dpInstructionSchema = z.strictObject({
  /** L2 bound of the whole update (all tensors flattened together). */
  clipNorm: z.number().positive(),
  /** Standard deviation of the Gaussian noise the client adds itself (local DP); 0 in central DP. */
  noiseStdDev: z.number().min(0),
  /** Present only in reproducible simulations: seeds the client's noise, which is then not private. */
  noiseSeed: z.number().int().optional(),
});

/**
 * Distributed DP (Kairouz, Liu, Steinke 2021): how each client encodes its update before masking —
 * clip, rotate with the round's public seed, scale, round, add its discrete Gaussian share.
 */
export const distributedDpConfigSchema = z.strictObject({
  modelLength: z.number().int().min(1),
  paddedLength: z.number().int().min(1),
  clipNorm: z.number().positive(),
  granularity: z.number().positive(),
  beta: z.number().min(0).lt(1),
  sensitivity: z.number().positive(),
  clientVariance: z.number().positive(),
  minContributors: z.number().int().min(1),
  bits: z.number().int().min(1).max(32),
  noiseMultiplier: z.number().positive(),
  effectiveNoiseMultiplier: z.number().positive(),
  /** Public per-round seed of the random rotation's signs, base64 of 32 bytes. */
  rotationSeed: base64Bytes(32, 'a 32-byte seed'),
});

/** The round's secure aggregation parameters (see @cohort/privacy/secagg): the client's update is summed only in masked form. */
export const secureAggregationConfigSchema = z.strictObject({
  bits: z.number().int().min(1).max(32),
  scale: z.number().positive(),
  clipNorm: z.number().positive(),
  modelLength: z.number().int().min(1),
  neighbours: z.number().int().min(1).max(255),
  threshold: z.number().int().min(2).max(255),
  /** Present under distributed DP: the update is encoded with noise instead of plainly quantised. */
  distributedDp: distributedDpConfigSchema.optional(),
});

export const fitConfigSchema = z.strictObject({
  localEpochs: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  learningRate: z.number().positive(),
  seed: z.number().int(),
  dp: dpInstructionSchema.optional(),
  /** Present when the round is securely aggregated: the update goes out only as a masked input. */
  secureAggregation: secureAggregationConfigSchema.optional(),
  /** How the client encodes its update: 'q8', 8-bit stochastic quantisation (compression.ts); float32 when absent. */
  compression: z.enum(COMPRESSIONS).optional(),
  /** The client's optimiser, its state fresh each round: plain SGD when absent. */
  optimizer: z.enum(['sgd', 'momentum', 'adam']).optional(),
  /** β of heavy-ball momentum (with `optimizer: 'momentum'`), in [0, 1); 0.9 when absent. */
  momentum: z.number().min(0).lt(1).optional(),
  /** FedProx μ ≥ 0 (Li et al. 2020): the local objective gets + (μ/2)·‖w − w_global‖²; 0 when absent. */
  proximalMu: z.number().min(0).optional(),
});

export const modelDescriptionSchema = z.strictObject({
  protocolVersion,
  runId,
  /** tfjs Layers topology (the `modelTopology` of a model.json). */
  topology: z.record(z.string(), z.unknown()),
  weightSpecs: z.array(z.strictObject({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.enum(DTYPES) })),
  numClasses: z.number().int().min(2),
  /** How answers must be protected on this coordinator. */
  security: z
    .strictObject({
      /** The coordinator's X25519 key (the same as in its challenge). */
      coordinatorKey: publicKey,
      /** Update payloads must be sealed to `coordinatorKey`. */
      sealUpdates: z.boolean(),
      /** 'enrolled': only listed device keys may join; 'open': any client may. */
      enrolment: z.enum(['enrolled', 'open']),
    })
    .optional(),
});

export const roundStartSchema = z.strictObject({
  protocolVersion,
  runId,
  round,
  task: z.enum(['fit', 'evaluate']),
  config: fitConfigSchema,
  manifest,
  payload,
  /**
   * Fit tasks only (a fused round): first evaluate the model sent here — the global model after round
   * `round − 1` — on the local evaluation data, then train, and return the counts in the update's
   * `evaluation`. The model then travels once for both.
   */
  evaluate: z.literal(true).optional(),
});

export const roundEndSchema = z.strictObject({
  protocolVersion,
  runId,
  round,
  status: z.enum(['committed', 'failed']),
});

export const runEndSchema = z.strictObject({ protocolVersion, runId, reason: z.string().max(1000) });

export const fitMetricsSchema = z.strictObject({
  loss: z.number(),
  accuracy: z.number().min(0).max(1),
});

/**
 * A fused evaluation as the update carries it: the counts of `evaluationSchema` (for the model the
 * fit task sent), or why the client could not evaluate it (its update still counts).
 */
export const fusedEvaluationSchema = z.union([
  z.strictObject({
    numExamples: count,
    lossSum: z.number().min(0),
    confusion: z.array(count),
    groupConfusion: z.record(z.string().min(1).max(64), z.array(count)).optional(),
  }),
  z.strictObject({ error: z.string().max(2000) }),
]);

export const updateSchema = z.strictObject({
  protocolVersion,
  runId,
  round,
  clientId,
  numExamples: count.min(1),
  /** Omitted under differential privacy: raw training metrics are not privatised. */
  metrics: fitMetricsSchema.optional(),
  manifest,
  /** The payload as sent: the encoded tensors, or their ciphertext when `sealed` is present. */
  payload,
  sealed: sealSchema.optional(),
  /** How the payload encodes the tensors (compression.ts); float32, as the manifest says, when absent. */
  compression: z.enum(COMPRESSIONS).optional(),
  /** Present when the fit task asked for a fused evaluation (`evaluate`); signed with the rest. */
  evaluation: fusedEvaluationSchema.optional(),
  /** The sender's signature of `answerSigningBytes('fit', message)`; required from a client that proved a key. */
  signature: signature.optional(),
});

export const evaluationSchema = z.strictObject({
  protocolVersion,
  runId,
  round,
  clientId,
  numExamples: count,
  /** Sum over examples of the cross-entropy loss. */
  lossSum: z.number().min(0),
  /** numClasses × numClasses counts, row = true class, column = predicted class, row-major. */
  confusion: z.array(count),
  /** The same counts split by the value of a declared sensitive attribute, for fairness metrics. */
  groupConfusion: z.record(z.string().min(1).max(64), z.array(count)).optional(),
  /** The sender's signature of `answerSigningBytes('evaluate', message)`. */
  signature: signature.optional(),
});

export const clientErrorSchema = z.strictObject({
  protocolVersion,
  runId,
  round,
  clientId,
  message: z.string().max(2000),
});

export const ackSchema = z.union([
  z.strictObject({ ok: z.literal(true) }),
  z.strictObject({ ok: z.literal(false), code: z.enum(REJECTION_CODES), message: z.string() }),
]);

export type Handshake = z.infer<typeof handshakeSchema>;
export type AuthChallenge = z.infer<typeof authChallengeSchema>;
export type AuthProof = z.infer<typeof authProofSchema>;
export type AuthRefusal = z.infer<typeof authRefusalSchema>;
export type Seal = z.infer<typeof sealSchema>;
export type FitConfig = z.infer<typeof fitConfigSchema>;
export type SecureAggregationConfig = z.infer<typeof secureAggregationConfigSchema>;
export type DistributedDpConfig = z.infer<typeof distributedDpConfigSchema>;
export type DpInstruction = z.infer<typeof dpInstructionSchema>;
export type ModelDescription = z.infer<typeof modelDescriptionSchema>;
export type RoundStart = z.infer<typeof roundStartSchema>;
export type RoundEnd = z.infer<typeof roundEndSchema>;
export type RunEnd = z.infer<typeof runEndSchema>;
export type FitMetrics = z.infer<typeof fitMetricsSchema>;
export type UpdateMessage = z.infer<typeof updateSchema>;
export type FusedEvaluation = z.infer<typeof fusedEvaluationSchema>;
export type EvaluationMessage = z.infer<typeof evaluationSchema>;
export type ClientErrorMessage = z.infer<typeof clientErrorSchema>;
export type Ack = z.infer<typeof ackSchema>;

/**
 * Parses a message with its schema; throws ProtocolError('INVALID_MESSAGE') naming the first bad
 * field, or ('VERSION_MISMATCH') when the message carries another protocol version.
 */
export function parseMessage<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const version = (value as { protocolVersion?: unknown } | null)?.protocolVersion;
    if (typeof version === 'number' && version !== PROTOCOL_VERSION) throw versionMismatch(version);
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(message)';
    throw new ProtocolError('INVALID_MESSAGE', `invalid ${what}: ${where}: ${issue?.message ?? 'malformed'}`, { cause: result.error });
  }
  const data = result.data as { protocolVersion?: number };
  if (data.protocolVersion !== undefined && data.protocolVersion !== PROTOCOL_VERSION) throw versionMismatch(data.protocolVersion);
  return result.data;
}

export function versionMismatch(theirs: unknown): ProtocolError {
  return new ProtocolError(
    'VERSION_MISMATCH',
    `protocol version mismatch: this peer speaks version ${PROTOCOL_VERSION}, the other speaks version ${String(theirs)}`,
  );
}
